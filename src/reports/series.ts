import { encodeHistogram } from '../metrics/histogram.js';
import type { Recorder } from '../metrics/recorder.js';
import type { RunResults } from './results.js';

/**
 * One second of `results.series`. The first four fields are what results.json has always
 * carried; the optional ones are written by runs that know them (older files lack them, and
 * every report copes: the HTML charts only the lines it has data for).
 */
export interface SeriesSecond {
  second: number;
  requests: number;
  errors: number;
  p95Ms: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Requests per second the schedule asked for in this second (session rate × mean session length). */
  targetPerSec?: number;
  /** The second's latency histogram (coarse, encoded) and per-endpoint [requests, errors]: exact merges of windows. */
  histogram?: string;
  byEndpoint?: Record<string, [number, number]>;
}

/** The series as reports read it: whatever results.json holds, optional fields included. */
export function seriesOf(results: RunResults): SeriesSecond[] {
  return results.series as SeriesSecond[];
}

// Per-second buckets are 2-significant-digit histograms in µs; two decimals of ms is plenty.
const quantileMs = (recorder: Recorder, index: number, percentile: number): number => {
  const latency = recorder.seconds[index]?.latency;
  return latency && latency.totalCount ? Math.round(latency.getValueAtPercentile(percentile) / 10) / 100 : 0;
};

/**
 * The per-second series with p50/p99 and the target rate, for `buildResults` to store (a
 * superset of today's mapping: `second`, `requests`, `errors` and `p95Ms` are computed the
 * same way, so existing readers see the same values).
 *
 * `targetPerSecAt(second)` gives the requests per second the schedule asked for in that second,
 * e.g. `(s) => curve.rateAt(s * 1000 + 500) * model.sessions.length.mean`.
 */
export function seriesFromRecorder(recorder: Recorder, targetPerSecAt?: (second: number) => number): SeriesSecond[] {
  return recorder.seconds.map((bucket, index) => {
    const point: SeriesSecond = {
      second: bucket.second,
      requests: bucket.requests,
      errors: bucket.errors,
      p50Ms: quantileMs(recorder, index, 50),
      p95Ms: quantileMs(recorder, index, 95),
      p99Ms: quantileMs(recorder, index, 99),
    };
    if (targetPerSecAt) point.targetPerSec = Math.round(targetPerSecAt(bucket.second) * 1000) / 1000;
    point.histogram = encodeHistogram(bucket.latency);
    point.byEndpoint = Object.fromEntries(bucket.byEndpoint);
    return point;
  });
}

/** The stage whose span holds run time `ms` (the last stage after the end). */
export function stageAtMs(results: Pick<RunResults, 'stages'>, ms: number): string | null {
  for (const stage of results.stages) if (ms >= stage.startMs && ms < stage.endMs) return stage.name;
  return results.stages[results.stages.length - 1]?.name ?? null;
}

/**
 * `--out-series`: the per-second series as NDJSON, one object per second of the run with its
 * wall-clock time and stage, ready for a spreadsheet, jq or a time-series database.
 */
export function renderSeriesNdjson(results: RunResults): string {
  const startMs = Date.parse(results.startedAt);
  const lines = seriesOf(results).map((point) => {
    const line: Record<string, unknown> = {
      second: point.second,
      time: Number.isFinite(startMs) ? new Date(startMs + point.second * 1000).toISOString() : null,
      stage: stageAtMs(results, point.second * 1000),
      requests: point.requests,
      errors: point.errors,
      errorRate: point.requests > 0 ? Math.round((point.errors / point.requests) * 1e6) / 1e6 : 0,
    };
    if (point.p50Ms !== undefined) line.p50Ms = point.p50Ms;
    line.p95Ms = point.p95Ms;
    if (point.p99Ms !== undefined) line.p99Ms = point.p99Ms;
    if (point.targetPerSec !== undefined) line.targetPerSec = point.targetPerSec;
    return JSON.stringify(line);
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
