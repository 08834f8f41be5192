/**
 * The parts of a traffic model that aggregated analytics reports carry (Google Analytics page,
 * hourly and daily reports exported as CSV: `summarizeAggregate` in formats/ga-csv.ts), for an
 * import that has no request records.
 *
 * What an aggregate tells, and what the model makes of it:
 *   page mix (pageviews per page)   → endpoints `GET <page>` (templated by the route tree, like
 *                                     logged paths), counts = pageviews
 *   pages per session (a mean)      → session length: geometric with that mean (support 1, 2, …)
 *   average session duration        → session duration: exponential with that mean; think time:
 *                                     exponential with mean duration ÷ (pages per session − 1)
 *   sessions per hour / per date    → arrivals: hourly shape and rates (averaged over the days
 *                                     of the report); a report by date only gives a flat day
 * Navigation is not in an aggregate: entries and transitions stay empty, and the synthesizer then
 * draws each page of a session from the mix, with the session's length from the distribution.
 *
 * A report gives means, not distributions; geometric and exponential are the maximum-entropy
 * distributions for a count ≥ 1 and a positive duration with a given mean: they assume nothing
 * beyond what the report says. The model says which part came from which source
 * (`provenance.parts`), and `inspect` shows it.
 *
 * Several reports are combined: page mixes, sessions per hour and per date are added; a mean
 * (pages per session, session duration) is taken from the first report that has it.
 */
import type { AggregateSummary, Distribution, ModelArrivals, PeakWindow } from '../core/types.js';
import { distributionOf, round, sharesSummingToOne } from './distribution.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Quantile probabilities stop short of 1 (the top of geometric and exponential is unbounded). */
const TOP_PROBABILITY = 0.999;

export interface AggregateSource {
  /** The input's name, for provenance. */
  source: string;
  summary: AggregateSummary;
}

/** Every aggregate combined, and which source gave each part. */
export interface CombinedAggregate {
  pageMix: Map<string, number>;
  pagesPerSession?: number;
  avgSessionDurationSec?: number;
  sessionsByHour?: number[];
  sessionsByDate?: Map<string, number>;
  totalSessions?: number;
  dateRange?: { start: string; end: string };
  /** Model part → the sources it came from. */
  parts: Record<string, string[]>;
}

export function combineAggregates(inputs: readonly AggregateSource[]): CombinedAggregate {
  const combined: CombinedAggregate = { pageMix: new Map(), parts: {} };
  const credit = (part: string, source: string): void => {
    const list = (combined.parts[part] ??= []);
    if (!list.includes(source)) list.push(source);
  };
  for (const { source, summary } of inputs) {
    for (const { page, pageviews } of summary.pageMix ?? []) {
      combined.pageMix.set(page, (combined.pageMix.get(page) ?? 0) + pageviews);
      credit('endpoints', source);
    }
    if (summary.pagesPerSession !== undefined && combined.pagesPerSession === undefined) {
      combined.pagesPerSession = summary.pagesPerSession;
      credit('sessions.length', source);
    }
    if (summary.avgSessionDurationSec !== undefined && combined.avgSessionDurationSec === undefined) {
      combined.avgSessionDurationSec = summary.avgSessionDurationSec;
      credit('sessions.durationSec', source);
    }
    if (summary.sessionsByHour !== undefined) {
      const into = (combined.sessionsByHour ??= new Array<number>(24).fill(0));
      summary.sessionsByHour.forEach((n, h) => (into[h] = (into[h] as number) + n));
      credit('arrivals.hourly', source);
    }
    if (summary.sessionsByDate !== undefined) {
      const into = (combined.sessionsByDate ??= new Map());
      for (const [date, n] of Object.entries(summary.sessionsByDate)) into.set(date, (into.get(date) ?? 0) + n);
      credit('arrivals.daily', source);
    }
    if (summary.totalSessions !== undefined) {
      combined.totalSessions = (combined.totalSessions ?? 0) + summary.totalSessions;
      credit('sessions.count', source);
    }
    if (summary.dateRange !== undefined) {
      const r = combined.dateRange;
      combined.dateRange = r === undefined ? { ...summary.dateRange } : { start: min(r.start, summary.dateRange.start), end: max(r.end, summary.dateRange.end) };
    }
  }
  return combined;
}

/** A page cell as a path and query: `/a?b=1` as is, a full URL by its path; a title is not a path. */
export function pagePath(page: string): { path: string; query: string } | null {
  let text = page.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      text = url.pathname + url.search;
    } catch {
      return null;
    }
  } else if (/^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(text)) {
    text = text.slice(text.indexOf('/')); // GA4 "page path and screen class" may hold host/path
  }
  if (!text.startsWith('/') || /\s/.test(text)) return null;
  const q = text.indexOf('?');
  return q < 0 ? { path: text, query: '' } : { path: text.slice(0, q), query: text.slice(q + 1) };
}

/** Days the report covers: its date range, else its distinct dates, else null (unknown). */
export function aggregateDays(a: CombinedAggregate): number | null {
  if (a.dateRange !== undefined) {
    const days = Math.round((Date.parse(`${a.dateRange.end}T00:00:00Z`) - Date.parse(`${a.dateRange.start}T00:00:00Z`)) / DAY_MS) + 1;
    if (Number.isFinite(days) && days >= 1) return days;
  }
  if (a.sessionsByDate !== undefined && a.sessionsByDate.size > 0) return a.sessionsByDate.size;
  return null;
}

