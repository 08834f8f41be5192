#!/usr/bin/env node
// How steady this machine's CPUs are, with nothing of tidemark's running: a fixed unit of work
// (arithmetic on a 32 KB array, no allocation) repeated on a thread for D seconds, counted per
// 1 ms window. On dedicated hardware every window does about the same work; a virtual CPU can
// be slowed by whatever its host runs beside it. The load benchmarks' tails follow from it: a
// generator that needs u of a core at its rate falls behind in any window that runs at less than
// u of full speed, and stays behind until it has caught up.
//
//   node bench/cpu-speed.mjs [--quick] [--duration 10] [--write BENCHMARKS.md]
//
// Two phases, one after the other: one thread alone (the other CPUs idle), then one thread per
// CPU at once. Per thread: median work per ms (full speed), the share of 1 ms windows under 0.5×
// and under 0.8× of it, slow episodes (runs of consecutive windows under 0.5×) and the longest,
// and how many slow windows held a pause of more than 0.1 ms between two clock readings (the
// thread off its CPU, rather than running slowly). Steal time from /proc/stat beside it. The
// threads count the same wall-clock milliseconds, so the second phase also says how often every
// CPU was slow at once, against what independent episodes would give (whether a second thread
// could ride out an episode on the other CPU).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fmt, machineLine, markdownTable, numberOption, parseOptions, textTable, uptimeLine, writeSection } from './lib/common.mjs';

const WINDOW_MS = 1;
const SLOW = 0.5;
const PAUSE_MS = 0.1;
/** Windows left out at the start: the loop runs before it is optimized. */
const SKIP_WINDOWS = 200;

if (!isMainThread) {
  parentPort.postMessage(spin(workerData.startAbsMs, workerData.durationMs));
} else {
  await main();
}

/**
 * Work units in each 1 ms window of the wall clock from `startAbsMs` (performance.timeOrigin +
 * now(): the same clock in every thread, so that window i is the same millisecond in each), and
 * the longest pause between two clock readings in each window.
 */
function spin(startAbsMs, durationMs) {
  const data = new Float64Array(4096);
  for (let i = 0; i < data.length; i++) data[i] = i * 0.001;
  const windows = Math.ceil(durationMs / WINDOW_MS);
  const counts = new Int32Array(windows);
  const pauses = new Float64Array(windows);
  const origin = performance.timeOrigin;
  let sink = 0;
  let units = 0;
  let last = performance.now();
  for (;;) {
    for (let k = 0; k < 64; k++) sink += data[(k * 37 + units) & 4095] * 1.0001;
    units++;
    if ((units & 3) !== 0) continue;
    const now = performance.now();
    const w = Math.floor((origin + now - startAbsMs) / WINDOW_MS);
    if (w >= windows) break;
    if (w >= 0) {
      counts[w] += 4;
      // A pause counts in every window it spans (those it covers whole did no work at all).
      const pause = now - last;
      for (let j = Math.max(0, Math.floor((origin + last - startAbsMs) / WINDOW_MS)); j <= w; j++) if (pause > pauses[j]) pauses[j] = pause;
    }
    last = now;
  }
  return { counts, pauses, sink: sink > 0 };
}

/** Steal ticks (1/100 s) per CPU from /proc/stat, or null where there is none. */
function stealTicks() {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[8] ?? 0));
  } catch {
    return null;
  }
}

function summarize({ counts, pauses }) {
  // The first 200 ms run before the code is optimized: left out.
  const c = Array.from(counts.subarray(SKIP_WINDOWS));
  const p = Array.from(pauses.subarray(SKIP_WINDOWS));
  const sorted = [...c].sort((a, b) => a - b);
  const full = sorted[sorted.length >> 1];
  const slow = c.map((x) => x < full * SLOW);
  const episodes = [];
  let run = 0;
  for (const s of slow) {
    if (s) run++;
    else if (run > 0) {
      episodes.push(run);
      run = 0;
    }
  }
  if (run > 0) episodes.push(run);
  const slowCount = slow.filter(Boolean).length;
  return {
    windows: c.length,
    full,
    under05: slowCount / c.length,
    under08: c.filter((x) => x < full * 0.8).length / c.length,
    p1: sorted[Math.floor(sorted.length * 0.01)] / full,
    episodes: episodes.length,
    longestMs: Math.max(0, ...episodes) * WINDOW_MS,
    over10Ms: episodes.filter((e) => e * WINDOW_MS >= 10).length,
    slowWithPause: slow.filter((s, i) => s && p[i] > PAUSE_MS).length,
    slowCount,
    slow,
  };
}

