#!/usr/bin/env node
// The importer's speed and memory beside GoAccess and a plain awk field split, on one generated
// combined log, in one run, alternating contenders round by round so that a slow moment of the
// machine hits every contender alike. Prints a table of medians (lines/s, peak RSS) with ratios
// to tidemark, and the goals of issue 3; `--write FILE` also writes it as Markdown, replacing
// only the file's `<!-- bench:import -->` section (see bench/lib/common.mjs writeSection).
//
//   npm run build && node bench/import.mjs [--lines 2000000] [--rounds 3] [--write BENCHMARKS.md]
//
// Contenders (same file, output thrown away):
//   tidemark parse   node bin/tidemark.js parse FILE > /dev/null      (NDJSON of every record)
//   tidemark import  node bin/tidemark.js import FILE -o OUT.json     (parse + build the model)
//   goaccess         goaccess FILE --log-format=COMBINED --no-progress --no-global-config -o /dev/null
//   awk              awk '{print $7}' FILE > /dev/null                (the path field, no parsing)
// Peak RSS is /usr/bin/time's "maximum resident set size". A contender that is not installed is
// reported as "missing", never left out silently (apt-get install -y goaccess).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeSection } from './lib/common.mjs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '3' },
    file: { type: 'string' },
    write: { type: 'string' },
    only: { type: 'string' },
  },
});
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
// Outside the work tree: the generated log is ~440 MB and must never be committed.
const OUT_DIR = join(tmpdir(), 'tidemark-bench');
mkdirSync(OUT_DIR, { recursive: true });
const FILE = resolve(values.file ?? join(OUT_DIR, `combined-${LINES}.log`));
const TIME = '/usr/bin/time';
const CLI = join(ROOT, 'bin', 'tidemark.js');

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
if (!existsSync(TIME)) {
  console.error('bench: /usr/bin/time is missing (apt-get install -y time); it measures peak RSS');
  process.exit(2);
}
if (!existsSync(FILE)) {
  console.error(`bench: generating ${FILE} (${LINES} lines) ...`);
  execFileSync(process.execPath, [join(ROOT, 'bench', 'gen-combined.mjs'), '--lines', String(LINES), '--out', FILE], { stdio: 'inherit' });
}
const fileLines = countLines(FILE);
const fileBytes = statSync(FILE).size;

