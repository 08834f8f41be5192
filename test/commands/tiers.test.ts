import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PROFILE } from '../../src/commands/demo.js';
import { runSmoke } from '../../src/commands/smoke.js';
import { runStress } from '../../src/commands/stress.js';
import { startShopServer, type ShopServer } from '../../src/demo/shop-server.js';
import { testContext } from '../helpers/context.js';

let shop: ShopServer | undefined;
afterEach(async () => {
  await shop?.close();
  shop = undefined;
});

describe('smoke', () => {
  it('passes against the demo target at 1× and fails when the target is made slow', async () => {
    shop = await startShopServer({ port: 0 });
    const ok = await runSmoke({ input: DEMO_PROFILE, target: shop.url, durationMs: 4_000, noOut: true }, testContext());
    expect(ok.exitCode).toBe(0);
    expect(ok.results.totals.requests).toBeGreaterThan(0);
    await shop.close();
    // Every query 8× slower: p95 passes 500 ms.
    shop = await startShopServer({ port: 0, latencyScale: 8 });
    const slow = await runSmoke({ input: DEMO_PROFILE, target: shop.url, durationMs: 4_000, noOut: true }, testContext());
    expect(slow.exitCode).toBe(99);
    expect(slow.results.thresholds.find((t) => t.expression === 'p95 < 500ms')?.ok).toBe(false);
  }, 60_000);
});

describe('stress', () => {
  it("finds the demo's breaking point, the same step on a rerun with the same seed, and cools down", async () => {
    const find = async () => {
      shop = await startShopServer({ port: 0 });
      const { report } = await runStress({ input: DEMO_PROFILE, target: shop.url, steps: [1, 2, 16, 32], stepDurationMs: 4_000, seed: 7, cooldownMs: 200 }, testContext());
      await shop.close();
      shop = undefined;
      return report;
    };
    const first = await find();
    expect(first.held?.multiplier).toBe(2);
    expect(first.broke?.multiplier).toBe(16);
    expect(first.steps.map((s) => s.multiplier)).toEqual([1, 2, 16]); // stopped at the break
    expect(Object.keys(first.sustainedPerEndpoint).length).toBeGreaterThan(3);
    const again = await find();
    expect(again.broke?.multiplier).toBe(16);
  }, 120_000);

  it('--endpoint stresses one endpoint alone', async () => {
    shop = await startShopServer({ port: 0 });
    const ctx = testContext();
    const { report } = await runStress({ input: DEMO_PROFILE, target: shop.url, endpoint: 'GET /api/products', steps: [1, 64], stepDurationMs: 3_000, seed: 2, cooldownMs: 100 }, ctx);
    expect(report.endpoint).toBe('GET /api/products');
    expect(Object.keys(report.sustainedPerEndpoint)).toEqual(['GET /api/products']);
    expect(report.broke?.multiplier).toBe(64);
    const byPath = shop.stats().byStatus;
    expect(Object.keys(byPath).length).toBeGreaterThan(0);
  }, 60_000);
});
