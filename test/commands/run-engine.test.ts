import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importModel } from '../../src/commands/import.js';
import { parseProfile } from '../../src/commands/profile.js';
import { runReplay } from '../../src/commands/replay.js';
import { runLoad } from '../../src/commands/run.js';
import { systemClock } from '../../src/core/clock.js';
import { createRng } from '../../src/core/rng.js';
import { startShopServer } from '../../src/demo/shop-server.js';
import { HttpClient } from '../../src/engine/http-client.js';
import { runSchedule } from '../../src/engine/runner.js';
import { poissonArrivals } from '../../src/schedule/arrivals.js';
import { planModelWindow } from '../../src/schedule/model-window.js';
import { RateCurve } from '../../src/schedule/rate-curve.js';
import { UserCurve } from '../../src/schedule/user-curve.js';
import { SessionSynthesizer } from '../../src/synth/synthesizer.js';
import { testContext } from '../helpers/context.js';
import { smallModel } from '../helpers/models.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

const SAMPLE = new URL('../../samples/shop/access.log.gz', import.meta.url).pathname;
let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(handler);
  servers.push(s);
  return s;
}

describe('replay engine (issue 5)', () => {
  it('with a capped pool, latency from the intended time shows the wait that the actual-send latency hides', async () => {
    // 1 connection, 20 ms per request, 100 requests/s: the queue grows; actual-send latency stays ~20 ms.
    const target = await server(delayed(20));
    const http = new HttpClient({ target: target.url, connections: 1, pipelining: 1, connectTimeoutMs: 2000, timeoutMs: 10_000, insecure: false });
    const curve = new RateCurve([{ startMs: 0, endMs: 2_000, fromPerSec: 100, toPerSec: 100, stage: 'main' }]);
    const run = await runSchedule(
      { curve, arrivals: 'uniform', sessions: (id) => ({ id, requests: [{ endpointKey: 'GET /x', method: 'GET', path: '/x', thinkTimeMs: 0 }] }), seed: 1, thinkTimeFactor: 1, warmStartLookbackMs: 0, maxInFlight: 10_000, drainTimeoutMs: 10_000, buildRequest: (p) => ({ method: p.method, path: p.path }) },
      http,
      systemClock,
      new AbortController().signal,
    );
    await http.close();
    const cell = [...run.recorder.cells.values()][0]!;
    const intendedP99 = cell.latency.getValueAtPercentile(99) / 1000;
    const actualP99 = cell.serviceLatency.getValueAtPercentile(99) / 1000;
    // The queue for the one connection grows by ~80 requests a second: from the intended time
    // the latency climbs past half a second, while each request, once written, takes ~20 ms.
    expect(intendedP99).toBeGreaterThan(500);
    expect(actualP99).toBeLessThan(intendedP99 / 5);
  }, 30_000);

  it('--scale 3 makes 3× the session arrivals of --scale 1 (within 3%) with the same endpoint mix (TVD < 0.02)', async () => {
    const { model } = await importModel([SAMPLE], {}, testContext());
    const count = (scale: number) => {
      // Ten hours of the peak rate: enough sessions that Poisson noise stays well under 3%.
      const plan = planModelWindow(model, { scale, speed: 1, window: 'peak', durationMs: 36_000_000 });
      const synth = new SessionSynthesizer(model, { seed: 9 });
      let sessions = 0;
      const mix = new Map<string, number>();
      for (const _arrival of poissonArrivals(plan.curve, createRng(scale))) {
        void _arrival;
        for (const r of synth.session(sessions).requests) mix.set(r.endpointKey, (mix.get(r.endpointKey) ?? 0) + 1);
        sessions++;
      }
      return { sessions, mix };
    };
    const one = count(1);
    const three = count(3);
    expect(Math.abs(three.sessions / one.sessions - 3) / 3).toBeLessThan(0.03);
    const total = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
    const keys = new Set([...one.mix.keys(), ...three.mix.keys()]);
    let tvd = 0;
    for (const k of keys) tvd += Math.abs((one.mix.get(k) ?? 0) / total(one.mix) - (three.mix.get(k) ?? 0) / total(three.mix));
    expect(tvd / 2).toBeLessThan(0.02);
  }, 60_000);

  it('closed stages: a ramp 0 → 20 → 0 users holds 20 concurrent sessions on the plateau', async () => {
    const target = await server(delayed(20));
    const model = smallModel({ thinkMs: [200, 300, 400] });
    const synth = new SessionSynthesizer(model, { seed: 4 });
    const users = new UserCurve([
      { startMs: 0, endMs: 1_000, fromUsers: 0, toUsers: 20, stage: 'ramp-up' },
      { startMs: 1_000, endMs: 4_000, fromUsers: 20, toUsers: 20, stage: 'plateau' },
      { startMs: 4_000, endMs: 5_000, fromUsers: 20, toUsers: 0, stage: 'ramp-down' },
    ]);
    const http = new HttpClient({ target: target.url, connections: null, pipelining: 1, connectTimeoutMs: 2000, timeoutMs: 5000, insecure: false });
    const live: { second: number; sessions: number }[] = [];
    const run = await runSchedule(
      { curve: new RateCurve([]), users, sessions: (id) => synth.session(id), seed: 4, thinkTimeFactor: 1, warmStartLookbackMs: 0, maxInFlight: 1000, drainTimeoutMs: 2000, buildRequest: (p) => ({ method: p.method, path: p.path }), onSecond: (ms, _r, l) => live.push({ second: ms / 1000, sessions: l.sessions }) },
      http,
      systemClock,
      new AbortController().signal,
    );
    await http.close();
    const plateau = live.filter((l) => l.second >= 2 && l.second <= 4).map((l) => l.sessions);
    expect(plateau.length).toBeGreaterThan(1);
    for (const n of plateau) expect(n).toBe(20);
    expect(run.peakSessions).toBe(20);
    expect([...run.recorder.cells.values()].some((c) => c.stage === 'plateau' && c.count > 50)).toBe(true);
  }, 30_000);

  it('a profile with login, a captured cart id and a checkout: every checkout names a real cart', async () => {
    const shop = await startShopServer({ port: 0, poolSize: 64 });
    servers.push(shop);
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-cart-'));
    const profilePath = join(dir, 'cart.json');
    writeFileSync(
      profilePath,
      JSON.stringify({
        model: SAMPLE,
        defaults: { headers: { authorization: 'Bearer ${var.token}' } },
        requests: {
          'POST /api/login': { json: { username: 'u${int(1,99)}', password: '${uuid}' }, capture: { token: 'json:token' } },
          'POST /api/cart/items': { json: { productId: '${int(1,5000)}', qty: 1 }, capture: { cartId: 'json:cartId' } },
          'POST /api/checkout': { json: { cartId: '${var.cartId}' }, requires: ['cartId'] },
        },
        stages: [{ name: 'busy', duration: '6s', target: '1x' }],
        thresholds: ['error_rate < 1%'],
      }),
    );
    const profile = parseProfile(JSON.parse(readFileSync(profilePath, 'utf8')), profilePath);
    const { model } = await importModel([SAMPLE], {}, testContext());
    // 20× the peak at 10× speed (think times ÷ 10) for 6 s: enough sessions to reach checkout many times.
    const { results } = await runLoad({ input: profilePath, target: shop.url, scale: 20, speed: 10, seed: 3, noOut: true }, testContext(), { profile, model, source: profilePath });
    const checkouts = shop.stats().checkouts;
    const sent = results.endpoints.find((e) => e.key === 'POST /api/checkout')?.count ?? 0;
    console.log(`checkouts: sent ${sent}, server saw ${JSON.stringify(checkouts)}; totals ${JSON.stringify(results.totals)}; ${results.endpoints.map((e) => `${e.key}=${e.count}`).join(" ")}`);
    expect(checkouts.knownCart).toBeGreaterThan(0);
    expect(checkouts.unknownCart).toBe(0);
    expect(checkouts.noCart).toBe(0);
    expect(checkouts.knownCart).toBe(sent);
    expect(results.totals.skipped).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('replay reproduces the log order and spacing; --speed 10 compresses the gaps tenfold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-replay-'));
    const log = join(dir, 'access.log');
    const gaps = [0, 2, 3, 5, 9];
    const lines = gaps.map((s, i) => `10.0.0.${i} - - [27/Nov/2026:10:00:0${s} +0000] "GET /p/${i}?q=${i} HTTP/1.1" 200 10 "-" "ua"`);
    writeFileSync(log, `${lines.join('\n')}\n`);
    const target = await server(delayed(1));
    const fast = await runReplay([log], { target: target.url, speed: 10, noOut: true }, testContext());
    expect(fast.results.totals.requests).toBe(5);
    expect(target.requests.map((r) => r.url)).toEqual(gaps.map((_, i) => `/p/${i}?q=${i}`));
    const t0 = target.requests[0]!.atMs;
    target.requests.forEach((r, i) => expect(Math.abs(r.atMs - t0 - (gaps[i]! * 1000) / 10)).toBeLessThan(25));
    target.requests.length = 0;
    const real = await runReplay([log], { target: target.url, speed: 1, durationMs: 3_500, noOut: true }, testContext());
    expect(real.results.totals.requests).toBe(3);
    const r0 = target.requests[0]!.atMs;
    expect(Math.abs(target.requests[2]!.atMs - r0 - 3000)).toBeLessThan(25);
  }, 30_000);
});
