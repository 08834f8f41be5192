import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseFraction } from '../../src/commands/compare.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { Comparison, PerfBaseline } from '../../src/reports/compare.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import { testContext } from '../helpers/context.js';

/** 60 s at 20 req/s on two endpoints, latency 50–150 ms; the slowest 10% × tailFactor (p95 and p99 move, p50 not). */
function run(tailFactor = 1, startedAtWallMs = Date.UTC(2025, 0, 1)): RunResults {
  const recorder = new Recorder(0);
  for (let j = 0; j < 1200; j++) {
    const q = ((j * 7919) % 1000) / 1000;
    const intendedMs = j * 50;
    recorder.record({ endpointKey: j % 2 ? 'POST /api/checkout' : 'GET /api/products', stage: 'steady', intendedMs, sentMs: intendedMs, endMs: intendedMs + (50 + 100 * q) * (q >= 0.9 ? tailFactor : 1), status: 200, failure: null, bytes: 100 });
  }
  return buildResults({
    tidemarkVersion: 'test',
    recorder,
    thresholds: [],
    target: 'http://127.0.0.1:1',
    source: 'test',
    knobs: { mode: 'stages', scale: 1, speed: 1, window: 'peak', durationMs: 60_000, seed: 1, warmStart: false, maxInFlight: 1000, connections: null, description: 'test' },
    stages: [{ name: 'steady', startMs: 0, endMs: 60_000 }],
    startedAtWallMs,
    endedAtWallMs: startedAtWallMs + 60_000,
    durationMs: 60_000,
    targetSessionsPerSec: 2,
    meanSessionLength: 10,
    partial: false,
    partialReason: null,
    eventLoopDelayMs: { p50: 1, p99: 2, max: 3 },
  });
}

