import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, recordMs } from '../../src/metrics/histogram.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { FailureKind } from '../../src/metrics/outcome.js';
import { computeFindings, renderFindings, type Finding } from '../../src/reports/findings.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import type { StageSpan } from '../../src/thresholds/evaluate.js';

interface Second {
  /** Requests in this second, spread evenly. */
  rate: number;
  stage: string;
  /** Latency by endpoint index (requests cycle through the endpoints). */
  latencyMs: (endpoint: number) => number;
  /** Outcome of request i of the second: a status, or a failure. */
  outcome?: (i: number) => { status: number; failure?: FailureKind };
}

const ENDPOINTS = ['GET /api/products', 'POST /api/cart', 'GET /api/search'];

function runOf(seconds: Second[], stages: StageSpan[]): RunResults {
  const recorder = new Recorder(0);
  seconds.forEach((s, second) => {
    for (let i = 0; i < s.rate; i++) {
      const intendedMs = second * 1000 + (i * 1000) / s.rate;
      const endpoint = i % ENDPOINTS.length;
      const o = s.outcome?.(i) ?? { status: 200 };
      recorder.record({
        endpointKey: ENDPOINTS[endpoint] as string,
        stage: s.stage,
        intendedMs,
        sentMs: intendedMs,
        endMs: intendedMs + s.latencyMs(endpoint),
        status: o.failure ? 0 : o.status,
        failure: o.failure ?? null,
        bytes: 10,
      });
    }
  });
  const durationMs = seconds.length * 1000;
  return buildResults({
    tidemarkVersion: 'test',
    recorder,
    thresholds: [],
    target: 'http://127.0.0.1:1',
    source: 'test',
    knobs: { mode: 'stages', scale: 1, speed: 1, window: 'peak', durationMs, seed: 1, warmStart: false, maxInFlight: 500, connections: null, description: 'test' },
    stages,
    startedAtWallMs: 0,
    endedAtWallMs: durationMs,
    durationMs,
    targetSessionsPerSec: 1,
    meanSessionLength: 1,
    partial: false,
    partialReason: null,
    eventLoopDelayMs: { p50: 1, p99: 3, max: 8 },
  });
}

const find = (findings: Finding[], kind: Finding['kind']): Finding => {
  const f = findings.find((x) => x.kind === kind);
  if (!f) throw new Error(`no ${kind} finding in ${JSON.stringify(findings.map((x) => x.kind))}`);
  return f;
};

/** ramp (0–20 s, 9 req/s), hold (20–40 s, 21 req/s), spike (40–50 s, 51 req/s). */
function staged(): RunResults {
  const stages = [
    { name: 'ramp', startMs: 0, endMs: 20_000 },
    { name: 'hold', startMs: 20_000, endMs: 40_000 },
    { name: 'spike', startMs: 40_000, endMs: 50_000 },
  ];
  const seconds: Second[] = [];
  for (let s = 0; s < 50; s++) {
    const stage = s < 20 ? 'ramp' : s < 40 ? 'hold' : 'spike';
    // products: 50 ms, then 400 ms in the spike; cart: 30 ms, 90 ms from the hold on; search: 40 ms always.
    const table: Record<string, number[]> = { ramp: [50, 30, 40], hold: [50, 90, 40], spike: [400, 100, 40] };
    seconds.push({ rate: stage === 'ramp' ? 9 : stage === 'hold' ? 21 : 51, stage, latencyMs: (e) => (table[stage] as number[])[e] as number });
  }
  return runOf(seconds, stages);
}

