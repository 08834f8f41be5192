import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createHistogram, decodeHistogram, encodeHistogram, type Histogram } from '../../src/metrics/histogram.js';
import { Recorder, type SecondBucket } from '../../src/metrics/recorder.js';
import type { RequestOutcome } from '../../src/metrics/outcome.js';
import { combineSummaries, mergeResults, type MergeInput } from '../../src/reports/merge.js';
import { parseRunResults, rehydrate, seriesDetail, type DetailedRunResults } from '../../src/reports/rehydrate.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import { evaluateThresholds, type StageSpan } from '../../src/thresholds/evaluate.js';
import { parseThreshold } from '../../src/thresholds/parse.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/**
 * A results file as runs wrote them before the per-second detail, service and lag histograms
 * (the optional fields): the fallbacks of merge and rehydrate are tested on these, and
 * `withDetail` puts the fields back where a test wants the exact path.
 */
const legacyResults = (input: Parameters<typeof buildResults>[0]): RunResults => legacy(buildResults(input));

function legacy(results: RunResults): RunResults {
  const copy = structuredClone(results) as RunResults & { schedulerLagHistogram?: string };
  delete copy.schedulerLagHistogram;
  for (const e of [...copy.endpoints, ...copy.cells]) delete (e as { serviceHistogram?: string }).serviceHistogram;
  for (const s of copy.series as { histogram?: string; byEndpoint?: unknown }[]) {
    delete s.histogram;
    delete s.byEndpoint;
  }
  return copy;
}

function resultsOf(recorder: Recorder, o: { startedAtWallMs?: number; durationMs: number; stages: StageSpan[]; thresholds: string[]; partial?: string }): RunResults {
  const evaluated = evaluateThresholds(
    o.thresholds.map((t) => parseThreshold(t)),
    { recorder, elapsedMs: o.durationMs, stages: o.stages },
  );
  const start = o.startedAtWallMs ?? T0;
  return legacyResults({
    tidemarkVersion: 'test',
    recorder,
    thresholds: evaluated,
    target: 'http://127.0.0.1:1',
    source: 'test',
    knobs: { mode: 'stages', scale: 1, speed: 1, window: 'peak', durationMs: o.durationMs, seed: 7, warmStart: false, maxInFlight: 1000, connections: null, description: 'test' },
    stages: o.stages,
    startedAtWallMs: start,
    endedAtWallMs: start + o.durationMs,
    durationMs: o.durationMs,
    targetSessionsPerSec: 1,
    meanSessionLength: 5,
    partial: o.partial !== undefined,
    partialReason: o.partial ?? null,
    eventLoopDelayMs: { p50: 1, p99: 4, max: 9 },
  });
}

/** The optional fields results.ts would add (rehydrate.ts): per-second detail, service and lag histograms. */
function withDetail(results: RunResults, recorder: Recorder): DetailedRunResults {
  const byKey = new Map<string, Histogram>();
  for (const cell of recorder.cells.values()) {
    const h = byKey.get(cell.endpointKey) ?? createHistogram();
    h.add(cell.serviceLatency);
    byKey.set(cell.endpointKey, h);
  }
  return {
    ...results,
    series: results.series.map((p) => ({ ...p, ...seriesDetail(recorder.seconds[p.second] as SecondBucket) })),
    cells: results.cells.map((c) => ({ ...c, serviceHistogram: encodeHistogram((recorder.cells.get(`${c.stage}\u0000${c.key}`) as { serviceLatency: Histogram }).serviceLatency) })),
    endpoints: results.endpoints.map((e) => ({ ...e, serviceHistogram: encodeHistogram(byKey.get(e.key) as Histogram) })),
    schedulerLagHistogram: encodeHistogram(recorder.schedulerLag),
  };
}

/** 24 s in two stages, three endpoints, 25 req/s, with 5xx, 4xx, timeouts and scheduler lag; outcome k goes to part k % parts. */
const STAGES: StageSpan[] = [
  { name: 'warm', startMs: 0, endMs: 12_000 },
  { name: 'hot', startMs: 12_000, endMs: 24_000 },
];
const THRESHOLDS = ['p95 < 500ms', 'p99 < 300ms in stage hot', 'error_rate < 5% in every 10s window', 'rps > 20', 'count > 100 for "GET /api/products"', 'success_rate > 90% for "POST /*"'];

