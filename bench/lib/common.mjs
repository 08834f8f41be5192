// Shared helpers of the load benchmarks (max-rate, rate-accuracy, coordinated-omission,
// memory): paths, child processes measured with /usr/bin/time, free ports, medians, the
// machine's description, Markdown tables, and writing one section of BENCHMARKS.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'tidemark.js');
export const TIME = '/usr/bin/time';
export const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');

/** Fails early, with what to do, when the build or /usr/bin/time is missing. */
export function checkPrerequisites() {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.error('bench: dist/ is missing; run `npm run build` first');
    process.exit(2);
  }
  if (!existsSync(TIME)) {
    console.error('bench: /usr/bin/time is missing (apt-get install -y time); it measures CPU time and peak RSS');
    process.exit(2);
  }
}

/** The absolute path of a command, or null when it is not installed. */
export function which(command) {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function versionOf(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '');
  return text ? text.trim() : null;
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `tidemark-bench-${prefix}-`));
}

/** A port that was free a moment ago on 127.0.0.1 (for servers that cannot listen on port 0). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a command under /usr/bin/time: its stdout and stderr, exit code, CPU seconds
 * (user + system, threads included) and peak RSS. `timeoutMs` bounds it: past that it is
 * killed (SIGTERM, then SIGKILL) and `timedOut` says so.
 */
export function measured(argv, { timeoutMs = 120_000, cwd = ROOT, env } = {}) {
  const dir = tempDir('time');
  const timeFile = join(dir, 'time.txt');
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(TIME, ['-f', '%U %S %M', '-o', timeFile, ...argv], { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    let timedOut = false;
    const kill = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(kill);
      const wallSec = (performance.now() - started) / 1000;
      let cpuSec = NaN;
      let peakRssMb = NaN;
      try {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop().trim().split(/\s+/).map(Number);
        cpuSec = last[0] + last[1];
        peakRssMb = last[2] / 1024;
      } catch {
        // killed before /usr/bin/time wrote its line
      }
      rmSync(dir, { recursive: true, force: true });
      resolveRun({ code, stdout, stderr, wallSec, cpuSec, peakRssMb, timedOut });
    });
  });
}

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
export const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export const loadAverage = () => loadavg().map((x) => x.toFixed(2)).join(' ');

export function uptimeLine() {
  const r = spawnSync('uptime', [], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `load average: ${loadAverage()}`;
}

export function machineLine() {
  const nproc = spawnSync('nproc', [], { encoding: 'utf8' });
  return `${nproc.status === 0 ? nproc.stdout.trim() : cpus().length} CPUs (\`nproc\`; ${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}`;
}

/** Numbers right-aligned after the first column; `{ left: true }` for tables of text. */
export function markdownTable(header, rows, { left = false } = {}) {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 || left ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Plain-text rendering of the same table, for the terminal. */
export function textTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c).replace(/`/g, '')));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r, n) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + (n === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}

/**
 * Writes `body` as the section `name` of a Markdown file: between `<!-- bench:NAME -->` and
 * `<!-- /bench:NAME -->`, replacing an earlier version of the same section and leaving
 * everything else in the file (other engineers' sections) as it was.
 */
export function writeSection(file, name, body) {
  const path = resolve(file);
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${body.trim()}\n${close}\n`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  const [before, after] = start >= 0 && end > start ? [text.slice(0, start), text.slice(end + close.length)] : [text, ''];
  // One blank line on each side of the section, whatever was there before.
  const rest = after.replace(/^\s+/, '');
  writeFileSync(path, `${before.replace(/\s*$/, '\n\n')}${block}${rest ? `\n${rest}` : ''}`);
}

/** `--quick`, `--rounds N`, `--write FILE` and the like, with numbers checked. */
export function numberOption(values, name, fallback) {
  if (values[name] === undefined) return fallback;
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench: --${name} takes a positive number, got ${JSON.stringify(values[name])}`);
    process.exit(2);
  }
  return n;
}

/** parseArgs, with a bad option reported in one line (exit 2) rather than a stack trace. */
export function parseOptions(options, usage) {
  try {
    return parseArgs({ options }).values;
  } catch (err) {
    console.error(`bench: ${err.message}\nusage: ${usage}`);
    process.exit(2);
  }
}
