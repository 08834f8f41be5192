import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/commands/run.js';
import { testContext } from '../helpers/context.js';
import { smallModel } from '../helpers/models.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

let target: TestServer | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

const preloaded = () => ({ profile: null, model: smallModel({ sessionsPerSec: 40 }), source: 'small model' });
const mix = (endpoints: { key: string; count: number }[]) => Object.fromEntries(endpoints.map((e) => [e.key, e.count]).sort());

describe('segments and workers share one schedule exactly', () => {
  it('4 segments of a fixed-rate run together send exactly what one process sends, with the same mix', async () => {
    target = await startTestServer(delayed(5));
    const base = { input: 'model', target: target.url, rate: 300, durationMs: 2_000, seed: 11, noOut: true } as const;
    const single = await runLoad({ ...base }, testContext(), preloaded());
    const parts = await Promise.all([0, 1, 2, 3].map((i) => runLoad({ ...base, segment: `${i}/4` }, testContext(), preloaded())));
    const merged: Record<string, number> = {};
    for (const part of parts) for (const e of part.results.endpoints) merged[e.key] = (merged[e.key] ?? 0) + e.count;
    expect(parts.reduce((s, p) => s + p.results.totals.requests, 0)).toBe(single.results.totals.requests);
    expect(single.results.totals.requests).toBe(600);
    expect(Object.fromEntries(Object.entries(merged).sort())).toEqual(mix(single.results.endpoints));
    expect(parts.map((p) => p.results.knobs.segment)).toEqual(['0/4', '1/4', '2/4', '3/4']);
  }, 30_000);

  it('model sessions split across segments: the same sessions start, none twice, none missing', async () => {
    target = await startTestServer(delayed(2));
    const base = { input: 'model', target: target.url, durationMs: 2_000, seed: 5, noOut: true, warmStart: false } as const;
    const single = await runLoad({ ...base }, testContext(), preloaded());
    const parts = await Promise.all([0, 1, 2].map((i) => runLoad({ ...base, segment: `${i}/3` }, testContext(), preloaded())));
    expect(parts.reduce((s, p) => s + p.results.totals.sessionsStarted, 0)).toBe(single.results.totals.sessionsStarted);
  }, 30_000);

  it('--workers 2 plays the same fixed-rate schedule as one thread and merges exactly', async () => {
    target = await startTestServer(delayed(5));
    const base = { input: 'model', target: target.url, rate: 200, durationMs: 2_000, seed: 3, noOut: true } as const;
    const one = await runLoad({ ...base }, testContext(), preloaded());
    const two = await runLoad({ ...base, workers: 2 }, testContext(), preloaded());
    expect(two.results.totals.requests).toBe(one.results.totals.requests);
    expect(mix(two.results.endpoints)).toEqual(mix(one.results.endpoints));
    expect(two.results.overall.latencyMs.p50).toBeGreaterThan(4);
  }, 30_000);

  it('rejects a malformed segment', async () => {
    await expect(runLoad({ input: 'model', target: 'http://127.0.0.1:9', segment: '4/4', noOut: true }, testContext(), preloaded())).rejects.toThrow(/--segment: "4\/4" is not a segment/);
  });
});