function which(command) {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function countLines(path) {
  return Number(execFileSync('wc', ['-l', path], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
}

const awk = which('awk');
const goaccess = which('goaccess');
const modelOut = join(OUT_DIR, 'bench-model.json');
const contenders = [
  { name: 'tidemark parse', argv: [process.execPath, CLI, 'parse', FILE], shown: `node bin/tidemark.js parse FILE > /dev/null` },
  { name: 'tidemark import', argv: [process.execPath, CLI, 'import', FILE, '-o', modelOut], shown: `node bin/tidemark.js import FILE -o model.json` },
  {
    name: 'goaccess',
    argv: goaccess ? [goaccess, FILE, '--log-format=COMBINED', '--no-progress', '--no-global-config', '-o', '/dev/null'] : null,
    shown: 'goaccess FILE --log-format=COMBINED --no-progress --no-global-config -o /dev/null',
    version: goaccess ? spawnSync(goaccess, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : null,
  },
  { name: 'awk', argv: awk ? [awk, '{print $7}', FILE] : null, shown: `${awk ? basename(awk) : 'awk'} '{print $7}' FILE > /dev/null`, version: awk ? awkVersion(awk) : null },
].filter((c) => !values.only || values.only.split(',').includes(c.name));

function awkVersion(path) {
  for (const flag of ['-W version', '--version']) {
    const r = spawnSync('sh', ['-c', `${path} ${flag} 2>&1 </dev/null`], { encoding: 'utf8' });
    const first = (r.stdout || '').split('\n')[0];
    if (r.status === 0 && first) return first.trim();
  }
  return null;
}

/** Runs one contender once: wall time, and peak RSS from /usr/bin/time. */
async function runOnce(contender) {
  const rssFile = join(OUT_DIR, `rss-${process.pid}.txt`);
  const devNull = openSync('/dev/null', 'w');
  const errFile = join(OUT_DIR, `stderr-${process.pid}.txt`);
  const errFd = openSync(errFile, 'w');
  const started = performance.now();
  const child = spawn(TIME, ['-f', '%M', '-o', rssFile, ...contender.argv], { stdio: ['ignore', devNull, errFd] });
  const code = await new Promise((res) => child.on('exit', (c) => res(c)));
  const seconds = (performance.now() - started) / 1000;
  closeSync(devNull);
  closeSync(errFd);
  const rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  const stderr = readFileSync(errFile, 'utf8');
  rmSync(rssFile, { force: true });
  rmSync(errFile, { force: true });
  if (code !== 0) throw new Error(`${contender.name} exited with ${code}:\n${stderr.slice(-2000)}`);
  return { seconds, rssMb: rssKb / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const loadBefore = load();
const results = new Map(contenders.map((c) => [c.name, []]));
console.error(`bench: ${fileLines} lines (${(fileBytes / 1e6).toFixed(0)} MB) in ${FILE}; ${ROUNDS} rounds; load average ${loadBefore}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const contender of contenders) {
    if (!contender.argv) continue;
    const r = await runOnce(contender);
    results.get(contender.name).push(r);
    console.error(`  round ${round}: ${contender.name.padEnd(16)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(fileLines / r.seconds).toLocaleString('en-US').padStart(10)} lines/s  ${r.rssMb.toFixed(0).padStart(5)} MB`);
  }
}
const loadAfter = load();
rmSync(modelOut, { force: true });

const summary = contenders.map((c) => {
  const runs = results.get(c.name);
  if (!c.argv || runs.length === 0) return { ...c, missing: true };
  const seconds = median(runs.map((r) => r.seconds));
  return { ...c, missing: false, seconds, rate: fileLines / seconds, rssMb: median(runs.map((r) => r.rssMb)), maxRssMb: Math.max(...runs.map((r) => r.rssMb)), runs };
});
const by = (name) => summary.find((s) => s.name === name && !s.missing);
const parse = by('tidemark parse');
const imp = by('tidemark import');

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ratio = (a, b) => (a && b ? `${(a.rate / b.rate).toFixed(2)}×` : '–');
const table = [
  '| contender | median time | lines/s | peak RSS (median / max) | tidemark parse ÷ it | tidemark import ÷ it |',
  '|---|---:|---:|---:|---:|---:|',
  ...summary.map((s) =>
    s.missing
      ? `| ${s.name} | missing (not installed) | – | – | – | – |`
      : `| ${s.name} | ${s.seconds.toFixed(2)} s | ${fmt(s.rate)} | ${s.rssMb.toFixed(0)} / ${s.maxRssMb.toFixed(0)} MB | ${ratio(parse, s)} | ${ratio(imp, s)} |`,
  ),
].join('\n');

const goalRows = [];
const goal = (what, target, actual, ok) => goalRows.push(`| ${what} | ${target} | ${actual} | ${ok === null ? 'not measured' : ok ? 'met' : 'not met'} |`);
const awkRow = by('awk');
const gaRow = by('goaccess');
goal('`tidemark parse` at least as fast as the awk split', '≥ 1.00× awk', parse && awkRow ? `${(parse.rate / awkRow.rate).toFixed(2)}× awk (${fmt(parse.rate)} vs ${fmt(awkRow.rate)} lines/s)` : 'missing', parse && awkRow ? parse.rate >= awkRow.rate : null);
goal('`tidemark import` lines/s', '≥ 500,000', imp ? `${fmt(imp.rate)} (${((imp.rate / 500_000) * 100).toFixed(0)}% of the goal)` : 'missing', imp ? imp.rate >= 500_000 : null);
goal('`tidemark import` vs GoAccess', '> 15×', imp && gaRow ? `${(imp.rate / gaRow.rate).toFixed(1)}×` : 'missing', imp && gaRow ? imp.rate > 15 * gaRow.rate : null);
for (const s of [parse, imp].filter(Boolean)) goal(`\`${s.name}\` peak RSS`, '< 200 MB', `${s.maxRssMb.toFixed(0)} MB (max of ${s.runs.length})`, s.maxRssMb < 200);
const goals = ['| goal | target | measured | |', '|---|---|---|---|', ...goalRows].join('\n');

console.log(`\n${table}\n\n${goals}\n`);

if (values.write) {
  const nodeVersion = process.version;
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const body = `## Import: parse and build a model from a ${fmt(fileLines)}-line combined log

Reproduce with:

\`\`\`sh
npm run build && node bench/import.mjs --lines ${LINES} --rounds ${ROUNDS} --write BENCHMARKS.md
\`\`\`

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${cpus().length} CPUs (\`nproc\` ${nprocOf()}; ${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${nodeVersion}
- load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}
- input: \`bench/gen-combined.mjs --lines ${LINES}\` (deterministic, seed 1): ${fmt(fileLines)} lines, ${(fileBytes / 1e6).toFixed(0)} MB, one day of a shop
- contenders, alternating, ${ROUNDS} rounds; medians; peak RSS from \`/usr/bin/time -f %M\`:
${summary.map((s) => `  - ${s.name}: \`${s.shown}\`${s.version ? ` (${s.version})` : ''}${s.missing ? ' — missing' : ''}`).join('\n')}

${table}

### Against the goals of issue 3

${goals}
`;
  // Only this benchmark's section of the file: the other benchmarks' sections stay as they are.
  writeSection(values.write, 'import', body);
  console.error(`bench: wrote the import section of ${values.write}`);
}

function nprocOf() {
  const r = spawnSync('nproc', [], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}
