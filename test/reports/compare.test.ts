import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/metrics/recorder.js';
import { buildBaseline, compareResults, median, renderComparison, type CompareOptions, type MetricComparison } from '../../src/reports/compare.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';

/**
 * One run: 60 s, 20 req/s over two endpoints, latency spread evenly over 50–150 ms (a fixed
 * permutation, so every run has the same shape). The slowest 10% are multiplied by
 * `tailFactor`: p95 and p99 change by that factor, p50 not at all.
 */
function run(options: { tailFactor?: number; factor?: number; errorEvery?: number; extraEndpoint?: string; dropEndpoint?: string; ratePerSec?: number } = {}): RunResults {
  const tail = options.tailFactor ?? 1;
  const rate = options.ratePerSec ?? 20;
  const recorder = new Recorder(0);
  const keys = ['GET /api/products', 'POST /api/checkout', ...(options.extraEndpoint ? [options.extraEndpoint] : [])].filter((k) => k !== options.dropEndpoint);
  const n = 60 * rate;
  for (let j = 0; j < n; j++) {
    const q = ((j * 7919) % 1000) / 1000;
    const latencyMs = (50 + 100 * q) * (q >= 0.9 ? tail : 1) * (options.factor ?? 1);
    const intendedMs = (j / rate) * 1000;
    const error = options.errorEvery !== undefined && j % options.errorEvery === options.errorEvery - 1;
    recorder.record({ endpointKey: keys[j % keys.length] as string, stage: 'steady', intendedMs, sentMs: intendedMs, endMs: intendedMs + latencyMs, status: error ? 503 : 200, failure: null, bytes: 100 });
  }
  return buildResults({
    tidemarkVersion: 'test',
    recorder,
    thresholds: [],
    target: 'http://127.0.0.1:1',
    source: 'test',
    knobs: { mode: 'stages', scale: 1, speed: 1, window: 'peak', durationMs: 60_000, seed: 1, warmStart: false, maxInFlight: 1000, connections: null, description: 'test' },
    stages: [{ name: 'steady', startMs: 0, endMs: 60_000 }],
    startedAtWallMs: Date.UTC(2025, 0, 1),
    endedAtWallMs: Date.UTC(2025, 0, 1) + 60_000,
    durationMs: 60_000,
    targetSessionsPerSec: 2,
    meanSessionLength: 10,
    partial: false,
    partialReason: null,
    eventLoopDelayMs: { p50: 1, p99: 2, max: 3 },
  });
}

const gate: CompareOptions = { noise: 0.15, maxRegression: 0.2, minRequests: 50 };
const named = (results: RunResults, name: string) => ({ name, results });
const row = (rows: MetricComparison[], scope: string, metric: string): MetricComparison => {
  const found = rows.find((r) => r.scope === scope && r.metric === metric);
  if (!found) throw new Error(`no row ${scope} ${metric}`);
  return found;
};

