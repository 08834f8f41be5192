/**
 * `tidemark import --merge`: one model from the models of several days or several sources.
 * Pure: models in, a model out. What is exact and what is approximated:
 *
 * - Counts are summed, exactly: totals, endpoint counts and status classes, session counts,
 *   sessions and requests of each traffic class (`sessions.classes`), requests without a session
 *   key value (`keyMissing`), rejected lines by reason, requests left out (`excluded.static`),
 *   requests keyed to user routes (`userRoutes.matched`). Shares are recomputed from the summed
 *   counts, as the builder does.
 * - Endpoints are matched by key (`METHOD /template`). A literal path of one model that the other
 *   folded into a `:param` stays its own endpoint. The endpoint cap is applied again (the largest
 *   of the inputs' caps, or `maxEndpoints`): the smallest endpoints go into `METHOD /:other`.
 * - Entry and transition tables hold probabilities; their counts are recovered as
 *   `sessions.count × entry share` and `endpoint count × transition probability` (every request
 *   to an endpoint leaves it exactly once: to the session's next request or to the exit), rounded
 *   to whole numbers. With probabilities written to 6 places this is exact below 500,000 sessions
 *   (requests of the endpoint), and within 1 count in a million beyond.
 * - `static`: an endpoint is static when most of its requests are (as endpoints.ts decides);
 *   a model keeps only the flag, so each input's endpoint counts as all static or none, weighted
 *   by its requests. Exact when each input's endpoint is wholly assets or wholly not (an asset
 *   path); a template that folds assets and pages counts wholly on its side of one half.
 * - `query` statistics (endpoints.ts): the requests carrying a name are recovered as
 *   `share × endpoint count` (exact as the transitions are), summed and divided by the merged
 *   count; the 20 names carried by most requests are listed again. `top` lists are summed value
 *   by value and cut to 10: exact when every input's list is complete (`otherShare` 0: fewer
 *   than 10 values, counted, not sampled); a value an input's list cut off lacks that input's
 *   count (a lower bound), and ties keep the order first met rather than time order.
 *   `otherShare` comes from the merged `top` and each input's valued occurrences (`top` ÷
 *   (1 − otherShare), or the requests when nothing was kept): exactly 0 for complete lists and 1
 *   for sensitive names, within the rounding of the inputs' shares otherwise. `distinct` cannot
 *   be merged without the inputs' sketches: the max of the inputs' is a lower bound (the same
 *   values come back day after day), the sum an upper bound; the merge writes the max, the safe
 *   bound, which never exceeds what one import gives. `queryOther`: its requests summed, plus
 *   those of listed names that are no longer listed; `names` is a lower bound, as names an input
 *   only counted may be names another input listed. A name one input listed and another only
 *   counted in its `queryOther` (beyond its 20 or 32 names) lacks that input's requests.
 * - Traffic classes (bots.ts): each class's statistics are written when both merged classes
 *   have sessions, as the builder does, and merged like the top-level ones (an input class that
 *   held every session contributes the top-level statistics). A class's requests per endpoint,
 *   needed to recover its transition counts, are not in the model: they are solved from its own
 *   tables (every request is an entry or follows a transition: v = E + Pᵀv, merge-sessions.ts)
 *   and split each endpoint's count between the classes in proportion. The solve carries the
 *   6-place rounding of the probabilities: on random tables of up to 3 million requests of a
 *   class (200 endpoints, 30 requests per session) it was within 0.4 request of the truth, so
 *   the class counts are exact where the top-level ones are (below 500,000, see above).
 *   When an input has no classes (a model from before them), the merged model has none.
 * - Think times per transition (`thinkTimeByTransition`, overall and per class): the transitions
 *   some input wrote (at least 30 gaps that differ from its overall think time), each mixed by
 *   count like the distributions below but through its 11 deciles: a decile is within about one
 *   decile of rank of one import's (and the inputs' ~2% histogram buckets). The count is exact
 *   when every input wrote the transition; otherwise it is the writers' only (the other inputs'
 *   gaps are in their overall think time), and a transition no input had 30 gaps of is missing,
 *   though one import of all the logs may reach 30. The test against the overall think time is
 *   not made again; the 500 most frequent are kept, as the builder keeps.
 * - Distributions (session length, duration, think time) are mixed by count: the merged CDF is
 *   Σ countᵢ·Fᵢ / Σ countᵢ, each Fᵢ the piecewise-linear CDF through its 101 quantiles, and the
 *   merged quantiles are that mixture's inverse. count, mean, min and max are exact; a quantile
 *   is within about one percentile point (of rank) of what one import of all the logs gives.
 *   One input with data: copied as is. Endpoint latencies and sizes keep only p50/p90/p99 (and
 *   mean for sizes), so their mixture assumes a CDF linear from 0 up to p50, through the stored
 *   points, and extrapolated by the last slope up to the max: an approximation, weighted by the
 *   endpoint's request count.
 * - Value pools (path and query parameters) are interleaved, most requests first, without
 *   duplicates, as long as the longest of them.
 * - Arrivals: the per-slot counts are recovered from each model's averages × its exposure (see
 *   arrivals.ts), summed, and divided by the exposure of the merged spans. Spans that overlap or
 *   are less than a day apart count as one (so two sources of the same day, or consecutive days,
 *   give exactly what one import of all their logs gives); a gap of a day or more counts as not
 *   observed, where one import of the concatenated logs would count it as a quiet time. Recovery
 *   is exact while a model spans fewer than 1,000 days (the averages have 3 decimals; per-minute
 *   ones 4).
 *   Weekday × hour counts of a model that spans less than 24 hours (and so has none) come from its
 *   per-minute counts, each minute of its day falling on one date.
 * - The peak: the busiest of the inputs' peak hours; when several inputs have their peak in the
 *   same clock hour (sources of the same day), their counts are added. Not exact when sources
 *   overlap in time and peak at different hours (the sum of an hour that was no input's peak is
 *   not known).
 * - Concurrency: the mean is the session-seconds of all inputs over the merged (joined) spans; the peak
 *   minute the busiest of the inputs' (added when at the same minute); Little's law at the merged
 *   peak hour, with the observed concurrency of the input(s) whose peak it is.
 * - Provenance: sources concatenated; `parts` (aggregated reports) united part by part;
 *   `userRoutes` sources united, routes the largest of the inputs' (the same files give the same
 *   routes); options kept when all inputs agree, else the list of their values; `mergedModels`
 *   says how many were merged.
 *
 * Models in different time zones (`--tz`), with different session identities or timeouts, or of
 * different schema versions are not merged: the error lists every difference.
 */
