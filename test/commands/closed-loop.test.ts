import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFidelity } from '../../src/commands/fidelity.js';
import { importModel } from '../../src/commands/import.js';
import { runLoad } from '../../src/commands/run.js';
import type { TrafficModel } from '../../src/core/types.js';
import { testContext } from '../helpers/context.js';
import { NGINX, startNginxProxy, type NginxProxy } from '../helpers/nginx.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

/*
 * Issue 8's closed loop: the sample model replayed (the whole average day, time-compressed)
 * through a real nginx reverse proxy that writes an access log; that log imported again must
 * score as faithful to the model, and a naive uniform-mix test must not.
 */
const SAMPLE = new URL('../../samples/shop/access.log.gz', import.meta.url).pathname;
// $msec: millisecond timestamps, so that time stretched back ×SPEED keeps its order.
const LOG_FORMAT = '$remote_addr - $remote_user [$msec] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time';
const SPEED = 2880; // a day in 30 s
const have = NGINX !== undefined;
if (!have) console.warn('closed-loop fidelity test skipped: nginx is not installed (.ci/run installs it)');

describe.skipIf(!have)('closed loop through nginx', () => {
  let dir: string;
  let upstream: TestServer;
  let nginx: NginxProxy;
  let model: TrafficModel;
  let modelPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-loop-'));
    upstream = await startTestServer(delayed(1));
    nginx = await startNginxProxy(dir, upstream.url, LOG_FORMAT);
    model = (await importModel([SAMPLE], {}, testContext())).model;
    modelPath = join(dir, 'model.json');
    writeFileSync(modelPath, JSON.stringify(model));
    // A fifth of the sample's sessions, the whole day in 30 s.
    const { results } = await runLoad({ input: modelPath, target: nginx.url, window: 'all', speed: SPEED, scale: 0.2, durationMs: 30_000, warmStart: false, noOut: true }, testContext(), { profile: null, model, source: 'sample model' });
    expect(results.totals.requests).toBeGreaterThan(3_000);
    await nginx.close();
  }, 120_000);

  afterAll(async () => {
    await nginx?.close();
    await upstream?.close();
  });

  it("nginx's log of the replay passes fidelity against the model", async () => {
    const ctx = testContext();
    // At ×2880, nginx's 1 ms timestamps are 2.9 s of production time, and each gap also holds
    // the response time: think times are blurred by the compression, not by the replay, so
    // their gate is loosened here (issue 8 gates mix, session length and shape).
    const tolerances = ['think=1', 'think-ratio=100'];
    const code = await runFidelity({ reference: modelPath, against: nginx.accessLog, speed: SPEED, start: '00:00', logFormat: LOG_FORMAT, json: true, tolerances }, ctx);
    const report = JSON.parse(ctx.out()) as { verdict: string; mix: { tvd: number }; sessionLength: { d: number } | null; shape: { nrmse: number } | null; metrics: { id: string; value: number | null; verdict: string }[] };
    console.log(`closed loop: mix TVD ${report.mix.tvd.toFixed(3)}, session length KS D ${report.sessionLength?.d.toFixed(3)}, shape NRMSE ${report.shape?.nrmse.toFixed(3)}; ${report.metrics.map((m) => `${m.id}=${m.verdict}`).join(' ')}`);
    expect(report.mix.tvd).toBeLessThan(0.05);
    expect(report.sessionLength?.d).toBeLessThan(0.1);
    expect(report.shape?.nrmse).toBeLessThan(0.15);
    expect(code).toBe(0);
  }, 60_000);

  it('a naive uniform-mix test fails fidelity, and the report says why', async () => {
    // Every endpoint equally likely, one request per session: what a hand-written test often does.
    const uniform = structuredClone(model);
    for (const e of uniform.endpoints) e.count = 100;
    const keys = uniform.endpoints.map((e) => e.key);
    uniform.sessions.entry = Object.fromEntries(keys.map((k) => [k, 1 / keys.length]));
    uniform.sessions.transitions = Object.fromEntries(keys.map((k) => [k, { $exit: 1 }]));
    const naivePath = join(dir, 'naive.json');
    writeFileSync(naivePath, JSON.stringify(uniform));
    const ctx = testContext();
    const code = await runFidelity({ reference: modelPath, against: naivePath }, ctx);
    expect(code).toBe(99);
    expect(ctx.out()).toMatch(/GET \/api\/products\/:id is 37\.\d% of production but \d+\.\d% of the candidate/);
  });
});