describe('computeFindings', () => {
  it('names the endpoint that degraded first, stage by stage, and by how much', () => {
    const f = find(computeFindings(staged()), 'degraded-first');
    expect(f.figures).toMatchObject({ endpoint: 'POST /api/cart', fromStage: 'ramp', toStage: 'hold', otherEndpointsDegraded: 1 });
    expect(f.figures.ratio).toBeCloseTo(3, 1);
    expect(f.text).toMatch(/^POST \/api\/cart degraded first: p95 30\.0ms in stage ramp → 90\.\dms in stage hold \(3\.0×\); 1 other endpoint degraded too/);
    expect(f.severity).toBe('warning');
  });

  it('finds the knee on a rising rate from the per-second series', () => {
    // 5 → 50 req/s over 60 s; latency 20 ms until the rate passes 30 req/s, then 200 ms.
    const seconds: Second[] = [];
    for (let s = 0; s < 60; s++) {
      const rate = 5 + Math.floor((s * 45) / 59);
      seconds.push({ rate, stage: 'ramp', latencyMs: () => (rate > 30 ? 200 : 20) });
    }
    const findings = computeFindings(runOf(seconds, [{ name: 'ramp', startMs: 0, endMs: 60_000 }]));
    const knee = find(findings, 'knee');
    expect(knee.figures).toMatchObject({ second: 35, stage: 'ramp', ratePerSec: 32 });
    expect(knee.figures.p95Ms).toBeCloseTo(200, -1);
    expect(knee.figures.baselineP95Ms).toBeCloseTo(20, 0);
    expect(knee.text).toMatch(/^Latency left its baseline at about 32\.0 req\/s at second 35 \(stage ramp\): p95 20\.\dms at \d+\.\d req\/s early on → 20\dms\.$/);
    expect(findings.some((f) => f.kind === 'degraded-first')).toBe(false); // one stage: nothing to compare stage by stage
  });

  it('says when latency rose without more load (not a knee)', () => {
    const seconds: Second[] = Array.from({ length: 60 }, (_, s) => ({ rate: 20, stage: 'steady', latencyMs: () => (s >= 40 ? 300 : 20) }));
    const f = find(computeFindings(runOf(seconds, [{ name: 'steady', startMs: 0, endMs: 60_000 }])), 'latency-rose');
    expect(f.figures).toMatchObject({ second: 40, ratePerSec: 20, baselineRatePerSec: 20 });
    expect(f.text).toMatch(/while the rate held at about 20\.0 req\/s/);
  });

  it('falls back to stages for the knee when there is no series, with the concurrency by Little\'s law', () => {
    const results = staged();
    results.series = [];
    const f = find(computeFindings(results), 'knee');
    // The overall p95 goes 50 ms (ramp) → 90 ms (hold, the cart's 90 ms is the slowest third).
    expect(f.figures).toMatchObject({ stage: 'hold', baselineStage: 'ramp', ratePerSec: 21, baselineRatePerSec: 9 });
    // 21 req/s × mean latency (50 + 90 + 40) / 3 ms = 1.26 in flight.
    expect(f.figures.concurrency as number).toBeCloseTo(1.26, 1);
    expect(f.text).toMatch(/^Latency left its baseline in stage hold at 21\.0 req\/s \(about 1\.3 requests in flight\): p95 50\.\dms in stage ramp at 9\.0 req\/s → 90\.\dms\.$/);
  });

  it('says when errors began and of what kind', () => {
    const seconds: Second[] = Array.from({ length: 40 }, (_, s) => ({
      rate: 30,
      stage: s < 20 ? 'steady' : 'peak',
      latencyMs: () => 20,
      // From second 20: request 1 of each second (cart) is a 503, request 4 (cart) times out in every other second.
      outcome: (i) => (s >= 20 && i === 1 ? { status: 503 } : s >= 20 && s % 2 === 0 && i === 4 ? { status: 0, failure: 'timeout' } : { status: i === 2 ? 404 : 200 }),
    }));
    const results = runOf(seconds, [
      { name: 'steady', startMs: 0, endMs: 20_000 },
      { name: 'peak', startMs: 20_000, endMs: 40_000 },
    ]);
    const f = find(computeFindings(results), 'errors-began');
    expect(f.figures).toMatchObject({ errors: 30, '5xx': 20, timeout: 10, firstErrorSecond: 20, stage: 'peak', endpoint: 'POST /api/cart', peakErrorSecond: 20 });
    expect(f.figures.peakErrorRate as number).toBeCloseTo(2 / 30, 6);
    expect(f.text).toBe('Errors began at second 20 (stage peak), peaking at 6.67% in second 20: 30 errors in all (2.50%): 5xx 20, timeout 10; most on POST /api/cart (30, 7.50% of its requests).');
    // 4xx are real traffic, not errors.
    expect(f.text).not.toMatch(/4xx/);
  });

  it('says whether the generator was the bottleneck, and when it kept up', () => {
    const ok = staged();
    const fine = find(computeFindings(ok), 'generator-ok');
    expect(fine.severity).toBe('info');
    expect(fine.figures).toMatchObject({ eventLoopDelayP99Ms: 3, droppedSessions: 0 });
    // A lag histogram of 1,000 requests, `late` of them 15 ms late and the rest 0.5 ms.
    const lagged = (late: number): string => {
      const h = createHistogram();
      for (let i = 0; i < 1000; i++) recordMs(h, i < late ? 15 : 0.5);
      return encodeHistogram(h);
    };
    const slow: RunResults = { ...ok, schedulerLagMs: { ...ok.schedulerLagMs, p99: 15 }, schedulerLagHistogram: lagged(20), eventLoopDelayMs: { p50: 10, p99: 80, max: 120 }, totals: { ...ok.totals, dropped: 3 } };
    const f = find(computeFindings(slow), 'generator-bottleneck');
    expect(f.figures).toEqual({ schedulerLagP99Ms: 15, eventLoopDelayP99Ms: 80, droppedSessions: 3 });
    expect(f.text).toMatch(/scheduler lag p99 15\.0ms \(over 10 ms: 20 requests\), event-loop delay p99 80\.0ms \(over 50 ms\), 3 sessions dropped at the in-flight cap \(500\)/);
    // A small run whose p99 is two cold first requests: not the generator falling behind.
    const coldStart: RunResults = { ...ok, schedulerLagMs: { ...ok.schedulerLagMs, p99: 15 }, schedulerLagHistogram: lagged(2) };
    expect(computeFindings(coldStart).map((x) => x.kind)).toContain('generator-ok');
    // Without the histogram (results merged from summaries only) the p99 alone decides.
    const { schedulerLagHistogram: _dropped, ...noHistogram } = { ...ok, schedulerLagMs: { ...ok.schedulerLagMs, p99: 15 } };
    expect(find(computeFindings(noHistogram as RunResults), 'generator-bottleneck').text).toMatch(/scheduler lag p99 15\.0ms \(over 10 ms\)/);
    const onlyDrops: RunResults = { ...ok, totals: { ...ok.totals, dropped: 1 } };
    expect(find(computeFindings(onlyDrops), 'generator-bottleneck').text).toMatch(/: 1 session dropped/);
  });

  it('a calm run gives only the generator finding', () => {
    const seconds: Second[] = Array.from({ length: 30 }, () => ({ rate: 10, stage: 'steady', latencyMs: (e) => 20 + e }));
    const findings = computeFindings(runOf(seconds, [{ name: 'steady', startMs: 0, endMs: 30_000 }]));
    expect(findings.map((f) => f.kind)).toEqual(['generator-ok']);
  });
});

describe('renderFindings', () => {
  it('prints one line per finding, warnings marked', () => {
    const text = renderFindings(computeFindings(staged()));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('findings');
    expect(lines[1]).toMatch(/^ {2}! POST \/api\/cart degraded first/);
    expect(lines[lines.length - 1]).toMatch(/^ {2}· The generator kept up/);
    expect(renderFindings([])).toBe('');
  });
});
