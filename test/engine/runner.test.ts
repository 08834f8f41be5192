import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createRng } from '../../src/core/rng.js';
import type { SessionPlan } from '../../src/core/types.js';
import { HttpClient } from '../../src/engine/http-client.js';
import { runSchedule, type RunOptions } from '../../src/engine/runner.js';
import { summarizeMs } from '../../src/metrics/histogram.js';
import { poissonArrivals } from '../../src/schedule/arrivals.js';
import { RateCurve } from '../../src/schedule/rate-curve.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const oneRequest = (id: number): SessionPlan => ({ id, requests: [{ endpointKey: 'GET /x', method: 'GET', path: `/x?i=${id}`, thinkTimeMs: 0 }] });

function options(curve: RateCurve, overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    curve,
    sessions: oneRequest,
    seed: 7,
    thinkTimeFactor: 1,
    warmStartLookbackMs: 0,
    maxInFlight: 10_000,
    drainTimeoutMs: 2_000,
    buildRequest: (planned) => ({ method: planned.method, path: planned.path }),
    ...overrides,
  };
}

function client(url: string): HttpClient {
  return new HttpClient({ target: url, connections: null, pipelining: 1, connectTimeoutMs: 2_000, timeoutMs: 5_000, insecure: false });
}

describe('runSchedule', () => {
  it('sends exactly the scheduled arrivals and measures the server latency', async () => {
    server = await startTestServer(delayed(50));
    const curve = new RateCurve([{ startMs: 0, endMs: 3_000, fromPerSec: 200, toPerSec: 200, stage: 'main' }]);
    const expected = [...poissonArrivals(curve, createRng(7).fork(1))].length;
    const http = client(server.url);
    const result = await runSchedule(options(curve), http, systemClock, new AbortController().signal);
    await http.close();
    const cell = [...result.recorder.cells.values()][0];
    expect(cell?.count).toBe(expected);
    expect(server.requests.length).toBe(expected);
    expect(Math.abs(expected - 600)).toBeLessThan(100);
    const latency = summarizeMs(cell!.latency);
    expect(latency.p50).toBeGreaterThanOrEqual(49);
    expect(latency.p50).toBeLessThan(65);
    expect(result.partial).toBe(false);
  });

  it('measures from the intended send time, so a stall shows in the tail (no coordinated omission)', async () => {
    const stallUntil = { at: 0 };
    server = await startTestServer((_req, res) => {
      const now = performance.now();
      const wait = Math.max(0, stallUntil.at - now);
      setTimeout(() => res.end('ok'), wait + 5);
    });
    const curve = new RateCurve([{ startMs: 0, endMs: 3_000, fromPerSec: 100, toPerSec: 100, stage: 'main' }]);
    const http = client(server.url);
    setTimeout(() => (stallUntil.at = performance.now() + 1_000), 1_000);
    const result = await runSchedule(options(curve), http, systemClock, new AbortController().signal);
    await http.close();
    const latency = summarizeMs([...result.recorder.cells.values()][0]!.latency);
    // About a third of the requests were due during the stall: they waited up to 1 s.
    expect(latency.max).toBeGreaterThan(900);
    expect(latency.p90).toBeGreaterThan(200);
    expect(latency.p50).toBeLessThan(600);
  });

  it('drops sessions over the in-flight cap, counts them, and ends on time against a target that never answers', async () => {
    server = await startTestServer(() => undefined);
    const curve = new RateCurve([{ startMs: 0, endMs: 1_500, fromPerSec: 200, toPerSec: 200, stage: 'main' }]);
    const http = client(server.url);
    const started = performance.now();
    const result = await runSchedule(options(curve, { maxInFlight: 100, drainTimeoutMs: 500 }), http, systemClock, new AbortController().signal);
    const elapsed = performance.now() - started;
    await http.close();
    expect(result.recorder.sessionsStarted).toBe(100);
    expect(result.recorder.droppedSessions).toBeGreaterThan(100);
    expect(result.recorder.cutOff).toBe(100);
    expect(elapsed).toBeLessThan(1_500 + 500 + 1_500);
  });

  it('walks a session: the next request is due at the previous response end plus the think time', async () => {
    server = await startTestServer(delayed(20));
    const plan = (id: number): SessionPlan => ({
      id,
      requests: ['a', 'b', 'c'].map((step, i) => ({ endpointKey: `GET /${step}`, method: 'GET', path: `/${step}?s=${id}`, thinkTimeMs: i === 0 ? 0 : 300 })),
    });
    // A short burst of arrivals at the start, then none.
    const curve = new RateCurve([
      { startMs: 0, endMs: 20, fromPerSec: 400, toPerSec: 400, stage: 'main' },
      { startMs: 20, endMs: 1_500, fromPerSec: 0, toPerSec: 0, stage: 'main' },
    ]);
    const http = client(server.url);
    const result = await runSchedule(options(curve, { sessions: plan, seed: 3 }), http, systemClock, new AbortController().signal);
    await http.close();
    const at = new Map(server.requests.map((r) => [r.url, r.atMs]));
    expect(result.recorder.sessionsStarted).toBeGreaterThan(0);
    for (let id = 0; id < result.recorder.sessionsStarted; id++) {
      const a = at.get(`/a?s=${id}`) as number;
      const b = at.get(`/b?s=${id}`) as number;
      const c = at.get(`/c?s=${id}`) as number;
      // 20 ms of service, then 300 ms of thinking.
      expect(b - a).toBeGreaterThanOrEqual(318);
      expect(b - a).toBeLessThan(380);
      expect(c - b).toBeGreaterThanOrEqual(318);
    }
  });
});