function outcomes(): RequestOutcome[] {
  const keys = ['GET /api/products', 'GET /api/products/:id', 'POST /api/cart'];
  const list: RequestOutcome[] = [];
  for (let k = 0; k < 600; k++) {
    const intendedMs = k * 40;
    const hot = intendedMs >= 12_000;
    const q = ((k * 7919) % 1000) / 1000;
    const latencyMs = (hot ? 80 : 20) + q * q * (hot ? 600 : 100);
    const lag = k % 7;
    const timeout = hot && k % 53 === 0;
    list.push({
      endpointKey: keys[k % 3] as string,
      stage: hot ? 'hot' : 'warm',
      intendedMs,
      sentMs: intendedMs + lag,
      endMs: intendedMs + latencyMs,
      status: timeout ? 0 : hot && k % 17 === 0 ? 503 : k % 29 === 0 ? 404 : 200,
      failure: timeout ? 'timeout' : null,
      bytes: 100 + (k % 13),
    });
  }
  return list;
}

function recorders(parts: number): { whole: Recorder; pieces: Recorder[] } {
  const whole = new Recorder(0);
  const pieces = Array.from({ length: parts }, () => new Recorder(0));
  outcomes().forEach((outcome, k) => {
    whole.record(outcome);
    (pieces[k % parts] as Recorder).record(outcome);
  });
  pieces.forEach((piece, i) => {
    piece.sessionsStarted = 50 + i;
    piece.sessionsCompleted = 45 + i;
    piece.droppedSessions = i;
    piece.cutOff = i % 2;
    whole.sessionsStarted += piece.sessionsStarted;
    whole.sessionsCompleted += piece.sessionsCompleted;
    whole.droppedSessions += piece.droppedSessions;
    whole.cutOff += piece.cutOff;
  });
  return { whole, pieces };
}

const strip = (e: RunResults['endpoints'][number]) => ({ key: e.key, stage: e.stage, count: e.count, errors: e.errors, bytes: e.bytes, statusClasses: e.statusClasses, failures: e.failures, latencyMs: e.latencyMs });

/** An encoded histogram → what it holds (encodings of equal histograms may differ in their header). */
function contents(encoded: string): string {
  const h = decodeHistogram(encoded);
  return [h.totalCount, ...[1, 50, 90, 95, 99, 100].map((p) => h.getValueAtPercentile(p)), h.mean].join(':');
}

/** Every encoded histogram in a value replaced by its contents, for deep comparisons. */
function decoded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decoded);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' && /histogram$/i.test(k) ? contents(v) : decoded(v)]));
  }
  return value;
}

/** Counts equal, percentiles within HDR precision (3 significant digits: 0.1%). */
function expectClose(actual: Record<string, number>, expected: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) {
    if (k === 'count') expect(actual[k]).toBe(v);
    else expect(Math.abs((actual[k] as number) - v)).toBeLessThanOrEqual(Math.max(0.01, v * 0.001));
  }
}