import { InputError } from '../core/errors.js';
import type { ModelArrivals, ModelConcurrency, ModelEndpoint, ModelProvenance, PeakWindow, StatusClass, TrafficModel } from '../core/types.js';
import {
  MINUTES_PER_DAY,
  PER_HOUR_DECIMALS,
  PER_MINUTE_DECIMALS,
  WEEKDAY_HOURS,
  averages,
  concurrencyRecord,
  exposure,
  hasWeekdays,
  hourlyShares,
  isBusier,
  joinSpans,
  weekdayAverages,
  type Exposure,
} from './arrivals.js';
import { round } from './distribution.js';
import { QueryAcc } from './merge-query.js';
import { SessionTables, allTraffic, mergeClasses } from './merge-sessions.js';
import { mixDistributions, mixQuantile } from './mixture.js';

export { mixDistributions } from './mixture.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, localIso, mod, sameZone, weekdayOfLocalHour, zoneFrame, type ZoneFrame } from './time-zone.js';

export interface NamedModel {
  /** The file it came from, for messages. */
  name: string;
  model: TrafficModel;
}

export interface MergeOptions {
  tidemarkVersion: string;
  /** The cap to apply again; default: the largest of the inputs' `provenance.options.maxEndpoints` (200). */
  maxEndpoints?: number | undefined;
}

const EXIT = '$exit';
const OTHER_TEMPLATE = '/:other';
const OTHER_POOL_SIZE = 50;
const MAX_EXAMPLES = 5;
const STATUS_ORDER: StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

