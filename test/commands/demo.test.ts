import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/commands/demo.js';
import { testContext } from '../helpers/context.js';

describe('tidemark demo (end to end, short)', () => {
  it('passes at 3× and writes a results file with every promised field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-demo-'));
    const ctx = testContext({ cwd: dir });
    const outcome = await runDemo({ scale: 3, durationMs: 6_000, out: 'results.json' }, ctx);
    expect(outcome.exitCode).toBe(0);
    expect(ctx.out()).toMatch(/verdict: PASS/);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.verdict).toBe('pass');
    expect(results.thresholds.map((t: { expression: string }) => t.expression)).toEqual(['p95 < 500ms', 'error_rate < 1%']);
    for (const t of results.thresholds) {
      expect(t.ok).toBe(true);
      expect(typeof t.actual).toBe('number');
    }
    expect(results.totals.requests).toBeGreaterThan(10);
    expect(results.totals.errors).toBe(0);
    expect(results.totals.dropped).toBe(0);
    expect(results.rate.targetPerSec).toBeGreaterThan(4);
    expect(results.rate.achievedPerSec).toBeGreaterThan(0);
    expect(results.endpoints.length).toBeGreaterThan(3);
    for (const e of results.endpoints) {
      expect(e.key).toMatch(/^[A-Z]+ \//);
      expect(e.count).toBeGreaterThan(0);
      expect(e.errors).toBe(0);
      for (const q of ['p50', 'p90', 'p95', 'p99', 'max']) expect(e.latencyMs[q]).toBeGreaterThan(0);
      expect(e.latencyMs.p50).toBeLessThanOrEqual(e.latencyMs.p99);
    }
    const sum = results.endpoints.reduce((s: number, e: { count: number }) => s + e.count, 0);
    expect(sum).toBe(results.totals.requests);
    expect(results.knobs).toMatchObject({ scale: 3, speed: 1, window: 'peak', durationMs: 6_000 });
  });

  it('fails at 20× with exit 99: the database pool saturates', async () => {
    const ctx = testContext();
    const outcome = await runDemo({ scale: 20, durationMs: 6_000, noOut: true }, ctx);
    expect(outcome.exitCode).toBe(99);
    expect(outcome.results.verdict).toBe('fail');
    const errorRate = outcome.results.thresholds.find((t) => t.expression === 'error_rate < 1%');
    expect(errorRate?.ok).toBe(false);
    expect(outcome.results.totals.statusClasses['5xx']).toBeGreaterThan(0);
    expect(ctx.out()).toMatch(/verdict: FAIL/);
  });
});
