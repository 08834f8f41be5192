import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { SessionPlan } from '../../src/core/types.js';
import type { RunOptions } from '../../src/engine/runner.js';
import { warmUp } from '../../src/engine/warm-up.js';
import { RateCurve } from '../../src/schedule/rate-curve.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

let target: TestServer | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('warmUp', () => {
  it('plays the sessions against its own server, never the target, and leaves nothing running', async () => {
    target = await startTestServer((_req, res) => res.end('ok'));
    let planned = 0;
    let built = 0;
    let answered = 0;
    // Its canned answers (a Content-Length one and a chunked one, in turn) all parse as 200s.
    const malformed: string[] = [];
    const options: RunOptions = {
      curve: new RateCurve([{ startMs: 0, endMs: 1_000, fromPerSec: 5_000, toPerSec: 5_000, stage: 'main' }]),
      arrivals: 'uniform',
      sessions: (id: number): SessionPlan => {
        planned++;
        return { id, requests: [{ endpointKey: 'GET /x', method: 'GET', path: `/x?i=${id}`, thinkTimeMs: 0 }] };
      },
      seed: 1,
      thinkTimeFactor: 1,
      warmStartLookbackMs: 0,
      maxInFlight: 10_000,
      drainTimeoutMs: 1_000,
      buildRequest: (p) => {
        built++;
        return { method: p.method, path: p.path };
      },
      onResponse: (_p, response) => {
        if (response.status === 200) answered++;
        else if (response.failure !== 'cut_off') malformed.push(`${response.status} ${response.failure}`);
      },
    };
    const started = performance.now();
    await warmUp(options, { connections: 50, pipelining: 1, connectTimeoutMs: 1_000, timeoutMs: 2_000, insecure: false }, systemClock, () => systemClock.nowMs());
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(planned).toBeGreaterThanOrEqual(900);
    expect(built).toBe(planned);
    // Its own server answered (all of it on an idle machine; a loaded one may cut the tail off).
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(built);
    expect(malformed).toEqual([]);
    expect(target.requests.length).toBe(0);
  });
});