export function mergeModels(inputs: readonly NamedModel[], options: MergeOptions): TrafficModel {
  if (inputs.length === 0) throw new InputError('nothing to merge', { hint: 'give the model files to merge: tidemark import --merge a.json b.json -o merged.json' });
  checkCompatible(inputs);
  const models = inputs.map((i) => i.model);
  const first = models[0] as TrafficModel;
  const frame = zoneFrame(first.arrivals.timeZone);
  const maxEndpoints = options.maxEndpoints ?? Math.max(...models.map((m) => (typeof m.provenance.options.maxEndpoints === 'number' ? m.provenance.options.maxEndpoints : 200)));
  if (!(Number.isInteger(maxEndpoints) && maxEndpoints > 0)) {
    throw new InputError(`--max-endpoints ${maxEndpoints}: expected a positive integer`, { hint: 'e.g. --max-endpoints 200' });
  }

  const totalRequests = sum(models.map((m) => m.totals.requests));
  const { endpoints, renamed } = mergeEndpoints(models, maxEndpoints, totalRequests);
  const remap = (key: string): string => (key === EXIT ? EXIT : (renamed.get(key) ?? key));
  const sessionCount = sum(models.map((m) => m.sessions.count));

  const tables = new SessionTables(remap);
  for (const m of models) tables.add(allTraffic(m));
  const thinkTimeByTransition = tables.thinkTimes();
  const keyMissing = models.some((m) => m.sessions.keyMissing !== undefined) ? sum(models.map((m) => m.sessions.keyMissing ?? 0)) : undefined;
  const classes = mergeClasses(models, remap);

  const spans = models.filter((m) => m.totals.requests > 0).map((m): [number, number] => [Date.parse(m.span.start), Date.parse(m.span.end)]);
  const startMs = spans.length > 0 ? Math.min(...spans.map((s) => s[0])) : 0;
  const endMs = spans.length > 0 ? Math.max(...spans.map((s) => s[1])) : 0;

  return {
    schemaVersion: 1,
    span: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), days: round((endMs - startMs) / DAY_MS, 4) },
    totals: {
      requests: totalRequests,
      rejected: sum(models.map((m) => m.totals.rejected)),
      lines: sum(models.map((m) => m.totals.lines)),
    },
    endpoints,
    sessions: {
      count: sessionCount,
      key: first.sessions.key,
      timeoutSec: first.sessions.timeoutSec,
      length: mixDistributions(models.map((m) => m.sessions.length), 2),
      durationSec: mixDistributions(models.map((m) => m.sessions.durationSec), 3),
      thinkTimeMs: mixDistributions(models.map((m) => m.sessions.thinkTimeMs), 1),
      entry: tables.entryShares(),
      transitions: tables.transitionShares(),
      ...(thinkTimeByTransition !== undefined ? { thinkTimeByTransition } : {}),
      ...(keyMissing !== undefined ? { keyMissing } : {}),
      ...(classes !== undefined ? { classes } : {}),
    },
    arrivals: mergeArrivals(models, frame, spans, sessionCount),
    provenance: {
      tidemarkVersion: options.tidemarkVersion,
      sources: models.flatMap((m) => m.provenance.sources.map((s) => ({ ...s }))),
      rejected: mergeRejected(models),
      options: { ...mergeOptions(models), maxEndpoints, timeZone: frame.name, mergedModels: models.length },
      ...mergeProvenanceParts(models),
    },
  };
}

