import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/commands/run.js';
import { runSmoke } from '../../src/commands/smoke.js';
import { startShopServer, type ShopServer } from '../../src/demo/shop-server.js';
import { testContext } from '../helpers/context.js';

const profile = (name: string): string => fileURLToPath(new URL(`../../profiles/${name}.json`, import.meta.url));
let shop: ShopServer | undefined;
afterEach(async () => {
  await shop?.close();
  shop = undefined;
});

describe('shipped profiles run against the demo target', () => {
  it('flash-sale with --time-scale 0.05 runs in under a minute, its stage-scoped thresholds judged per stage', async () => {
    shop = await startShopServer({ port: 0 });
    const env = { SHOP_USER: 'rehearsal', SHOP_PASSWORD: 'from-the-environment' };
    const started = performance.now();
    const { results } = await runLoad({ input: profile('flash-sale'), target: shop.url, timeScale: 0.05, noOut: true }, testContext({ env }));
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(results.knobs.mode).toBe('users');
    expect(results.stages.map((s) => s.name)).toEqual(['ramp-up', 'steady', 'spike', 'recover', 'ramp-down']);
    expect(results.stages[2]!.endMs - results.stages[2]!.startMs).toBeCloseTo(3_000, -1);
    // Each stage-scoped threshold was judged on its own stage's requests.
    const steadyCells = results.cells.filter((c) => c.stage === 'steady');
    const spikeCells = results.cells.filter((c) => c.stage === 'spike');
    expect(steadyCells.length).toBeGreaterThan(0);
    expect(spikeCells.length).toBeGreaterThan(0);
    const steady = results.thresholds.find((t) => t.expression === 'p95 < 500ms in stage steady')!;
    const spike = results.thresholds.find((t) => t.expression === 'p99 < 2s in stage spike')!;
    expect(steady.actual).not.toBeNull();
    expect(spike.actual).not.toBeNull();
    expect(steady.actual).not.toBe(spike.actual);
    // The scripted flow: every user logs in, browses the sale, adds to the cart, checks out with it.
    const keys = results.endpoints.map((e) => e.key).sort();
    expect(keys).toEqual(['GET /api/products', 'GET /api/products/:param', 'POST /api/cart/items', 'POST /api/checkout', 'POST /api/login'].sort());
    expect(shop.stats().checkouts.unknownCart).toBe(0);
    expect(shop.stats().checkouts.noCart).toBe(0);
    console.log(`flash-sale ×0.05: ${results.totals.requests} requests; ${results.thresholds.map((t) => `${t.ok ? '✓' : '✗'} ${t.expression} (${t.actualText})`).join('; ')}`);
  }, 90_000);

  it('smoke, stress and peak-3x load and run as shipped', async () => {
    shop = await startShopServer({ port: 0 });
    const smoke = await runSmoke({ input: profile('smoke'), target: shop.url, durationMs: 3_000, noOut: true }, testContext());
    expect(smoke.exitCode).toBe(0);
    for (const name of ['stress', 'peak-3x']) {
      const { results } = await runLoad({ input: profile(name), target: shop.url, durationMs: 3_000, noOut: true }, testContext());
      expect(results.totals.requests).toBeGreaterThan(0);
      expect(results.totals.errors).toBe(0);
    }
  }, 90_000);
});
