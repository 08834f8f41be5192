import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/commands/run.js';
import { testContext } from '../helpers/context.js';
import { smallModel } from '../helpers/models.js';
import { startChildServer } from '../helpers/servers.js';

/*
 * Timing tests: they measure the generator itself, so they run after the rest of the suite,
 * one file at a time (npm test's second vitest pass), with the target in its own process.
 */
let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('rate (issue 5)', () => {
  it('holds a fixed 2,000 requests/s for 10 s within 1%, and measures a 50 ms server at 50 ± 2 ms', async () => {
    const target = await startChildServer(50);
    servers.push(target);
    const ctx = testContext();
    const model = smallModel();
    const { results } = await runLoad({ input: 'model', target: target.url, rate: 2000, durationMs: 10_000, noOut: true }, ctx, { profile: null, model, source: 'small model' });
    expect(results.knobs.mode).toBe('rate');
    expect(results.totals.requests).toBe(20_000);
    expect(Math.abs(results.rate.achievedPerSec - 2000) / 2000).toBeLessThan(0.01);
    expect(Math.abs(results.overall.latencyMs.p50 - 50)).toBeLessThanOrEqual(2);
    expect(results.totals.errors).toBe(0);
    console.log(`2000/s: achieved ${results.rate.achievedPerSec}/s, p50 ${results.overall.latencyMs.p50} ms, p99 ${results.overall.latencyMs.p99} ms, scheduler lag p99 ${results.schedulerLagMs.p99} ms`);
  }, 40_000);

});