function checkCompatible(inputs: readonly NamedModel[]): void {
  const problems: string[] = [];
  const [head, ...rest] = inputs as [NamedModel, ...NamedModel[]];
  const describe = (i: NamedModel, what: string): string => `${i.name}: ${what}`;
  for (const other of rest) {
    const a = head.model;
    const b = other.model;
    if (a.schemaVersion !== b.schemaVersion) problems.push(describe(other, `schemaVersion ${String(b.schemaVersion)}, but ${head.name} has ${String(a.schemaVersion)}`));
    if (!sameZone(a.arrivals.timeZone, b.arrivals.timeZone)) problems.push(describe(other, `time zone ${b.arrivals.timeZone}, but ${head.name} has ${a.arrivals.timeZone}`));
    if (a.sessions.key !== b.sessions.key) problems.push(describe(other, `session identity ${b.sessions.key}, but ${head.name} has ${a.sessions.key}`));
    if (a.sessions.timeoutSec !== b.sessions.timeoutSec) problems.push(describe(other, `session timeout ${b.sessions.timeoutSec}s, but ${head.name} has ${a.sessions.timeoutSec}s`));
  }
  if (problems.length > 0) {
    throw new InputError(`cannot merge models built differently (${problems.length} difference${problems.length === 1 ? '' : 's'})`, {
      problems,
      hint: 'import the logs again with the same --tz, --session-timeout and session key (or import them together: tidemark import a.log b.log)',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

interface EndpointAcc {
  key: string;
  method: string;
  template: string;
  count: number;
  status: Partial<Record<StatusClass, number>>;
  latency: { weight: number; value: NonNullable<ModelEndpoint['latencyMs']> }[];
  bytes: { weight: number; value: NonNullable<ModelEndpoint['bytes']> }[];
  /** Pools by parameter name, each with the request count of the endpoint it came from. */
  params: Map<string, { weight: number; values: string[] }[]>;
  /** Requests of the inputs' endpoints marked static (all of theirs: the flag is all a model keeps). */
  staticCount: number;
  query: QueryAcc;
}

/** The merged endpoints, and the keys that went into a `/:other` bucket → the bucket's key. */
function mergeEndpoints(models: readonly TrafficModel[], maxEndpoints: number, totalRequests: number): { endpoints: ModelEndpoint[]; renamed: Map<string, string> } {
  const byKey = new Map<string, EndpointAcc>();
  for (const m of models) {
    for (const e of m.endpoints) {
      let acc = byKey.get(e.key);
      if (acc === undefined) byKey.set(e.key, (acc = { key: e.key, method: e.method, template: e.template, count: 0, status: {}, latency: [], bytes: [], params: new Map(), staticCount: 0, query: new QueryAcc() }));
      absorb(acc, e);
    }
  }
  // The cap, as the builder applies it: real routes by count, then one `/:other` bucket per method.
  const rows = [...byKey.values()].filter((a) => a.template !== OTHER_TEMPLATE).sort((a, b) => b.count - a.count || compare(a.key, b.key));
  const existingBuckets = [...byKey.values()].filter((a) => a.template === OTHER_TEMPLATE);
  let keep = Math.min(rows.length, maxEndpoints);
  for (;;) {
    const bucketMethods = new Set([...rows.slice(keep).map((r) => r.method), ...existingBuckets.map((b) => b.method)]);
    if (keep + bucketMethods.size <= maxEndpoints || keep === 0) break;
    keep--;
  }
  const renamed = new Map<string, string>();
  const buckets = new Map<string, EndpointAcc>();
  const bucketFor = (method: string): EndpointAcc => {
    const key = `${method} ${OTHER_TEMPLATE}`;
    let b = buckets.get(key);
    if (b === undefined) buckets.set(key, (b = { key, method, template: OTHER_TEMPLATE, count: 0, status: {}, latency: [], bytes: [], params: new Map(), staticCount: 0, query: new QueryAcc() }));
    return b;
  };
  for (const b of existingBuckets) {
    const into = bucketFor(b.method);
    mergeAcc(into, b);
  }
  for (const r of rows.slice(keep)) {
    const into = bucketFor(r.method);
    // The bucket keeps example paths (`:other`), not the folded endpoints' parameter pools.
    const example = concretePath(r);
    mergeAcc(into, { ...r, params: new Map(example === null ? [] : [[':other', [{ weight: r.count, values: [example] }]]]) });
    renamed.set(r.key, into.key);
  }
  const endpoints = [...rows.slice(0, keep), ...buckets.values()].map((a) => finishEndpoint(a, totalRequests));
  endpoints.sort((a, b) => b.count - a.count || compare(a.key, b.key));
  return { endpoints, renamed };
}

function absorb(acc: EndpointAcc, e: ModelEndpoint): void {
  acc.count += e.count;
  for (const cls of STATUS_ORDER) {
    const n = e.statusClasses[cls];
    if (n !== undefined) acc.status[cls] = (acc.status[cls] ?? 0) + n;
  }
  if (e.latencyMs !== undefined) acc.latency.push({ weight: e.count, value: e.latencyMs });
  if (e.bytes !== undefined) acc.bytes.push({ weight: e.count, value: e.bytes });
  for (const [name, values] of Object.entries(e.params ?? {})) {
    let pools = acc.params.get(name);
    if (pools === undefined) acc.params.set(name, (pools = []));
    pools.push({ weight: e.count, values });
  }
  if (e.static === true) acc.staticCount += e.count;
  acc.query.absorb(e);
}

function mergeAcc(into: EndpointAcc, from: EndpointAcc): void {
  into.count += from.count;
  for (const cls of STATUS_ORDER) {
    const n = from.status[cls];
    if (n !== undefined) into.status[cls] = (into.status[cls] ?? 0) + n;
  }
  into.latency.push(...from.latency);
  into.bytes.push(...from.bytes);
  into.staticCount += from.staticCount;
  into.query.merge(from.query);
  for (const [name, pools] of from.params) {
    let mine = into.params.get(name);
    if (mine === undefined) into.params.set(name, (mine = []));
    mine.push(...pools);
  }
}

function finishEndpoint(a: EndpointAcc, totalRequests: number): ModelEndpoint {
  const statusClasses: Partial<Record<StatusClass, number>> = {};
  for (const cls of STATUS_ORDER) if (a.status[cls] !== undefined) statusClasses[cls] = a.status[cls];
  const out: ModelEndpoint = {
    key: a.key,
    method: a.method,
    template: a.template,
    count: a.count,
    share: totalRequests > 0 ? round(a.count / totalRequests, 6) : 0,
    statusClasses,
  };
  const latency = mixLatency(a.latency);
  if (latency !== undefined) out.latencyMs = latency;
  const bytes = mixBytes(a.bytes);
  if (bytes !== undefined) out.bytes = bytes;
  // Mostly static, as the builder decides it (endpoints.ts), from the inputs' flags weighted by count.
  if (a.count > 0 && a.staticCount * 2 > a.count) out.static = true;
  Object.assign(out, a.query.finish(a.count));
  if (a.params.size > 0) {
    const params: Record<string, string[]> = {};
    for (const [name, pools] of a.params) params[name] = interleave(pools, name === ':other' ? OTHER_POOL_SIZE : Math.max(...pools.map((p) => p.values.length)));
    out.params = params;
  }
  return out;
}

/** Values of several pools, the pool of most requests first, taking one of each in turn. */
function interleave(pools: { weight: number; values: string[] }[], cap: number): string[] {
  const ordered = [...pools].sort((a, b) => b.weight - a.weight);
  const out: string[] = [];
  const seen = new Set<string>();
  const longest = Math.max(0, ...ordered.map((p) => p.values.length));
  for (let i = 0; i < longest && out.length < cap; i++) {
    for (const p of ordered) {
      const v = p.values[i];
      if (v === undefined || seen.has(v) || out.length >= cap) continue;
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** One real-looking path of an endpoint (each parameter its first pooled value), or null. */
function concretePath(a: EndpointAcc): string | null {
  let ok = true;
  const path = a.template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (match) => {
    const value = a.params.get(match)?.find((p) => p.values.length > 0)?.values[0];
    if (value === undefined) {
      ok = false;
      return match;
    }
    return encodeURIComponent(value);
  });
  return ok ? path : null;
}

function mixLatency(parts: { weight: number; value: NonNullable<ModelEndpoint['latencyMs']> }[]): ModelEndpoint['latencyMs'] {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return { ...(parts[0] as (typeof parts)[0]).value };
  const cdfs = parts.map(({ weight, value: { p50, p90, p99 } }) => ({
    weight,
    values: [0, p50, p90, p99, p99 + (p99 - p90) / 9],
    probs: [0, 0.5, 0.9, 0.99, 1],
  }));
  return { p50: round(mixQuantile(cdfs, 0.5), 1), p90: round(mixQuantile(cdfs, 0.9), 1), p99: round(mixQuantile(cdfs, 0.99), 1) };
}

function mixBytes(parts: { weight: number; value: NonNullable<ModelEndpoint['bytes']> }[]): ModelEndpoint['bytes'] {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return { ...(parts[0] as (typeof parts)[0]).value };
  const cdfs = parts.map(({ weight, value: { p50, p99 } }) => ({ weight, values: [0, p50, p99, p99 + (p99 - p50) / 49], probs: [0, 0.5, 0.99, 1] }));
  const total = sum(parts.map((p) => p.weight));
  const mean = total > 0 ? sum(parts.map((p) => p.weight * p.value.mean)) / total : 0;
  return { mean: round(mean, 1), p50: round(mixQuantile(cdfs, 0.5), 0), p99: round(mixQuantile(cdfs, 0.99), 0) };
}

// ---------------------------------------------------------------------------------------------
// Arrivals.

interface SlotCounts {
  sessionsByHour: number[];
  requestsByHour: number[];
  sessionsByMinute: number[] | null;
  requestsByMinute: number[] | null;
  sessionsByWeekdayHour: number[] | null;
  requestsByWeekdayHour: number[] | null;
}

function mergeArrivals(models: readonly TrafficModel[], frame: ZoneFrame, spans: [number, number][], sessionCount: number): ModelArrivals {
  const live = models.filter((m) => m.totals.requests > 0);
  const counts = live.map((m) => slotCounts(m, frame));
  const addUp = (pick: (c: SlotCounts) => number[] | null, length: number): number[] | null => {
    const out = new Array<number>(length).fill(0);
    for (const c of counts) {
      const values = pick(c);
      if (values === null) return null;
      values.forEach((v, i) => (out[i] = (out[i] as number) + v));
    }
    return out;
  };
  const exp = exposure(spans, frame);
  const sessionsByHour = addUp((c) => c.sessionsByHour, 24) as number[];
  const requestsByHour = addUp((c) => c.requestsByHour, 24) as number[];
  const sessionsByMinute = addUp((c) => c.sessionsByMinute, MINUTES_PER_DAY);
  const requestsByMinute = addUp((c) => c.requestsByMinute, MINUTES_PER_DAY);
  const sessionsByWeek = addUp((c) => c.sessionsByWeekdayHour, WEEKDAY_HOURS);
  const requestsByWeek = addUp((c) => c.requestsByWeekdayHour, WEEKDAY_HOURS);
  const startMs = spans.length > 0 ? Math.min(...spans.map((s) => s[0])) : 0;
  const endMs = spans.length > 0 ? Math.max(...spans.map((s) => s[1])) : 0;
  const weekly = spans.length > 0 && hasWeekdays(startMs, endMs, exp) && sessionsByWeek !== null && requestsByWeek !== null;
  const peak = mergePeak(live.map((m) => m.arrivals.peak), frame);
  const concurrency = live.length > 0 && live.every((m) => m.arrivals.concurrency !== undefined) ? mergeConcurrency(live, peak, spans, sessionCount, frame) : undefined;
  return {
    hourly: hourlyShares(sessionsByHour),
    sessionsPerHour: averages(sessionsByHour, exp.hours, PER_HOUR_DECIMALS),
    requestsPerHour: averages(requestsByHour, exp.hours, PER_HOUR_DECIMALS),
    peak,
    timeZone: frame.name,
    ...(sessionsByMinute !== null && requestsByMinute !== null
      ? { sessionsPerMinuteOfDay: averages(sessionsByMinute, exp.minutes, PER_MINUTE_DECIMALS), requestsPerMinuteOfDay: averages(requestsByMinute, exp.minutes, PER_MINUTE_DECIMALS) }
      : {}),
    ...(weekly ? { sessionsPerWeekdayHour: weekdayAverages(sessionsByWeek, exp.weekdayHours), requestsPerWeekdayHour: weekdayAverages(requestsByWeek, exp.weekdayHours) } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

/** A model's counts per slot: its averages × its exposure, rounded to whole numbers. */
function slotCounts(m: TrafficModel, frame: ZoneFrame): SlotCounts {
  const a = m.arrivals;
  const firstMs = Date.parse(m.span.start);
  const lastMs = Date.parse(m.span.end);
  const exp: Exposure = exposure([[firstMs, lastMs]], frame);
  const back = (avg: readonly (number | null)[] | undefined, e: readonly number[]): number[] | null =>
    avg === undefined ? null : avg.map((v, i) => (v === null ? 0 : Math.round(v * (e[i] as number))));
  const sessionsByMinute = back(a.sessionsPerMinuteOfDay, exp.minutes);
  const requestsByMinute = back(a.requestsPerMinuteOfDay, exp.minutes);
  const fromMinutes = (byMinute: number[] | null): number[] | null => (byMinute !== null && lastMs - firstMs < DAY_MS ? weekdayHoursOfOneDay(byMinute, firstMs, frame) : null);
  return {
    sessionsByHour: back(a.sessionsPerHour, exp.hours) as number[],
    requestsByHour: back(a.requestsPerHour, exp.hours) as number[],
    sessionsByMinute,
    requestsByMinute,
    sessionsByWeekdayHour: back(a.sessionsPerWeekdayHour, exp.weekdayHours) ?? fromMinutes(sessionsByMinute),
    requestsByWeekdayHour: back(a.requestsPerWeekdayHour, exp.weekdayHours) ?? fromMinutes(requestsByMinute),
  };
}

/**
 * Weekday × hour counts of a span shorter than a day from its per-minute counts: each minute of
 * the day occurs on one date of such a span (twice on the same date when clocks go back).
 */
function weekdayHoursOfOneDay(byMinute: number[], firstMs: number, frame: ZoneFrame): number[] {
  const out = new Array<number>(WEEKDAY_HOURS).fill(0);
  const firstLocalMinute = Math.floor((firstMs + frame.offsetSpan(firstMs).offsetMs) / MINUTE_MS);
  byMinute.forEach((count, m) => {
    if (count === 0) return;
    const localMinute = firstLocalMinute + mod(m - firstLocalMinute, MINUTES_PER_DAY);
    const cell = weekdayOfLocalHour(Math.floor(localMinute / 60)) * 24 + Math.floor(m / 60);
    out[cell] = (out[cell] as number) + count;
  });
  return out;
}

function mergePeak(peaks: PeakWindow[], frame: ZoneFrame): PeakWindow {
  const byStart = new Map<string, PeakWindow>();
  for (const p of peaks) {
    if (p.sessions === 0 && p.requests === 0) continue;
    const key = new Date(Date.parse(p.start)).toISOString();
    const seen = byStart.get(key);
    if (seen === undefined) {
      byStart.set(key, { ...p, sessionsPerMinute: [...p.sessionsPerMinute] });
      continue;
    }
    seen.sessions += p.sessions;
    seen.requests += p.requests;
    seen.sessionsPerMinute = seen.sessionsPerMinute.map((v, i) => v + (p.sessionsPerMinute[i] ?? 0));
  }
  let best: PeakWindow | null = null;
  for (const key of [...byStart.keys()].sort(compare)) {
    const p = byStart.get(key) as PeakWindow;
    if (isBusier(p, best)) best = p;
  }
  if (best === null) {
    return { start: new Date(0).toISOString(), end: new Date(HOUR_MS).toISOString(), localStart: localIso(0, frame), hourOfDay: 0, sessions: 0, requests: 0, sessionsPerSec: 0, requestsPerSec: 0, sessionsPerMinute: new Array<number>(60).fill(0) };
  }
  const startMs = Date.parse(best.start);
  return {
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + HOUR_MS).toISOString(),
    localStart: localIso(startMs, frame),
    hourOfDay: best.hourOfDay,
    sessions: best.sessions,
    requests: best.requests,
    sessionsPerSec: round(best.sessions / 3600, 6),
    requestsPerSec: round(best.requests / 3600, 6),
    sessionsPerMinute: best.sessionsPerMinute,
  };
}

function mergeConcurrency(models: readonly TrafficModel[], peak: PeakWindow, spans: [number, number][], sessionCount: number, frame: ZoneFrame): ModelConcurrency {
  const list = models.map((m) => ({ m, c: m.arrivals.concurrency as ModelConcurrency }));
  // Session-seconds in flight of each model: its mean × its span.
  const sessionSec = sum(list.map(({ m, c }) => (c.mean * (Date.parse(m.span.end) - Date.parse(m.span.start))) / 1000));
  let observedSec = 0;
  for (const [a, b] of joinSpans(spans)) observedSec += (b - a) / 1000;
  const byMinute = new Map<number, number>();
  for (const { c } of list) {
    if (!(c.peak > 0)) continue;
    const at = Date.parse(c.peakAt);
    byMinute.set(at, (byMinute.get(at) ?? 0) + c.peak);
  }
  let peakAt = Number.NaN;
  let peakValue = 0;
  for (const at of [...byMinute.keys()].sort((x, y) => x - y)) {
    const v = byMinute.get(at) as number;
    if (v > peakValue) {
      peakValue = v;
      peakAt = at;
    }
  }
  const weightedDuration = sum(list.map(({ m, c }) => m.sessions.count * c.littlesLaw.meanDurationSec));
  const meanDurationSec = sessionCount > 0 ? weightedDuration / sessionCount : 0;
  const arrivalRatePerSec = peak.sessions / 3600;
  const peakStart = Date.parse(peak.start);
  const observed = sum(list.filter(({ m }) => m.arrivals.peak.sessions + m.arrivals.peak.requests > 0 && Date.parse(m.arrivals.peak.start) === peakStart).map(({ c }) => c.littlesLaw.observed));
  const peakAtMs = Number.isNaN(peakAt) ? (spans[0]?.[0] ?? 0) : peakAt;
  return concurrencyRecord({ mean: observedSec > 0 ? sessionSec / observedSec : 0, peak: peakValue, peakAtMs, arrivalRatePerSec, meanDurationSec, observed }, frame);
}

// ---------------------------------------------------------------------------------------------
// Provenance.

function mergeRejected(models: readonly TrafficModel[]): Record<string, { count: number; examples: string[] }> {
  const out = new Map<string, { count: number; examples: string[] }>();
  for (const m of models) {
    for (const [reason, r] of Object.entries(m.provenance.rejected)) {
      let o = out.get(reason);
      if (o === undefined) out.set(reason, (o = { count: 0, examples: [] }));
      o.count += r.count;
      for (const e of r.examples) if (o.examples.length < MAX_EXAMPLES) o.examples.push(e);
    }
  }
  return Object.fromEntries([...out.keys()].sort(compare).map((k) => [k, out.get(k) as { count: number; examples: string[] }]));
}

/** `parts` (union per part), `userRoutes` (sources union, routes max, matched summed), `excluded` (summed). */
function mergeProvenanceParts(models: readonly TrafficModel[]): Pick<ModelProvenance, 'parts' | 'userRoutes' | 'excluded'> {
  const out: Pick<ModelProvenance, 'parts' | 'userRoutes' | 'excluded'> = {};
  const union = (into: string[], values: readonly string[]): void => {
    for (const v of values) if (!into.includes(v)) into.push(v);
  };
  if (models.some((m) => m.provenance.parts !== undefined)) {
    const parts: Record<string, string[]> = {};
    for (const m of models) for (const [part, names] of Object.entries(m.provenance.parts ?? {})) union((parts[part] ??= []), names);
    out.parts = parts;
  }
  const routes = models.map((m) => m.provenance.userRoutes).filter((u) => u !== undefined);
  if (routes.length > 0) {
    const sources: string[] = [];
    for (const u of routes) union(sources, u.sources);
    out.userRoutes = { sources, routes: Math.max(...routes.map((u) => u.routes)), matched: sum(routes.map((u) => u.matched)) };
  }
  if (models.some((m) => m.provenance.excluded !== undefined)) {
    const statics = models.map((m) => m.provenance.excluded?.static).filter((n) => n !== undefined);
    out.excluded = statics.length > 0 ? { static: sum(statics) } : {};
  }
  return out;
}

/** Options all inputs agree on keep their value; the others become the list of the values seen. */
function mergeOptions(models: readonly TrafficModel[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names: string[] = [];
  for (const m of models) for (const name of Object.keys(m.provenance.options)) if (!names.includes(name)) names.push(name);
  for (const name of names) {
    const values: unknown[] = [];
    const seen = new Set<string>();
    for (const m of models) {
      const v = m.provenance.options[name];
      const text = JSON.stringify(v ?? null);
      if (!seen.has(text)) {
        seen.add(text);
        values.push(v ?? null);
      }
    }
    out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
