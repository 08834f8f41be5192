import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { runFidelity } from '../../src/commands/fidelity.js';
import { importModel } from '../../src/commands/import.js';
import type { TrafficModel } from '../../src/core/types.js';
import { startShopServer, type ShopServer } from '../../src/demo/shop-server.js';
import { testContext } from '../helpers/context.js';
import { NGINX, startNginxProxy, type NginxProxy } from '../helpers/nginx.js';

/*
 * Issue 8: Artillery itself runs the YAML that `tidemark export artillery` writes, for a few
 * seconds, against the demo shop behind nginx; nginx's access log of what Artillery sent is
 * imported and must pass fidelity against the model at loose tolerances. Artillery lives in
 * tools/artillery (scripts/ensure-artillery.sh, run by `npm test`'s pretest).
 */
const ARTILLERY = resolve('tools/artillery/node_modules/.bin/artillery');
const SAMPLE = resolve('samples/shop/access.log.gz');
// $msec: millisecond timestamps; the exported YAML gives each virtual user its own user agent.
const LOG_FORMAT = '$remote_addr - $remote_user [$msec] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time';
const SPEED = 20;
const have = NGINX !== undefined && existsSync(ARTILLERY);
if (!have) console.warn(`Artillery run of an exported YAML skipped: ${NGINX === undefined ? 'nginx is not installed' : 'Artillery is not installed (bash scripts/ensure-artillery.sh)'}`);

describe.skipIf(!have)('an exported Artillery script, run by Artillery', () => {
  let dir: string;
  let shop: ShopServer;
  let nginx: NginxProxy;
  let modelPath: string;
  let artilleryOut = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-artillery-'));
    shop = await startShopServer({ latencyScale: 0.1 });
    nginx = await startNginxProxy(dir, shop.url, LOG_FORMAT);
    const model: TrafficModel = (await importModel([SAMPLE], {}, testContext())).model;
    modelPath = join(dir, 'model.json');
    writeFileSync(modelPath, JSON.stringify(model));
    // The peak hour (0.34 sessions/s) at 20× clock speed and 3× the sessions, cut to 8 s: about 20 sessions/s.
    const ctx = testContext({ cwd: dir });
    const code = await runCli(['export', 'artillery', modelPath, '--window', 'peak', '--speed', String(SPEED), '--scale', '3', '--duration', '8s', '--flows', '400', '--target', nginx.url, '-o', 'test.yml'], ctx);
    expect(code, ctx.err()).toBe(0);
    const run = await promisify(execFile)(ARTILLERY, ['run', '--output', join(dir, 'artillery.json'), join(dir, 'test.yml')], {
      cwd: dir,
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    artilleryOut = run.stdout;
    const { maxQueue, timeouts } = shop.stats();
    // A logged gap between two requests is the think time plus the response time: say whether the shop queued.
    console.log(`shop during the Artillery run: longest queue for the database pool ${maxQueue}, ${timeouts} gave up waiting`);
    await nginx.close();
  }, 240_000);

  afterAll(async () => {
    await nginx?.close();
    await shop?.close();
  });

  it("Artillery's traffic, as nginx logged it, passes fidelity against the model", async () => {
    const logged = readFileSync(nginx.accessLog, 'utf8').trim().split('\n').length;
    const report = JSON.parse(readFileSync(join(dir, 'artillery.json'), 'utf8')) as { aggregate: { counters: Record<string, number> } };
    const sent = report.aggregate.counters['http.requests'] ?? 0;
    const sessions = report.aggregate.counters['vusers.created'] ?? 0;
    expect(artilleryOut).toContain('All VUs finished');
    console.log(`artillery: ${sessions} virtual users, ${sent} requests sent, ${logged} lines in nginx's log, ${report.aggregate.counters['vusers.failed'] ?? 0} failed`);
    expect(sessions).toBeGreaterThan(30);
    expect(logged).toBe(sent);

    const ctx = testContext();
    // Loose: a few hundred requests from 8 s, and think times blurred by nginx's 1 ms clock ×20
    // and by the responses' own time; the peak hour's slice has no daily shape to compare.
    const tolerances = ['mix=0.1', 'length=0.25', 'length-ratio=1.5', 'think=0.3', 'think-ratio=2', 'missing=3', 'navigation=0.3'];
    const code = await runFidelity({ reference: modelPath, against: nginx.accessLog, speed: SPEED, start: '20:00', logFormat: LOG_FORMAT, json: true, tolerances }, ctx);
    const fidelity = JSON.parse(ctx.out()) as { verdict: string; mix: { tvd: number }; sessionLength: { d: number } | null; metrics: { id: string; value: number | null; verdict: string; reason: string | null }[] };
    console.log(`artillery fidelity: mix TVD ${fidelity.mix.tvd.toFixed(3)}, session length KS D ${fidelity.sessionLength?.d.toFixed(3)}; ${fidelity.metrics.map((m) => `${m.id}=${m.verdict}${m.value === null ? '' : `(${Number(m.value).toFixed(3)})`}`).join(' ')}`);
    expect(fidelity.metrics.filter((m) => m.verdict === 'fail').map((m) => m.reason)).toEqual([]);
    expect(fidelity.mix.tvd).toBeLessThan(0.1);
    expect(code).toBe(0);
  }, 60_000);
});