describe('compareResults', () => {
  const baseline = named(run(), 'baseline.json');

  it('flags a planted 30% p95 regression and fails the gate', () => {
    const c = compareResults(baseline, [named(run({ tailFactor: 1.3 }), 'r.json')], gate);
    const p95 = row(c.rows, 'overall', 'p95');
    expect(p95.change).toBeCloseTo(0.3, 2);
    expect(p95).toMatchObject({ judgement: 'regression', failed: true });
    expect(row(c.rows, 'GET /api/products', 'p95')).toMatchObject({ judgement: 'regression', failed: true });
    // p50 did not move: noise, not a regression.
    expect(row(c.rows, 'overall', 'p50')).toMatchObject({ change: 0, judgement: 'noise', failed: false });
    expect(c.ok).toBe(false);
  });

  it('passes a 10% change with --max-regression 20% (inside the noise band) and reports 5% as noise', () => {
    for (const factor of [1.1, 1.05]) {
      const c = compareResults(baseline, [named(run({ tailFactor: factor }), 'r.json')], gate);
      const p95 = row(c.rows, 'overall', 'p95');
      expect(p95.change).toBeCloseTo(factor - 1, 2);
      expect(p95.judgement).toBe('noise');
      expect(c.ok).toBe(true);
    }
  });

  it('a change beyond the noise band but within the limit is a regression that passes', () => {
    const c = compareResults(baseline, [named(run({ tailFactor: 1.18 }), 'r.json')], gate);
    expect(row(c.rows, 'overall', 'p95')).toMatchObject({ judgement: 'regression', failed: false });
    expect(c.ok).toBe(true);
    expect(renderComparison(c)).toMatch(/verdict: PASS \(\d+ regressions within the limit\)/);
  });

  it('improvements are reported as such and never fail', () => {
    const c = compareResults(baseline, [named(run({ factor: 0.7 }), 'r.json')], gate);
    expect(row(c.rows, 'overall', 'p99')).toMatchObject({ judgement: 'improvement', failed: false });
    expect(row(c.rows, 'overall', 'p50').change).toBeCloseTo(-0.3, 2);
    expect(c.ok).toBe(true);
  });

  it('judges the median of several runs, metric by metric', () => {
    const bad = compareResults(baseline, [named(run(), 'a'), named(run({ tailFactor: 1.3 }), 'b'), named(run({ tailFactor: 1.32 }), 'c')], gate);
    const p95 = row(bad.rows, 'overall', 'p95');
    expect(p95.runs).toHaveLength(3);
    expect(p95.median).toBe(p95.runs[1]);
    expect(p95.change).toBeCloseTo(0.3, 2);
    expect(bad.ok).toBe(false);
    // One outlier among three neither fails the gate nor moves the median far.
    const good = compareResults(baseline, [named(run(), 'a'), named(run({ tailFactor: 1.05 }), 'b'), named(run({ tailFactor: 1.6 }), 'c')], gate);
    expect(row(good.rows, 'overall', 'p95').change).toBeCloseTo(0.05, 2);
    expect(good.ok).toBe(true);
  });

  it('error rate: relative to at least 1%, so 0% → 0.08% is noise while 0% → 1% fails', () => {
    const small = compareResults(baseline, [named(run({ errorEvery: 1000 }), 'r')], gate);
    expect(row(small.rows, 'overall', 'error_rate')).toMatchObject({ judgement: 'noise' });
    expect(row(small.rows, 'overall', 'error_rate').median).toBeCloseTo(1 / 1200, 6);
    const big = compareResults(baseline, [named(run({ errorEvery: 100 }), 'r')], gate);
    expect(row(big.rows, 'overall', 'error_rate')).toMatchObject({ judgement: 'regression', failed: true });
    expect(row(big.rows, 'overall', 'error_rate').change).toBeCloseTo(1, 2);
  });

  it('throughput: lower is worse', () => {
    const c = compareResults(baseline, [named(run({ ratePerSec: 10 }), 'r')], gate);
    const t = row(c.rows, 'overall', 'throughput');
    expect(t.baseline).toBeCloseTo(20, 6);
    expect(t.median).toBeCloseTo(10, 6);
    expect(t).toMatchObject({ judgement: 'regression', failed: true });
    const faster = compareResults(baseline, [named(run({ ratePerSec: 30 }), 'r')], gate);
    expect(row(faster.rows, 'overall', 'throughput').judgement).toBe('improvement');
  });

  it('lists endpoints present in only one side, and does not judge scopes with few requests', () => {
    const c = compareResults(named(run({ extraEndpoint: 'GET /old' }), 'base'), [named(run({ dropEndpoint: 'GET /api/products', extraEndpoint: 'GET /new' }), 'r')], gate);
    expect(c.onlyInBaseline).toEqual(['GET /api/products', 'GET /old']);
    expect(c.onlyInResults).toEqual([{ key: 'GET /new', runs: 1 }]);
    const strict = compareResults(baseline, [named(run({ tailFactor: 2 }), 'r')], { ...gate, minRequests: 10_000 });
    expect(strict.rows.every((r) => r.judgement === 'few samples' && !r.failed)).toBe(true);
    expect(strict.ok).toBe(true);
    expect(renderComparison(strict)).toMatch(/verdict: PASS \(nothing judged: every endpoint has fewer than 10000 requests; run longer or lower --min-requests\)/);
  });

  it('notes different knobs and a max-regression inside the noise band', () => {
    const other = run();
    other.knobs = { ...other.knobs, scale: 3 };
    const c = compareResults(baseline, [named(other, 'r.json')], { ...gate, maxRegression: 0.1 });
    expect(c.notes.join('\n')).toMatch(/r\.json was played with other knobs than the baseline \(scale 3 vs 1\)/);
    expect(c.notes.join('\n')).toMatch(/inside the noise band/);
  });

  it('renders a table with ▲/▼, noise and the verdict', () => {
    const text = renderComparison(compareResults(baseline, [named(run({ tailFactor: 1.3 }), 'r1.json'), named(run({ tailFactor: 1.3 }), 'r2.json')], gate));
    expect(text).toMatch(/the median of 2 runs \(r1\.json, r2\.json\) against baseline baseline\.json/);
    expect(text).toMatch(/overall\s+p50\s+\S+\s+\S+\s+0\.0%\s+noise/);
    expect(text).toMatch(/p95\s+145ms\s+188ms\s+▲ \+(29\.9|30\.\d)%\s+REGRESSION \(> 20%\)/);
    expect(text).toMatch(/verdict: FAIL: 6 regressions beyond 20%: overall p95 ▲ \+(29\.9|30\.\d)%/);
    const better = renderComparison(compareResults(baseline, [named(run({ factor: 0.7 }), 'r.json')], gate));
    expect(better).toMatch(/▼ −30\.\d%\s+improvement/);
  });
});

describe('median', () => {
  it('takes the middle, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe('buildBaseline', () => {
  it('takes each endpoint whole from the run with its median p95', () => {
    const runs = [named(run({ tailFactor: 1.4 }), 'slow'), named(run(), 'fast'), named(run({ tailFactor: 1.1 }), 'middle')];
    const baseline = buildBaseline(runs, '2025-01-02T00:00:00.000Z');
    expect(baseline.baseline.from).toEqual(['slow', 'fast', 'middle']);
    expect(baseline.baseline.createdAt).toBe('2025-01-02T00:00:00.000Z');
    const middle = runs[2]?.results as RunResults;
    for (const e of baseline.endpoints) expect(e).toEqual(middle.endpoints.find((m) => m.key === e.key));
    expect(baseline.overall).toEqual(middle.overall);
    expect(baseline.cells).toEqual(middle.cells);
    // Comparing the runs with the baseline built from them: the median is the baseline itself.
    const c = compareResults(named(baseline, 'perf-baseline.json'), runs, gate);
    expect(row(c.rows, 'overall', 'p95').change).toBe(0);
    expect(c.ok).toBe(true);
  });
});
