import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfile } from '../../src/commands/profile.js';
import { runLoad } from '../../src/commands/run.js';
import { testContext } from '../helpers/context.js';
import { smallModel } from '../helpers/models.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

let target: TestServer | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('abort thresholds', () => {
  it('a stress-style run stops within the grace delay + 2 s of the failure and still writes its results', async () => {
    // Healthy for 3 s, then every answer is a 503.
    const started = performance.now();
    target = await startTestServer((_req, res) => {
      res.statusCode = performance.now() - started > 3_000 ? 503 : 200;
      res.end('x');
    });
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-abort-'));
    const profile = parseProfile(
      { model: 'm.json', stages: [{ name: 'ramp', duration: '30s', target: '100/s' }], thresholds: [{ threshold: 'error_rate < 5% in every 2s window', abortOnFail: true, delayAbortEval: '1s' }, 'p95 < 1s'] },
      join(dir, 'profile.json'),
    );
    const t0 = performance.now();
    const outcome = await runLoad({ input: 'profile.json', target: target.url, out: join(dir, 'results.json'), seed: 2 }, testContext({ cwd: dir }), { profile, model: smallModel(), source: 'profile' });
    const elapsedMs = performance.now() - t0;
    // The failure starts at ~3 s; the window sees it within ~2 s; grace 1 s has long passed.
    // Failure from 3 s; grace 1 s (long passed) + 2 s, plus a second of slack for a loaded machine.
    expect(elapsedMs).toBeLessThan(3_000 + 2_000 + 1_000);
    expect(outcome.exitCode).toBe(99);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(results.partial).toBe(true);
    expect(results.partialReason).toMatch(/aborted: threshold "error_rate < 5% in every 2s window" failed/);
    expect(results.verdict).toBe('fail');
    expect(results.totals.requests).toBeGreaterThan(200);
  }, 30_000);
});