describe('mergeResults', () => {
  // Segments started together give start times a few ms apart: they share second 0.
  const jitterMs = [0, 12, -30, 41];

  it('four segments merge into exactly what one recorder of every outcome gives', () => {
    const { whole, pieces } = recorders(4);
    const single = resultsOf(whole, { durationMs: 24_000, stages: STAGES, thresholds: THRESHOLDS });
    const inputs: MergeInput[] = pieces.map((piece, i) => ({ name: `seg-${i}.json`, results: resultsOf(piece, { startedAtWallMs: T0 + (jitterMs[i] as number), durationMs: 24_000, stages: STAGES, thresholds: THRESHOLDS }) }));
    const merged = mergeResults(inputs, { tidemarkVersion: 'test' });

    expect(merged.totals).toEqual(single.totals);
    expect(merged.totals.requests).toBe(600);
    expect(merged.endpoints.map(strip)).toEqual(single.endpoints.map(strip));
    expect(merged.cells.map(strip)).toEqual(single.cells.map(strip));
    expect(merged.overall.latencyMs).toEqual(single.overall.latencyMs);
    const a = decodeHistogram(merged.overall.histogram);
    const b = decodeHistogram(single.overall.histogram);
    expect(a.totalCount).toBe(b.totalCount);
    for (const p of [50, 90, 99, 99.9]) expect(a.getValueAtPercentile(p)).toBe(b.getValueAtPercentile(p));
    expect(merged.series.map((s) => [s.second, s.requests, s.errors])).toEqual(single.series.map((s) => [s.second, s.requests, s.errors]));
    expect(merged.rate.achievedPerSec).toBe(single.rate.achievedPerSec);
    expect(merged.rate.targetSessionsPerSec).toBe(4); // four segments, each asked for 1/s
    expect(merged.stages).toEqual(STAGES);
    expect(merged.startedAt).toBe(new Date(T0 - 30).toISOString());
    expect(merged.merged.offsetsSec).toEqual([0, 0, 0, 0]);
    expect(merged.merged.from).toEqual(['seg-0.json', 'seg-1.json', 'seg-2.json', 'seg-3.json']);

    // Re-judged on the merged data: the same verdicts and values as one process would give.
    expect(merged.thresholds).toEqual(single.thresholds);
    expect(merged.verdict).toBe(single.verdict);
    expect(merged.thresholds.find((t) => t.expression === 'p99 < 300ms in stage hot')?.ok).toBe(false);

    // Without the optional detail, service latency and lag are combined summaries, and said so.
    expect(merged.overall.serviceLatencyMs.count).toBe(single.overall.serviceLatencyMs.count);
    expect(merged.overall.serviceLatencyMs.max).toBe(single.overall.serviceLatencyMs.max);
    expect(merged.schedulerLagMs.count).toBe(600);
    expect(merged.merged.notes.join('\n')).toMatch(/serviceLatencyMs\) is approximate/);
    expect(merged.eventLoopDelayMs).toEqual({ p50: 1, p99: 4, max: 9 });
  });

  it('with per-second detail every field is exact, windowed latency too, and the merged file stays mergeable', () => {
    const { whole, pieces } = recorders(4);
    const thresholds = [...THRESHOLDS, 'p95 < 400ms in every 10s window', 'error_rate < 3% for "POST /api/cart" in every 10s window'];
    const single = withDetail(resultsOf(whole, { durationMs: 24_000, stages: STAGES, thresholds }), whole);
    const inputs = pieces.map((piece, i) => ({ name: `seg-${i}.json`, results: withDetail(resultsOf(piece, { startedAtWallMs: T0 + (jitterMs[i] as number), durationMs: 24_000, stages: STAGES, thresholds }), piece) }));
    const merged = mergeResults(inputs, { tidemarkVersion: 'test' });
    expect(merged.thresholds).toEqual(single.thresholds);
    expect(merged.thresholds.find((t) => t.expression.startsWith('p95 < 400ms in every'))).toMatchObject({ ok: false });
    expect(decoded(merged.series)).toEqual(decoded(single.series));
    expect(decoded(merged.endpoints)).toEqual(decoded(single.endpoints));
    expect(decoded(merged.cells)).toEqual(decoded(single.cells));
    expect(decoded(merged.overall)).toEqual(decoded(single.overall));
    expect(merged.schedulerLagMs).toEqual(single.schedulerLagMs);
    expect(contents(merged.schedulerLagHistogram as string)).toBe(contents(single.schedulerLagHistogram as string));
    expect(merged.merged.notes).toEqual([]);

    // Merging merged halves again gives the same file.
    const half = (from: number) => mergeResults(inputs.slice(from, from + 2), { tidemarkVersion: 'test' });
    const again = mergeResults([{ name: 'a', results: half(0) }, { name: 'b', results: half(2) }], { tidemarkVersion: 'test' });
    expect(again.totals).toEqual(single.totals);
    expect(decoded(again.series)).toEqual(decoded(single.series));
    expect(decoded(again.endpoints)).toEqual(decoded(single.endpoints));
    expect(again.thresholds).toEqual(single.thresholds);
  });

  describe('a burst split across two inputs that follow each other in time', () => {
    // Input A plays 0–30 s, input B 30–60 s (B started 30 s later); 10 req/s on GET /a and GET /b.
    // One request in ten (all on GET /a) fails in seconds 25–34 of the whole run: five seconds in each input.
    const windowed = ['error_rate < 8% in every 10s window', 'error_rate < 15% for "GET /a" in every 10s window'];
    function half(firstSecond: number): Recorder {
      const recorder = new Recorder(0);
      for (let s = 0; s < 30; s++) {
        const global = firstSecond + s;
        for (let i = 0; i < 10; i++) {
          const intendedMs = s * 1000 + i * 100;
          const burst = global >= 25 && global < 35 && i === 0;
          recorder.record({ endpointKey: i % 2 === 0 ? 'GET /a' : 'GET /b', stage: 'steady', intendedMs, sentMs: intendedMs, endMs: intendedMs + 50, status: burst ? 503 : 200, failure: null, bytes: 1 });
        }
      }
      return recorder;
    }
    const stages = [{ name: 'steady', startMs: 0, endMs: 30_000 }];
    const a = half(0);
    const b = half(30);
    const plain = [
      { name: 'a.json', results: resultsOf(a, { durationMs: 30_000, stages, thresholds: windowed }) },
      { name: 'b.json', results: resultsOf(b, { startedAtWallMs: T0 + 30_000, durationMs: 30_000, stages, thresholds: windowed }) },
    ];

    it('each input passes on its own, the merged run fails', () => {
      for (const input of plain) expect(input.results.thresholds[0]).toMatchObject({ ok: true, actual: 0.05 });
      const merged = mergeResults(plain, { tidemarkVersion: 'test' });
      expect(merged.merged.offsetsSec).toEqual([0, 30]);
      expect(merged.stages).toEqual([{ name: 'steady', startMs: 0, endMs: 60_000 }]);
      expect(merged.knobs.durationMs).toBe(60_000);
      expect(merged.series).toHaveLength(60);
      expect(merged.thresholds[0]).toMatchObject({ ok: false, actual: 0.1, worstWindowStartSec: 25, actualText: '10.00% (worst window at 25s)' });
      expect(merged.verdict).toBe('fail');
    });

    it('a per-endpoint window needs per-second endpoint counts: without them the inputs\' verdicts are kept, and said so', () => {
      const merged = mergeResults(plain, { tidemarkVersion: 'test' });
      expect(merged.thresholds[1]).toMatchObject({ ok: true, actual: 0.1 });
      expect(merged.thresholds[1]?.actualText).toMatch(/not re-evaluated/);
      expect(merged.merged.notes.join('\n')).toMatch(/lack per-second per-endpoint counts/);
      const detailed = plain.map((input, i) => ({ ...input, results: withDetail(input.results, i === 0 ? a : b) }));
      const exact = mergeResults(detailed, { tidemarkVersion: 'test' });
      // GET /a gets every burst error: 10 of 50 requests in the window at 25 s.
      expect(exact.thresholds[1]).toMatchObject({ ok: false, actual: 0.2, worstWindowStartSec: 25 });
    });
  });

  it('carries partial runs, notes an input given twice, and a single input round-trips', () => {
    const { pieces } = recorders(2);
    const one = resultsOf(pieces[0] as Recorder, { durationMs: 24_000, stages: STAGES, thresholds: THRESHOLDS, partial: 'interrupted by SIGINT' });
    const two = resultsOf(pieces[1] as Recorder, { durationMs: 24_000, stages: STAGES, thresholds: THRESHOLDS });
    const merged = mergeResults([{ name: 'one', results: one }, { name: 'two', results: two }, { name: 'one-again', results: one }], { tidemarkVersion: 'test' });
    expect(merged.partial).toBe(true);
    expect(merged.partialReason).toBe('one: interrupted by SIGINT; one-again: interrupted by SIGINT');
    expect(merged.merged.notes.join('\n')).toMatch(/one-again looks identical to one/);
    const alone = mergeResults([{ name: 'two', results: two }], { tidemarkVersion: 'test' });
    expect(alone.totals).toEqual(two.totals);
    expect(alone.endpoints.map(strip)).toEqual(two.endpoints.map(strip));
    expect(alone.thresholds).toEqual(two.thresholds);
    expect(() => mergeResults([], { tidemarkVersion: 'test' })).toThrow(InputError);
  });
});

