import * as hdr from 'hdr-histogram-js';
import { InputError } from '../core/errors.js';
import { createHistogram, decodeHistogram, encodeHistogram, type Histogram } from '../metrics/histogram.js';
import { Recorder, type Cell, type SecondBucket } from '../metrics/recorder.js';
import type { EndpointResult, RunResults } from './results.js';

/*
 * Reading a results.json back into the live data structures, so that a finished run can be
 * merged with others and judged again (`tidemark merge`), and compared (`tidemark compare`).
 *
 * What results.json carries today is exact for every cell (stage × endpoint: counters and the
 * encoded latency histogram), but not for three things, which the optional fields below add
 * when a writer provides them (results.ts can fill all three with `seriesDetail`,
 * `encodeHistogram(cell.serviceLatency)` and `encodeHistogram(recorder.schedulerLag)`):
 *
 *   series[].histogram        the second's coarse latency histogram, encoded: windowed latency
 *                             thresholds (`p95 < 500ms in every 10s window`) become exact;
 *   series[].byEndpoint       endpoint key → [requests, errors] in that second: windowed rate
 *                             thresholds with a `for ENDPOINT` scope become exact;
 *   endpoints[]/cells[].serviceHistogram, schedulerLagHistogram
 *                             latency from the actual send and scheduler lag, merged exactly.
 *
 * Without them, rehydration falls back (and says so in `RehydratedRun.exact`): a second's latency
 * is its p95 recorded `requests` times, per-endpoint seconds are empty, service latency and lag
 * are left empty for the caller to combine from the summaries.
 */

/** Optional per-second detail (see above). */
export interface SeriesDetail {
  histogram?: string;
  byEndpoint?: Record<string, [number, number]>;
}

export type SeriesPoint = RunResults['series'][number] & SeriesDetail;

/** Optional exact service-latency histogram of a cell or endpoint. */
export type DetailedEndpointResult = EndpointResult & { serviceHistogram?: string };

/** RunResults with the optional fields that make a merge exact. */
export type DetailedRunResults = Omit<RunResults, 'series' | 'endpoints' | 'cells'> & {
  series: SeriesPoint[];
  endpoints: DetailedEndpointResult[];
  cells: DetailedEndpointResult[];
  schedulerLagHistogram?: string;
};

/** The per-second detail results.ts can write for one bucket (the fields merge uses when present). */
export function seriesDetail(bucket: SecondBucket): Required<SeriesDetail> {
  const byEndpoint: Record<string, [number, number]> = {};
  for (const [key, [requests, errors]] of bucket.byEndpoint) byEndpoint[key] = [requests, errors];
  return { histogram: encodeHistogram(bucket.latency), byEndpoint };
}

export interface RehydratedRun {
  recorder: Recorder;
  /** Which parts were rebuilt exactly; false parts used the fallbacks described above. */
  exact: {
    secondLatency: boolean;
    secondEndpoints: boolean;
    serviceLatency: boolean;
    schedulerLag: boolean;
  };
}

/** Wraps a histogram decode so a corrupt file names the field instead of crashing. */
export function decodeField(encoded: string, name: string, field: string): Histogram {
  try {
    return decodeHistogram(encoded);
  } catch (cause) {
    throw new InputError(`${field}: not an encoded HDR histogram (${(cause as Error).message})`, {
      location: name,
      hint: 'the results file is damaged or was edited; use the results.json a tidemark run wrote',
      cause,
    });
  }
}

/**
 * A per-second histogram as encoded (2 significant digits), without re-homing it into a
 * full-precision one as decodeHistogram does: a one-hour run has 3,600 of them per input.
 */
function decodeCoarse(encoded: string, name: string, field: string): Histogram {
  try {
    return hdr.decodeFromCompressedBase64(encoded, 32, false);
  } catch (cause) {
    throw new InputError(`${field}: not an encoded HDR histogram (${(cause as Error).message})`, { location: name, hint: 'the results file is damaged or was edited; use the results.json a tidemark run wrote', cause });
  }
}

