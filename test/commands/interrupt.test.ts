import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/commands/import.js';
import { runLoad } from '../../src/commands/run.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import type { RunResults } from '../../src/reports/results.js';
import { testContext } from '../helpers/context.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

/*
 * Issue 10, "interrupts and output": an interrupted run stops scheduling, drains what is in
 * flight up to the drain deadline, writes results marked partial with what was measured, and
 * exits 130; a second SIGINT exits at once.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tidemark.js');
const BUILT = existsSync(join(ROOT, 'dist/cli/main.js'));

const RUN_MS = 10_000;
const DRAIN_MS = 1_000;

let dir: string;
let server: TestServer;
/** Never answers: the drain deadline alone ends these requests. */
let stalling: TestServer;

/** A small combined log: a few endpoints, enough sessions for a model. */
function accessLog(): string {
  const t0 = Date.UTC(2026, 10, 20, 9, 0, 0);
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const at = new Date(t0 + i * 7_000);
    const time = `${String(at.getUTCDate()).padStart(2, '0')}/Nov/2026:${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}:${String(at.getUTCSeconds()).padStart(2, '0')} +0000`;
    const path = ['/api/products/1', '/api/products/2', '/', '/api/cart'][i % 4];
    lines.push(`203.0.113.${i % 30} - - [${time}] "GET ${path} HTTP/1.1" 200 100 "-" "test/${i % 30}"`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tidemark-interrupt-'));
  writeFileSync(join(dir, 'access.log'), accessLog());
  expect(await runImport(['access.log'], { out: 'model.json' }, testContext({ cwd: dir }))).toBe(0);
  server = await startTestServer(delayed(20));
  stalling = await startTestServer(() => undefined);
});

afterAll(async () => {
  await server?.close();
  await stalling?.close();
  rmSync(dir, { recursive: true, force: true });
});

function readResults(name: string): RunResults {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as RunResults;
}

describe('an interrupted run (the context is aborted)', () => {
  it('drains, writes partial results with what was measured, and exits 130', async () => {
    const ctx = testContext({ cwd: dir });
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      ctx.abort('interrupted by SIGINT');
    }, 1_000);
    const outcome = await runLoad({ input: 'model.json', target: server.url, rate: 50, durationMs: RUN_MS, drainMs: DRAIN_MS, out: 'results-abort.json' }, ctx);
    const afterAbortMs = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(afterAbortMs).toBeLessThan(DRAIN_MS + 2_000);
    expect(outcome.exitCode).toBe(ExitCode.INTERRUPTED);

    const results = readResults('results-abort.json');
    expect(results.partial).toBe(true);
    expect(results.partialReason).toMatch(/SIGINT/);
    // About a second at 50/s, every request answered in 20 ms: measured, not lost.
    expect(results.totals.requests).toBeGreaterThan(30);
    expect(results.totals.requests).toBeLessThan(90);
    expect(results.totals.statusClasses['2xx']).toBe(results.totals.requests);
    expect(results.endpoints.reduce((n, e) => n + e.count, 0)).toBe(results.totals.requests);
    expect(results.series.length).toBeGreaterThan(0);
    expect(ctx.out()).toContain('results written to results-abort.json');
    expect(ctx.out()).toMatch(/partial: interrupted by SIGINT/);
  });

  it('cuts off what is still in flight at the drain deadline, and counts it', async () => {
    const ctx = testContext({ cwd: dir });
    setTimeout(() => ctx.abort('interrupted by SIGTERM'), 1_000);
    const started = performance.now();
    const outcome = await runLoad({ input: 'model.json', target: stalling.url, rate: 20, durationMs: RUN_MS, drainMs: DRAIN_MS, timeoutMs: 30_000, out: 'results-stalled.json' }, ctx);
    expect(performance.now() - started).toBeLessThan(1_000 + DRAIN_MS + 2_000);
    expect(outcome.exitCode).toBe(ExitCode.INTERRUPTED);
    const results = readResults('results-stalled.json');
    expect(results.partial).toBe(true);
    expect(results.totals.requests).toBeGreaterThan(10);
    expect(results.totals.cutOff).toBe(results.totals.requests);
    expect(results.totals.failures).toEqual({ cut_off: results.totals.requests });
  });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `tidemark run` in a real process and sends it SIGINT at each of `sigintAfterMs`,
 * counted from the first request the target receives (Node's start-up takes a variable while,
 * and a signal before the handlers are installed would just kill the process).
 */
function runProcess(args: string[], target: TestServer, sigintAfterMs: number[]): Promise<Exit & { exitedAtMs: number; signalledAtMs: number[] }> {
  return new Promise((resolve, reject) => {
    const seenBefore = target.requests.length;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = performance.now();
    const signalledAtMs: number[] = [];
    const timers: NodeJS.Timeout[] = [];
    const watch = setInterval(() => {
      if (target.requests.length === seenBefore) return;
      clearInterval(watch);
      for (const after of sigintAfterMs) {
        timers.push(
          setTimeout(() => {
            signalledAtMs.push(performance.now() - started);
            child.kill('SIGINT');
          }, after),
        );
      }
    }, 10);
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      for (const t of timers) clearTimeout(t);
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, exitedAtMs: performance.now() - started, signalledAtMs });
    });
  });
}

describe.skipIf(!BUILT)('an interrupted run (a real process and SIGINT)', () => {
  it('SIGINT after a second: drains, writes partial results, exits 130', async () => {
    const exit = await runProcess(['run', 'model.json', '--target', server.url, '--rate', '50', '--duration', '10s', '--drain', '1s', '-o', 'results-sigint.json'], server, [1_000]);
    expect(exit.stderr).toContain('SIGINT');
    expect(exit.code).toBe(ExitCode.INTERRUPTED);
    expect(exit.exitedAtMs - (exit.signalledAtMs[0] as number)).toBeLessThan(DRAIN_MS + 2_000);
    const results = readResults('results-sigint.json');
    expect(results.partial).toBe(true);
    expect(results.partialReason).toMatch(/SIGINT/);
    expect(results.totals.requests).toBeGreaterThan(20);
    expect(results.totals.statusClasses['2xx']).toBe(results.totals.requests);
    expect(exit.stdout).toContain('results written to results-sigint.json');
  });

  // Against a target that never answers, with a long drain: only the second signal ends it soon.
  let twice: ReturnType<typeof runProcess> | undefined;
  const interruptedTwice = (): ReturnType<typeof runProcess> =>
    (twice ??= runProcess(['run', 'model.json', '--target', stalling.url, '--rate', '20', '--duration', '10s', '--drain', '10s', '--timeout', '30s', '-o', 'results-twice.json'], stalling, [1_000, 1_500]));

  it('a second SIGINT exits at once (130), without waiting for the drain', async () => {
    const exit = await interruptedTwice();
    expect(exit.code).toBe(ExitCode.INTERRUPTED);
    expect(exit.signalledAtMs).toHaveLength(2);
    expect(exit.exitedAtMs - (exit.signalledAtMs[1] as number)).toBeLessThan(1_000);
  });

  // Issue 10: a second SIGINT cuts off what is in flight at once, and still writes results.
  it('a second SIGINT still writes the partial results', async () => {
    await interruptedTwice();
    expect(existsSync(join(dir, 'results-twice.json'))).toBe(true);
    const results = readResults('results-twice.json');
    expect(results.partial).toBe(true);
    expect(results.totals.requests).toBeGreaterThan(0);
  });
});

if (!BUILT) {
  it.skip('real-process tests need a build: run `npm run build` (dist/cli/main.js is missing)', () => undefined);
}