describe('tidemark compare', () => {
  let dir: string;
  const cli = async (...argv: string[]) => {
    const ctx = testContext({ cwd: dir });
    const code = await runCli(['compare', ...argv], ctx);
    return { code, out: ctx.out(), err: ctx.err() };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-compare-'));
    const write = (name: string, results: RunResults) => writeFileSync(join(dir, name), JSON.stringify(results));
    write('base.json', run());
    write('p95-30.json', run(1.3));
    write('p95-10.json', run(1.1));
    write('p95-05.json', run(1.05));
    write('p95-32.json', run(1.32));
    write('p95-60.json', run(1.6));
    mkdirSync(join(dir, 'nightly'));
    for (const [i, f] of [1, 1.05, 1.02].entries()) writeFileSync(join(dir, 'nightly', `run-${i}.json`), JSON.stringify(run(f, Date.UTC(2025, 0, 2, i))));
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1, "endpoints": [');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ schemaVersion: 1, endpoints: [{ key: 'GET /' }] }));
  });

  it('fails (exit 99) on a planted 30% p95 regression with --max-regression 20%', async () => {
    const r = await cli('base.json', 'p95-30.json', '--max-regression', '20%');
    expect(r.code).toBe(99);
    expect(r.out).toMatch(/overall\s+p50 .* noise/);
    expect(r.out).toMatch(/p95\s+145ms\s+188ms\s+▲ \+(29\.9|30\.\d)%\s+REGRESSION \(> 20%\)/);
    expect(r.out).toMatch(/verdict: FAIL/);
    expect(r.err).toBe('');
  });

  it('passes a 10% change and reports a 5% one as noise', async () => {
    const ten = await cli('base.json', 'p95-10.json', '--max-regression', '20%');
    expect(ten.code).toBe(0);
    expect(ten.out).toMatch(/p95\s+145ms\s+\S+\s+▲ \+(9\.9|10\.\d)%\s+noise/);
    expect(ten.out).toMatch(/verdict: PASS/);
    const five = await cli('base.json', 'p95-05.json', '--max-regression', '20%');
    expect(five.code).toBe(0);
    expect(five.out).toMatch(/p95\s+145ms\s+\S+\s+▲ \+(4\.9|5\.\d)%\s+noise/);
    // Without --max-regression it is a report: exit 0 even for 30%.
    expect((await cli('base.json', 'p95-30.json')).code).toBe(0);
  });

  it('judges the median of several runs', async () => {
    expect((await cli('base.json', 'base.json', 'p95-30.json', 'p95-32.json', '--max-regression', '20%')).code).toBe(99);
    const r = await cli('base.json', 'base.json', 'p95-05.json', 'p95-60.json', '--max-regression', '20%');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/the median of 3 runs \(base\.json, p95-05\.json, p95-60\.json\)/);
  });

  it('--json prints the comparison; a directory stands for its results files', async () => {
    const r = await cli('base.json', 'nightly', '--max-regression', '20%', '--json', '--noise', '0.1');
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as Comparison;
    expect(c.runs.map((x) => x.name)).toEqual([join('nightly', 'run-0.json'), join('nightly', 'run-1.json'), join('nightly', 'run-2.json')]);
    expect(c.options).toEqual({ noise: 0.1, maxRegression: 0.2, minRequests: 30 });
    const p95 = c.rows.find((x) => x.scope === 'overall' && x.metric === 'p95');
    expect(p95?.change).toBeCloseTo(0.02, 2);
    expect(p95?.judgement).toBe('noise');
    expect(c.ok).toBe(true);
  });

  it('--update-baseline writes the first baseline, then compares against it', async () => {
    const first = await cli('perf-baseline.json', 'nightly', '--update-baseline');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/no baseline at perf-baseline\.json yet: nothing to compare/);
    expect(first.out).toMatch(/baseline written to perf-baseline\.json \(from 3 runs/);
    const baseline = JSON.parse(readFileSync(join(dir, 'perf-baseline.json'), 'utf8')) as PerfBaseline;
    expect(baseline.baseline.from).toHaveLength(3);
    // The median run (×1.02) gave every endpoint.
    const median = run(1.02, Date.UTC(2025, 0, 2, 2));
    expect(baseline.endpoints.map((e) => e.histogram)).toEqual(median.endpoints.map((e) => e.histogram));

    const again = await cli('perf-baseline.json', 'nightly', '--max-regression', '20%');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/p95\s+(\S+)\s+\1\s+0\.0%\s+noise/);
    expect((await cli('perf-baseline.json', 'p95-30.json', '--max-regression', '20%')).code).toBe(99);

    const other = await cli('perf-baseline.json', 'p95-30.json', '--baseline-out', 'next/baseline.json', '--json');
    expect(other.code).toBe(0);
    expect(other.err).toMatch(/baseline written to next\/baseline\.json \(from 1 run: a copy of one run\)/);
    expect(existsSync(join(dir, 'next', 'baseline.json'))).toBe(true);
  });

  it('bad input exits 2 naming the file and every problem, without a stack trace', async () => {
    const missing = await cli('nope.json', 'base.json');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^tidemark: nope\.json: no such file\n {2}hint: write the first baseline from results with: tidemark compare nope\.json base\.json --update-baseline --baseline-out nope\.json/);
    const missingRun = await cli('base.json', 'nope.json');
    expect(missingRun.code).toBe(2);
    expect(missingRun.err).toMatch(/^tidemark: nope\.json: no such file\n {2}hint: give results files/);
    const broken = await cli('base.json', 'broken.json');
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/broken\.json: not JSON/);
    const model = await cli('base.json', 'model.json');
    expect(model.code).toBe(2);
    expect(model.err).toMatch(/model\.json: not a readable results file \(\d+ problems\)/);
    expect(model.err).toMatch(/ {2}- \$\.startedAt: expected an ISO 8601 time/);
    expect(model.err).toMatch(/hint: give a results\.json/);
    for (const r of [missing, broken, model]) expect(r.err).not.toMatch(/\n\s+at /);
    const usage = await cli('base.json', 'p95-10.json', '--max-regression', '20');
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--max-regression: 20 is not a fraction\n {2}hint: write 20% for a percentage/);
    expect((await cli('base.json')).code).toBe(2);
  });

  it('has help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: tidemark compare <baseline\.json> <results\.json\.\.\.>/);
    expect(r.out).toMatch(/--max-regression PCT/);
  });
});

describe('parseFraction', () => {
  it('reads percentages and fractions', () => {
    expect(parseFraction('20%', '--x')).toBe(0.2);
    expect(parseFraction('0.15', '--x')).toBe(0.15);
    expect(parseFraction('7.5%', '--x')).toBe(0.075);
    expect(() => parseFraction('lots', '--x')).toThrow(/"lots" is not a percentage/);
    expect(() => parseFraction('-5%', '--x')).toThrow(/not a percentage/);
  });
});