/**
 * Rebuilds a Recorder from a results file. `offsetSec` shifts the per-second series (the merged
 * run's second 0 may be earlier than this run's start). `name` labels errors.
 */
export function rehydrate(results: DetailedRunResults, options: { offsetSec?: number; name?: string } = {}): RehydratedRun {
  const name = options.name ?? 'results';
  const offsetSec = options.offsetSec ?? 0;
  const recorder = new Recorder(0);
  let serviceLatency = true;
  results.cells.forEach((cell, index) => {
    const stage = cell.stage ?? '';
    const latency = decodeField(cell.histogram, name, `cells[${index}].histogram`);
    let service: Histogram;
    if (cell.serviceHistogram !== undefined) service = decodeField(cell.serviceHistogram, name, `cells[${index}].serviceHistogram`);
    else {
      service = createHistogram();
      serviceLatency = false;
    }
    const rebuilt: Cell = {
      endpointKey: cell.key,
      stage,
      count: cell.count,
      errors: cell.errors,
      bytes: cell.bytes,
      statusClasses: { ...cell.statusClasses },
      failures: { ...cell.failures },
      latency,
      serviceLatency: service,
    };
    // The same key Recorder.record uses, so Recorder.merge finds the cell.
    const id = `${stage}\u0000${cell.key}`;
    const existing = recorder.cells.get(id);
    if (existing) {
      // Only a hand-made file repeats a stage × endpoint; add, never overwrite.
      existing.count += rebuilt.count;
      existing.errors += rebuilt.errors;
      existing.bytes += rebuilt.bytes;
      for (const [k, v] of Object.entries(rebuilt.statusClasses)) existing.statusClasses[k] = (existing.statusClasses[k] ?? 0) + v;
      for (const [k, v] of Object.entries(rebuilt.failures)) existing.failures[k] = (existing.failures[k] ?? 0) + v;
      existing.latency.add(rebuilt.latency);
      existing.serviceLatency.add(rebuilt.serviceLatency);
    } else recorder.cells.set(id, rebuilt);
  });

  let secondLatency = true;
  let secondEndpoints = true;
  results.series.forEach((point, index) => {
    const bucket = recorder.second(point.second + offsetSec);
    bucket.requests += point.requests;
    bucket.errors += point.errors;
    if (point.histogram !== undefined) {
      bucket.latency.add(decodeCoarse(point.histogram, name, `series[${index}].histogram`));
    } else {
      secondLatency = false;
      // Fallback: the second's p95 stands for all its requests (approximate).
      if (point.requests > 0 && point.p95Ms > 0) {
        bucket.latency.recordValueWithCount(Math.max(1, Math.round(point.p95Ms * 1000)), point.requests);
      }
    }
    if (point.byEndpoint !== undefined) {
      for (const [key, [requests, errors]] of Object.entries(point.byEndpoint)) {
        const mine = bucket.byEndpoint.get(key);
        if (mine) {
          mine[0] += requests;
          mine[1] += errors;
        } else bucket.byEndpoint.set(key, [requests, errors]);
      }
    } else if (point.requests > 0) secondEndpoints = false;
  });

  let schedulerLag = true;
  if (results.schedulerLagHistogram !== undefined) recorder.schedulerLag.add(decodeField(results.schedulerLagHistogram, name, 'schedulerLagHistogram'));
  else schedulerLag = false;

  recorder.droppedSessions = results.totals.dropped;
  recorder.sessionsStarted = results.totals.sessionsStarted;
  recorder.sessionsCompleted = results.totals.sessionsCompleted;
  recorder.cutOff = results.totals.cutOff;
  return { recorder, exact: { secondLatency, secondEndpoints, serviceLatency, schedulerLag } };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks that a parsed JSON value is a results file tidemark can read back, listing every
 * problem at once. Only the fields compare and merge rely on are checked.
 */
export function parseRunResults(json: unknown, name: string): DetailedRunResults {
  const problems: string[] = [];
  const need = (ok: boolean, path: string, what: string): void => {
    if (!ok) problems.push(`${path}: ${what}`);
  };
  if (!isObject(json)) {
    throw new InputError('not a results file: expected a JSON object', { location: name, hint: 'give a results.json written by `tidemark run` (or a perf-baseline.json)' });
  }
  need(json.schemaVersion === 1, '$.schemaVersion', `expected 1, found ${JSON.stringify(json.schemaVersion)}`);
  for (const field of ['startedAt', 'endedAt'] as const) {
    need(typeof json[field] === 'string' && Number.isFinite(Date.parse(json[field] as string)), `$.${field}`, 'expected an ISO 8601 time');
  }
  need(isObject(json.knobs) && isNumber(json.knobs.durationMs) && json.knobs.durationMs >= 0, '$.knobs.durationMs', 'expected a number of ms');
  need(isObject(json.totals) && ['requests', 'errors', 'dropped', 'cutOff', 'sessionsStarted', 'sessionsCompleted'].every((k) => isNumber((json.totals as Record<string, unknown>)[k])), '$.totals', 'expected requests, errors, dropped, cutOff, sessionsStarted, sessionsCompleted as numbers');
  need(isObject(json.overall) && typeof json.overall.histogram === 'string', '$.overall.histogram', 'expected an encoded histogram');
  need(isObject(json.rate), '$.rate', 'expected an object');
  need(isObject(json.schedulerLagMs), '$.schedulerLagMs', 'expected an object');
  need(isObject(json.eventLoopDelayMs), '$.eventLoopDelayMs', 'expected an object');
  const checkEntries = (field: 'endpoints' | 'cells'): void => {
    const list = json[field];
    if (!Array.isArray(list)) {
      problems.push(`$.${field}: expected an array`);
      return;
    }
    list.forEach((entry: unknown, i) => {
      const path = `$.${field}[${i}]`;
      if (!isObject(entry)) {
        problems.push(`${path}: expected an object`);
        return;
      }
      need(typeof entry.key === 'string', `${path}.key`, 'expected an endpoint key');
      need(isNumber(entry.count) && isNumber(entry.errors) && isNumber(entry.bytes), path, 'expected count, errors and bytes as numbers');
      need(typeof entry.histogram === 'string', `${path}.histogram`, 'expected an encoded histogram');
      need(isObject(entry.statusClasses) && isObject(entry.failures), path, 'expected statusClasses and failures objects');
      need(isObject(entry.latencyMs) && isObject(entry.serviceLatencyMs), path, 'expected latencyMs and serviceLatencyMs summaries');
      if (field === 'cells') need(typeof entry.stage === 'string', `${path}.stage`, 'expected a stage name');
    });
  };
  checkEntries('endpoints');
  checkEntries('cells');
  if (!Array.isArray(json.series)) problems.push('$.series: expected an array');
  else {
    json.series.forEach((point: unknown, i) => {
      const ok = isObject(point) && Number.isInteger(point.second) && (point.second as number) >= 0 && isNumber(point.requests) && isNumber(point.errors) && isNumber(point.p95Ms);
      need(ok, `$.series[${i}]`, 'expected { second, requests, errors, p95Ms }');
    });
  }
  if (!Array.isArray(json.stages)) problems.push('$.stages: expected an array');
  else json.stages.forEach((s: unknown, i) => need(isObject(s) && typeof s.name === 'string' && isNumber(s.startMs) && isNumber(s.endMs), `$.stages[${i}]`, 'expected { name, startMs, endMs }'));
  if (!Array.isArray(json.thresholds)) problems.push('$.thresholds: expected an array');
  else json.thresholds.forEach((t: unknown, i) => need(isObject(t) && typeof t.expression === 'string' && typeof t.ok === 'boolean', `$.thresholds[${i}]`, 'expected { expression, ok, ... }'));
  if (problems.length > 0) {
    throw new InputError(`not a readable results file (${problems.length} problem${problems.length === 1 ? '' : 's'})`, {
      location: name,
      problems,
      hint: 'give a results.json written by `tidemark run` (or a perf-baseline.json written by `tidemark compare --update-baseline`)',
    });
  }
  return json as unknown as DetailedRunResults;
}