/** Total sessions: by hour, else by date, else the report's total, else pageviews ÷ pages per session, else 0. */
export function aggregateSessionCount(a: CombinedAggregate, pageviews: number): number {
  if (a.sessionsByHour !== undefined) return Math.round(sum(a.sessionsByHour));
  if (a.sessionsByDate !== undefined) return Math.round(sum([...a.sessionsByDate.values()]));
  if (a.totalSessions !== undefined) return Math.round(a.totalSessions);
  if (a.pagesPerSession !== undefined && a.pagesPerSession > 0) return Math.round(pageviews / a.pagesPerSession);
  return 0;
}

/** Pages per session: the report's mean, else pageviews ÷ sessions when both are known, else 1. */
export function aggregatePagesPerSession(a: CombinedAggregate, pageviews: number, sessions: number): number {
  if (a.pagesPerSession !== undefined && a.pagesPerSession >= 1) return a.pagesPerSession;
  if (sessions > 0 && pageviews >= sessions) return pageviews / sessions;
  return 1;
}

/** Geometric distribution on 1, 2, … with the given mean (≥ 1), as a model Distribution. */
export function geometricDistribution(mean: number, count: number): Distribution {
  const m = Math.max(1, mean);
  const p = 1 / m;
  const quantile = (q: number): number => (p >= 1 ? 1 : Math.max(1, Math.ceil(Math.log(1 - q) / Math.log(1 - p) - 1e-9)));
  return fromQuantileFunction(quantile, round(m, 2), count, 0);
}

/** Exponential distribution with the given mean (≥ 0), as a model Distribution. */
export function exponentialDistribution(mean: number, count: number, decimals: number): Distribution {
  const m = Math.max(0, mean);
  return fromQuantileFunction((q) => -m * Math.log(1 - q), round(m, decimals), count, decimals);
}

function fromQuantileFunction(quantile: (q: number) => number, mean: number, count: number, decimals: number): Distribution {
  const probability = (q: number): number => q * TOP_PROBABILITY;
  // The mean as given (a count's mean keeps its decimals while its quantiles are whole).
  return { ...distributionOf({ count, mean, min: quantile(0), max: quantile(TOP_PROBABILITY), quantile }, decimals, { probability }), mean };
}

/**
 * Arrivals from sessions per hour of day (summed over the report's days) or, lacking those, per
 * date (a flat day). Rates are averages over the report's days; the peak is the busiest hour of
 * day, placed on the busiest date when dates are known (else the range's first day). A report
 * that says neither its hours, its dates nor its date range gives no rate at all (zeros): a
 * total without a period is not a rate.
 */
export function aggregateArrivals(a: CombinedAggregate, sessions: number, pagesPerSession: number): { arrivals: ModelArrivals; span: { start: string; end: string; days: number } } {
  const knownDays = aggregateDays(a);
  const days = knownDays ?? 1;
  const byHour = a.sessionsByHour ?? new Array<number>(24).fill(knownDays === null ? 0 : sessions / 24);
  const total = sum(byHour);
  const sessionsPerHour = byHour.map((n) => n / days);
  const hourly = total > 0 ? sharesSummingToOne(byHour) : new Array<number>(24).fill(0);
  let peakHour = 0;
  for (let h = 1; h < 24; h++) if ((sessionsPerHour[h] as number) > (sessionsPerHour[peakHour] as number)) peakHour = h;
  const dates = a.sessionsByDate !== undefined ? [...a.sessionsByDate].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)) : [];
  const firstDay = a.dateRange?.start ?? [...(a.sessionsByDate?.keys() ?? [])].sort()[0];
  const lastDay = a.dateRange?.end ?? [...(a.sessionsByDate?.keys() ?? [])].sort().at(-1);
  const peakDay = dates[0]?.[0] ?? firstDay;
  const dayMs = peakDay !== undefined ? Date.parse(`${peakDay}T00:00:00Z`) : 0;
  const peakStartMs = (Number.isFinite(dayMs) ? dayMs : 0) + peakHour * HOUR_MS;
  const peakSessions = sessionsPerHour[peakHour] as number;
  const peak: PeakWindow = {
    start: new Date(peakStartMs).toISOString(),
    end: new Date(peakStartMs + HOUR_MS).toISOString(),
    hourOfDay: peakHour,
    sessions: Math.round(peakSessions),
    requests: Math.round(peakSessions * pagesPerSession),
    sessionsPerSec: round(peakSessions / 3600, 6),
    requestsPerSec: round((peakSessions * pagesPerSession) / 3600, 6),
    sessionsPerMinute: spread(Math.round(peakSessions), 60),
  };
  const startMs = firstDay !== undefined ? Date.parse(`${firstDay}T00:00:00Z`) : 0;
  const endMs = lastDay !== undefined ? Date.parse(`${lastDay}T00:00:00Z`) + DAY_MS - 1000 : knownDays === null ? startMs : startMs + days * DAY_MS - 1000;
  return {
    arrivals: {
      hourly,
      sessionsPerHour: sessionsPerHour.map((n) => round(n, 3)),
      requestsPerHour: sessionsPerHour.map((n) => round(n * pagesPerSession, 3)),
      peak,
      timeZone: 'UTC',
    },
    span: {
      start: new Date(Number.isFinite(startMs) ? startMs : 0).toISOString(),
      end: new Date(Number.isFinite(endMs) ? endMs : 0).toISOString(),
      days: knownDays === null ? 0 : round(days, 4),
    },
  };
}

/** `n` split into `parts` whole numbers as evenly as possible (the larger ones first). */
function spread(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}