async function phase(threads, durationMs) {
  const steal0 = stealTicks();
  // Every thread counts the same milliseconds: from a start far enough ahead for all to be running.
  const startAbsMs = performance.timeOrigin + performance.now() + 200;
  const results = await Promise.all(
    Array.from({ length: threads }, () => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { startAbsMs, durationMs } });
      return new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const steal1 = stealTicks();
  const steal = steal0 && steal1 ? steal1.reduce((s, v, i) => s + v - (steal0[i] ?? 0), 0) / 100 : null;
  const summaries = results.map(summarize);
  // Slow on every thread in the same millisecond, against what independent episodes would give.
  const n = Math.min(...summaries.map((t) => t.slow.length));
  let together = 0;
  for (let i = 0; i < n; i++) if (summaries.every((t) => t.slow[i])) together++;
  const allSlow = threads > 1 ? { measured: together / n, independent: summaries.reduce((x, t) => x * t.under05, 1) } : null;
  return { threads: summaries, steal, allSlow };
}

async function main() {
  const values = parseOptions(
    {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      write: { type: 'string' },
    },
    'node bench/cpu-speed.mjs [--quick] [--duration S] [--write FILE]',
  );
  const durationMs = Math.min(120, numberOption(values, 'duration', values.quick ? 5 : 10)) * 1000;
  const cpus = availableParallelism();
  const uptimeBefore = uptimeLine();
  console.error(`bench cpu-speed: ${durationMs / 1000} s with one thread, then ${durationMs / 1000} s with ${cpus}; ${uptimeBefore}`);
  const phases = [
    { label: 'one thread alone', ...(await phase(1, durationMs)) },
    { label: `${cpus} threads at once`, ...(await phase(cpus, durationMs)) },
  ];
  const uptimeAfter = uptimeLine();
  const header = ['phase', 'thread', 'full speed (units/ms)', '1 ms windows under 0.5×', 'under 0.8×', 'p1 window', 'slow episodes (≥ 10 ms)', 'longest ms', 'slow windows with a pause > 0.1 ms', 'steal s (all CPUs)'];
  const rows = [];
  for (const ph of phases) {
    ph.threads.forEach((t, i) => {
      rows.push([
        ph.label,
        String(i + 1),
        String(t.full),
        `${fmt(t.under05 * 100, 1)}%`,
        `${fmt(t.under08 * 100, 1)}%`,
        `${fmt(t.p1)}×`,
        `${t.episodes} (${t.over10Ms})`,
        String(t.longestMs),
        `${t.slowWithPause} of ${t.slowCount}`,
        i === 0 && ph.steal !== null ? fmt(ph.steal) : '',
      ]);
    });
  }
  const together = phases
    .filter((ph) => ph.allSlow)
    .map((ph) => `${ph.label}: ${fmt(ph.allSlow.measured * 100, 2)}% of 1 ms windows under 0.5× on every thread in the same millisecond; independent episodes would give ${fmt(ph.allSlow.independent * 100, 2)}%`);
  console.log(`\n${textTable(header, rows)}\n\n${together.join('\n')}\n`);
  if (values.write) {
    const md = `## CPU speed: how steady this machine's CPUs are, with nothing else running

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${machineLine()}
- load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`
- command: \`node bench/cpu-speed.mjs${values.quick ? ' --quick' : ''} --duration ${durationMs / 1000}\` (${durationMs / 1000} s with one thread, then ${durationMs / 1000} s with one thread per CPU)
- what: a fixed unit of arithmetic on a 32 KB array, repeated and counted per 1 ms window (the first 200 ms left out); full speed is the median window. A slow episode is a run of consecutive windows under 0.5× of it. A pause is a gap of more than 0.1 ms between two clock readings (normally ~1 µs apart): a slow window without one ran on its CPU the whole time, only slower. Steal: /proc/stat's steal time over the phase, all CPUs.

${markdownTable(header, rows)}

${together.map((t) => `- ${t}`).join('\n')}
`;
    writeSection(values.write, 'cpu-speed', md);
    console.error(`bench: wrote the cpu-speed section of ${values.write}`);
  }
}
