// How each contender is run and read: tidemark (the CLI, as a user runs it, reading its
// results.json), autocannon (its --json output), wrk (its text summary) and the raw undici loop
// (bench/raw-undici.mjs). Each run is under /usr/bin/time for CPU seconds and peak RSS.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTOCANNON, CLI, ROOT, measured, median, versionOf, which } from './common.mjs';

export function tidemarkVersion() {
  return versionOf([process.execPath, CLI, '--version']);
}

/**
 * `tidemark run MODEL --target URL ...args -o OUT`: the parsed results.json beside the process
 * figures. Throws with the CLI's stderr when it fails (exit codes 0 and 99 are runs).
 */
export async function runTidemark({ model, url, args, out, timeoutMs, env }) {
  const argv = [process.execPath, ...(env?.nodeFlags ?? []), CLI, 'run', model, '--target', url, ...args, '-o', out];
  const run = await measured(argv, { timeoutMs });
  if ((run.code !== 0 && run.code !== 99) || !existsSync(out)) {
    throw new Error(`tidemark ${args.join(' ')} exited with ${run.code}${run.timedOut ? ' (timed out)' : ''}:\n${run.stderr.slice(-2000)}`);
  }
  return { ...run, results: JSON.parse(readFileSync(out, 'utf8')), argv };
}

/** Per-second p99 of latency from the intended time, seconds [from, to) of the run. */
export function steadyP99s(results, fromSecond, toSecond) {
  return steadySeries(results.series, fromSecond, toSecond, 'p99Ms');
}

/**
 * One field (p50Ms, p99Ms) of each second of a series (tidemark's results.json, or the open
 * loop's), seconds [from, to). A second with no request recorded has no quantile (the series
 * reads 0 there): left out.
 */
export function steadySeries(series, fromSecond, toSecond, field) {
  return series.filter((s) => s.second >= fromSecond && s.second < toSecond && s.requests > 0).map((s) => s[field]);
}

/**
 * Whether an open-model run at `rate` sustained it, by max-rate's rules (bench/max-rate.mjs's
 * header): achieved ≥ 99% of R, no error, no dropped session, and over seconds 2..D-1 (start-up
 * and the end left out) the median of the per-second p99s (`tail`) or p50s (`keeps-up`) of latency
 * from the intended time under `maxLagMs`. `run`: { achievedPerSec, errors, dropped, series }.
 */
export function judgeOpenRun(run, rate, durationSec, rule, maxLagMs) {
  const steadyP50 = median(steadySeries(run.series, 2, durationSec - 1, 'p50Ms'));
  const steady = median(steadySeries(run.series, 2, durationSec - 1, 'p99Ms'));
  const achievedRatio = run.achievedPerSec / rate;
  const reasons = [];
  if (achievedRatio < 0.99) reasons.push(`achieved ${(achievedRatio * 100).toFixed(1)}%`);
  if (run.errors > 0) reasons.push(`${run.errors} errors`);
  if (run.dropped > 0) reasons.push(`${run.dropped} dropped`);
  if (rule === 'tail' && !(steady <= maxLagMs)) reasons.push(`steady p99 ${steady.toFixed(2)} ms`);
  if (rule === 'keeps-up' && !(steadyP50 <= maxLagMs)) reasons.push(`steady p50 ${steadyP50.toFixed(2)} ms`);
  return { ok: reasons.length === 0, reasons, steadyP50, steady };
}

export function autocannonPath() {
  return existsSync(AUTOCANNON) ? AUTOCANNON : null;
}

export function autocannonVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** autocannon with `args` (e.g. -c 50 -d 10) against url: its JSON report and the process figures. */
export async function runAutocannon({ url, args, timeoutMs }) {
  const run = await measured([process.execPath, AUTOCANNON, ...args, '-j', url], { timeoutMs });
  let report;
  try {
    report = JSON.parse(run.stdout.trim().split('\n').pop());
  } catch {
    throw new Error(`autocannon ${args.join(' ')} printed no JSON (exit ${run.code}):\n${run.stderr.slice(-2000)}`);
  }
  const requests = report.requests.total;
  return { ...run, report, requests, errors: report.errors + report.non2xx + report.timeouts, ratePerSec: requests / report.duration };
}

export function wrkPath() {
  return which('wrk');
}

export function wrkVersion() {
  const wrk = which('wrk');
  if (!wrk) return null;
  const line = versionOf([wrk, '--version']);
  return line ? line.replace(/\s*\[.*$/, '').trim() : null;
}

/** wrk with `args` (e.g. -c 50 -t 1 -d 10s) against url: requests, rate, and the process figures. */
export async function runWrk({ url, args, timeoutMs }) {
  const run = await measured([which('wrk'), ...args, url], { timeoutMs });
  const requests = Number(/(\d+) requests in/.exec(run.stdout)?.[1]);
  const ratePerSec = Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)?.[1]);
  if (!Number.isFinite(requests) || !Number.isFinite(ratePerSec)) throw new Error(`wrk printed no summary (exit ${run.code}):\n${run.stdout}${run.stderr}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(run.stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(run.stdout);
  const errors = non2xx + (socket ? socket.slice(1).reduce((s, x) => s + Number(x), 0) : 0);
  return { ...run, requests, errors, ratePerSec };
}

/** bench/raw-undici.mjs: a closed loop, or with `rate` an open loop at that many requests/s (its `series` in `line`). */
export async function runRawUndici({ url, connections, durationSec, timeoutMs, rate }) {
  const rateArgs = rate === undefined ? [] : ['--rate', String(rate)];
  const run = await measured([process.execPath, join(ROOT, 'bench', 'raw-undici.mjs'), '--url', url, '--connections', String(connections), '--duration', String(durationSec), ...rateArgs], { timeoutMs });
  let line;
  try {
    line = JSON.parse(run.stdout.trim().split('\n').pop());
  } catch {
    throw new Error(`raw-undici printed no JSON (exit ${run.code}):\n${run.stderr.slice(-2000)}`);
  }
  return { ...run, line, requests: line.requests, errors: line.errors, ratePerSec: line.ratePerSec };
}

export function undiciVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', 'undici', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}
