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
  timeZone: string;
}

export interface ModelProvenance {
  tidemarkVersion: string;
  sources: { name: string; format: string; lines: number; accepted: number; rejected: number }[];
  rejected: Record<string, { count: number; examples: string[] }>;
  options: Record<string, unknown>;
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
