/**
 * The plain data that flows between the stages of tidemark (see DESIGN.md):
 * sources → formats → LogRecord → model builder → TrafficModel → synth → SessionPlan →
 * schedule/engine → metrics → RunResults → thresholds/reports.
 */

/** One request as a log or export saw it, normalized. Produced by `src/formats`. */
export interface LogRecord {
  /** Request start, epoch milliseconds (derived from the logged end time where needed). */
  timeMs: number;
  method: string;
  /** Path without the query string, as logged (not decoded). */
  path: string;
  /** Raw query string without the leading `?`; empty when none. */
  query: string;
  /** HTTP status; 0 when the log has none. */
  status: number;
  /** Response body bytes; null when not logged. */
  bytes: number | null;
  /** Observed duration (request time) in ms; null when not logged. */
  durationMs: number | null;
  /** Client address as logged. Never written to a model (hashed or dropped). */
  client: string;
  userAgent: string;
  referrer: string;
  host: string;
  /** "file:line" of the record, for errors and debugging. */
  source: string;
  /** Response content type, where the source logs it (HAR); for spotting static assets. */
  contentType?: string | undefined;
  /**
   * The `--session-key` value (a cookie, header or field), set only when one was asked for;
   * '' when this line has none. Hashed by the model builder, never written to a model.
   */
  sessionKey?: string;
}

/** A record a parser could not read: counted by reason, a few examples kept. */
export interface RejectedLine {
  reason: string;
  source: string;
}

