#!/usr/bin/env node
// Runs every benchmark of bench/ one after another and writes their sections of BENCHMARKS.md:
// import and import-memory (bench/import.mjs, bench/import-memory.mjs, when present), cpu-speed,
// max-rate, workers, rate-accuracy, coordinated-omission, memory, micro.
//
//   npm run build && node bench/run.mjs [--quick] [--only max-rate,memory] [--write BENCHMARKS.md] [--dry]
//
// --quick: shorter runs (each script's own --quick; the imports on 500,000 lines); --dry: print
// the tables but write nothing. import.mjs rewrites the whole file it writes, so it runs first
// and the others then add (or replace) their own sections.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, checkPrerequisites, parseOptions, uptimeLine } from './lib/common.mjs';

const values = parseOptions({
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    write: { type: 'string', default: 'BENCHMARKS.md' },
    dry: { type: 'boolean', default: false },
  }, 'node bench/run.mjs [--quick] [--only NAMES] [--write FILE] [--dry]');
checkPrerequisites();
const write = values.dry ? [] : ['--write', values.write];
const quick = values.quick ? ['--quick'] : [];
const benches = [
  { name: 'import', script: 'import.mjs', args: [...(values.quick ? ['--lines', '500000'] : []), ...write], optional: true },
  { name: 'import-memory', script: 'import-memory.mjs', args: [...(values.quick ? ['--lines', '500000'] : []), ...write], optional: true },
  { name: 'cpu-speed', script: 'cpu-speed.mjs', args: [...quick, ...write] },
  { name: 'max-rate', script: 'max-rate.mjs', args: [...quick, ...write] },
  { name: 'workers', script: 'workers.mjs', args: [...(values.quick ? ['--rounds', '2'] : []), ...write] },
  { name: 'rate-accuracy', script: 'rate-accuracy.mjs', args: [...quick, ...write] },
  { name: 'coordinated-omission', script: 'coordinated-omission.mjs', args: [...quick, ...write] },
  { name: 'memory', script: 'memory.mjs', args: [...quick, ...write] },
  { name: 'micro', script: 'micro.mjs', args: [...(values.quick ? ['--time', '200'] : []), ...write] },
];
const only = values.only?.split(',').map((n) => n.trim());
const unknown = (only ?? []).filter((n) => !benches.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; choose from ${benches.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const chosen = benches.filter((b) => !only || only.includes(b.name));
// A bound on each script, far above its normal length.
const LIMIT_MS = 90 * 60_000;

function run(bench) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', bench.script), ...bench.args], { cwd: ROOT, stdio: 'inherit' });
    const timer = setTimeout(() => {
      console.error(`bench: ${bench.name} ran past ${LIMIT_MS / 60_000} minutes; stopping it`);
      child.kill('SIGTERM');
    }, LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolveRun(code ?? (signal ? 128 : 1));
    });
  });
}

console.error(`bench: ${chosen.map((b) => b.name).join(', ')}${values.quick ? ' (quick)' : ''}; ${uptimeLine()}`);
const outcomes = [];
for (const bench of chosen) {
  if (!existsSync(join(ROOT, 'bench', bench.script))) {
    outcomes.push([bench.name, bench.optional ? 'missing (no bench/' + bench.script + ')' : 'missing']);
    continue;
  }
  console.error(`\n=== ${bench.name}: node bench/${bench.script} ${bench.args.join(' ')}`);
  const started = performance.now();
  const code = await run(bench);
  outcomes.push([bench.name, code === 0 ? `ok (${Math.round((performance.now() - started) / 1000)} s)` : `FAILED (exit ${code})`]);
}
console.error(`\nbench: done; ${uptimeLine()}`);
for (const [name, outcome] of outcomes) console.error(`  ${name.padEnd(22)} ${outcome}`);
process.exit(outcomes.some(([, o]) => o.startsWith('FAILED')) ? 1 : 0);