describe('rehydrate', () => {
  it('rebuilds cells, seconds and counters; flags what the file lacks', () => {
    const { whole } = recorders(1);
    const results = resultsOf(whole, { durationMs: 24_000, stages: STAGES, thresholds: [] });
    const plain = rehydrate(results);
    expect(plain.exact).toEqual({ secondLatency: false, secondEndpoints: false, serviceLatency: false, schedulerLag: false });
    expect(plain.recorder.cells.size).toBe(whole.cells.size);
    expect(plain.recorder.seconds.map((s) => s.requests)).toEqual(whole.seconds.map((s) => s.requests));
    expect(plain.recorder.sessionsStarted).toBe(whole.sessionsStarted);
    const shifted = rehydrate(results, { offsetSec: 5 });
    expect(shifted.recorder.seconds[5]?.requests).toBe(whole.seconds[0]?.requests);
    const exact = rehydrate(withDetail(results, whole));
    expect(exact.exact).toEqual({ secondLatency: true, secondEndpoints: true, serviceLatency: true, schedulerLag: true });
    const rebuilt = buildResults({ ...inputOf(results), recorder: exact.recorder });
    // The rebuilt run writes the detail fields; compare on what the legacy file had.
    expect(legacy(rebuilt).series).toEqual(results.series);
    expect(contents(rebuilt.overall.histogram)).toBe(contents(results.overall.histogram));
    // A decoded histogram knows its max to the bucket only: within HDR precision.
    expectClose({ ...rebuilt.overall.latencyMs }, { ...results.overall.latencyMs });
    expectClose({ ...rebuilt.overall.serviceLatencyMs }, { ...results.overall.serviceLatencyMs });
    expectClose({ ...rebuilt.schedulerLagMs }, { ...results.schedulerLagMs });
  });

  it('parseRunResults lists every problem; a damaged histogram names its field', () => {
    let error: unknown;
    try {
      parseRunResults({ schemaVersion: 2, startedAt: 'yesterday', endpoints: [{ key: 1 }], series: 'x' }, 'bad.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems.length).toBeGreaterThanOrEqual(6);
    expect(problems).toContain('$.schemaVersion: expected 1, found 2');
    expect(problems).toContain('$.startedAt: expected an ISO 8601 time');
    expect(problems).toContain('$.series: expected an array');
    expect((error as InputError).message).toMatch(/^bad\.json: not a readable results file/);
    const { whole } = recorders(1);
    const results = resultsOf(whole, { durationMs: 24_000, stages: STAGES, thresholds: [] });
    const damaged = { ...results, cells: results.cells.map((c, i) => (i === 1 ? { ...c, histogram: 'HISTnotreally' } : c)) };
    expect(() => rehydrate(parseRunResults(JSON.parse(JSON.stringify(damaged)), 'd.json'), { name: 'd.json' })).toThrow(/d\.json: cells\[1\]\.histogram: not an encoded HDR histogram/);
  });

  it('combineSummaries: exact counts, weighted mean, worst percentiles', () => {
    const s = combineSummaries([
      { count: 1, min: 2, mean: 10, p50: 10, p90: 10, p95: 10, p99: 10, max: 10 },
      { count: 3, min: 1, mean: 20, p50: 20, p90: 30, p95: 40, p99: 50, max: 60 },
      { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 },
    ]);
    expect(s).toEqual({ count: 4, min: 1, mean: 17.5, p50: 20, p90: 30, p95: 40, p99: 50, max: 60 });
  });
});

/** The ResultsInput that reproduces `results` from a recorder (for round trips). */
function inputOf(results: RunResults) {
  return {
    tidemarkVersion: results.tidemarkVersion,
    thresholds: results.thresholds,
    target: results.target,
    source: results.source,
    knobs: results.knobs,
    stages: results.stages,
    startedAtWallMs: Date.parse(results.startedAt),
    endedAtWallMs: Date.parse(results.endedAt),
    durationMs: results.knobs.durationMs,
    targetSessionsPerSec: results.rate.targetSessionsPerSec,
    meanSessionLength: results.rate.targetPerSec / results.rate.targetSessionsPerSec,
    partial: results.partial,
    partialReason: results.partialReason,
    eventLoopDelayMs: results.eventLoopDelayMs,
  };
}