/** Sampleable summary of a distribution: empirical quantiles at evenly spaced probabilities. */
export interface Distribution {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  /** Values at probabilities 0, 1/(n-1), …, 1 (n = quantiles.length); inverse-CDF sampling. */
  quantiles: number[];
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'other';

export interface ModelEndpoint {
  /** "METHOD /route/:template" */
  key: string;
  method: string;
  template: string;
  count: number;
  /** count / totals.requests */
  share: number;
  statusClasses: Partial<Record<StatusClass, number>>;
  latencyMs?: { p50: number; p90: number; p99: number } | undefined;
  bytes?: { mean: number; p50: number; p99: number } | undefined;
  /** Concrete path values seen for each `:param`, most frequent first, scrubbed and capped. */
  params?: Record<string, string[]> | undefined;
  /** Most of its requests were static assets (stylesheets, scripts, images, fonts, …). */
  static?: boolean | undefined;
  /** Query parameters by name as logged (the most frequent 20). */
  query?: Record<string, ModelQueryParam> | undefined;
  /** Query parameter names not listed in `query`. */
  queryOther?: { names: number; share: number } | undefined;
}

/** What one query parameter of one endpoint looks like. */
export interface ModelQueryParam {
  /** Share of the endpoint's requests carrying it. */
  share: number;
  /** Estimate of its distinct values (exact up to 64). */
  distinct: number;
  /** Most frequent values with their counts (at most 10; none for sensitive names). */
  top: [string, number][];
  /** Share of its valued occurrences not in `top`. */
  otherShare: number;
}

export interface ModelSessions {
  count: number;
  /** Identity key used: "ip+ua" by default. */
  key: string;
  timeoutSec: number;
  /** Requests per session. */
  length: Distribution;
  /** First to last request start, seconds. */
  durationSec: Distribution;
  /** Gap between consecutive request starts in a session, ms. */
  thinkTimeMs: Distribution;
  /** Entry endpoint key → probability. */
  entry: Record<string, number>;
  /** From endpoint key → (to endpoint key or "$exit") → probability. */
  transitions: Record<string, Record<string, number>>;
  /**
   * Think times of the transitions that have enough of them (≥ 30 gaps) and differ from
   * `thinkTimeMs` by more than sampling noise, the most frequent 500: from endpoint key → to
   * endpoint key → distribution (11 quantiles). Replay uses it where present, else
   * `thinkTimeMs`. Absent in older models.
   */
  thinkTimeByTransition?: Record<string, Record<string, Distribution>>;
  /** With a key other than ip+ua: requests that had no key value (sessionized by ip+ua instead). */
  keyMissing?: number;
  /** Sessions by traffic class (bots by user agent). Absent in older models. */
  classes?: { human: ModelSessionClass; bot: ModelSessionClass };
}

/**
 * One traffic class's sessions. `count` and `requests` are always there; the statistics only
 * when both classes have sessions (a class holding every session has the top-level ones).
 */
export interface ModelSessionClass {
  count: number;
  /** Requests in this class's sessions. */
  requests: number;
  length?: Distribution;
  durationSec?: Distribution;
  thinkTimeMs?: Distribution;
  entry?: Record<string, number>;
  transitions?: Record<string, Record<string, number>>;
  thinkTimeByTransition?: Record<string, Record<string, Distribution>>;
}

export interface PeakWindow {
  /** Start of the busiest clock hour observed, ISO 8601 UTC. */
  start: string;
  end: string;
  /** `start` in the model's time zone, ISO 8601 with its offset (absent in older models). */
  localStart?: string | undefined;
  hourOfDay: number;
  sessions: number;
  requests: number;
  sessionsPerSec: number;
  requestsPerSec: number;
  /** Session starts in each minute of the peak hour (60 numbers), for a non-flat rate. */
  sessionsPerMinute: number[];
}

export interface ModelArrivals {
  /** Share of session starts in each hour of the day (24 numbers summing to 1). */
  hourly: number[];
  /** Average session starts per hour of the day, over the days the log spans. */
  sessionsPerHour: number[];
  /** Average requests per hour of the day. */
  requestsPerHour: number[];
  peak: PeakWindow;
  /** The day's frame: hours, minutes and weekdays are those of this zone (`import --tz`). */
  timeZone: string;
  /** Average session starts per minute of the day (1,440: 60 × hour + minute). Absent in older models. */
  sessionsPerMinuteOfDay?: number[] | undefined;
  /** Average requests per minute of the day (1,440). */
  requestsPerMinuteOfDay?: number[] | undefined;
  /**
   * Average session starts per clock hour of each weekday × hour (168: 24 × weekday + hour,
   * Monday first); null where the log does not reach. Only when the log spans at least 24 hours.
   */
  sessionsPerWeekdayHour?: (number | null)[] | undefined;
  requestsPerWeekdayHour?: (number | null)[] | undefined;
  concurrency?: ModelConcurrency | undefined;
}

/** Sessions in flight (first to last request start) over the log; see src/model/arrivals.ts. */
export interface ModelConcurrency {
  /** Time-average over the log's span. */
  mean: number;
  /** The busiest clock minute's average. */
  peak: number;
  /** Start of that minute, ISO 8601 with the model's time zone offset. */
  peakAt: string;
  /** N = λ·W at the peak hour (λ its session starts per second, W the mean duration) against the observed. */
  littlesLaw: { arrivalRatePerSec: number; meanDurationSec: number; predicted: number; observed: number; ratio: number | null };
}

export interface ModelProvenance {
  tidemarkVersion: string;
  sources: { name: string; format: string; lines: number; accepted: number; rejected: number }[];
  rejected: Record<string, { count: number; examples: string[] }>;
  options: Record<string, unknown>;
  /**
   * Which input gave which part of the model, when aggregated reports were imported: part
   * (`endpoints`, `sessions.length`, `sessions.durationSec`, `arrivals.hourly`, `arrivals.daily`)
   * → input names; `superseded` lists reports that request records outweighed.
   */
  parts?: Record<string, string[]>;
  /** User-given routes (`--routes`, `--openapi`): files, routes, requests keyed to them. */
  userRoutes?: { sources: string[]; routes: number; matched: number } | undefined;
  /** Requests left out of the model on purpose, by reason (`static`: `--exclude-static`). */
  excluded?: { static?: number | undefined } | undefined;
}

export interface TrafficModel {
  schemaVersion: 1;
  span: { start: string; end: string; days: number };
  totals: { requests: number; rejected: number; lines: number };
  endpoints: ModelEndpoint[];
  sessions: ModelSessions;
  arrivals: ModelArrivals;
  provenance: ModelProvenance;
}

/** One planned request of a synthesized session. */
export interface PlannedRequest {
  endpointKey: string;
  method: string;
  /** Concrete path with parameters filled, plus query when any. */
  path: string;
  /** Think time before this request, measured from the previous response's end (0 for the first). */
  thinkTimeMs: number;
  /** Values chosen for the template's parameters (`id` → "123"), for bodies that repeat them. */
  params?: Record<string, string>;
}

export interface SessionPlan {
  id: number;
  requests: PlannedRequest[];
}

/**
 * The parts of a traffic model an aggregated report carries, ready for the model builder
 * (`summarizeAggregate` in formats/ga-csv.ts makes it; model/aggregate.ts uses it).
 */
export interface AggregateSummary {
  /** Page → pageviews, most viewed first, `(not set)` left out. */
  pageMix?: { page: string; pageviews: number }[];
  pagesPerSession?: number;
  avgSessionDurationSec?: number;
  /** Sessions per hour of the day (24 numbers), summed over the days of the report. */
  sessionsByHour?: number[];
  /** Sessions per date (YYYY-MM-DD). */
  sessionsByDate?: Record<string, number>;
  /**
   * All sessions of the report: a totals row's sessions, else the sum over a section keyed by a
   * session-scoped dimension (browser, country, source: each session has one value).
   */
  totalSessions?: number;
  /** The dates the report covers (from its preamble), YYYY-MM-DD. */
  dateRange?: { start: string; end: string };
}

