#!/usr/bin/env node
// Peak RSS of `tidemark import` on a log built to stress its memory bounds (issues 4 and 10):
// N lines, 1,000,000 distinct paths (every other line an /items/<slug>/<n> path, cycling through
// `--paths` of them; the others product pages), and 100,000 clients active at once (sessions
// interleaved, each with its own IP + user agent), so that the route tree's cap, the other
// bucket and session expiry all have to work.
//   node bench/import-memory.mjs [--lines 2000000[,10000000]] [--paths 1000000] [--clients 100000] [--rounds 1] [--write BENCHMARKS.md]
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeSection } from './lib/common.mjs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    paths: { type: 'string', default: '1000000' },
    clients: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '1' },
    write: { type: 'string' },
  },
});
// `--lines 2000000,10000000`: one row per size.
const sizes = values.lines.split(',').map(Number);
const paths = Number(values.paths);
const clients = Number(values.clients);
const rounds = Number(values.rounds);
const dir = join(tmpdir(), 'tidemark-bench');
mkdirSync(dir, { recursive: true });

/** The log of `lines` lines (written once, then reused: the same arguments give the same bytes). */
async function logFile(lines) {
  const file = join(dir, `distinct-${lines}-${paths}-${clients}.log`);
  if (existsSync(file)) return file;
  const out = createWriteStream(file);
  const start = Date.UTC(2026, 10, 27, 0, 0, 0);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n) => String(n).padStart(2, '0');
  let buffer = '';
  for (let i = 0; i < lines; i++) {
    // Every client makes a request every `clients` lines: all of them are live at once.
    const client = i % clients;
    const t = new Date(start + Math.floor((i * 3600_000) / lines)); // one hour
    const ts = `${pad(t.getUTCDate())}/${months[t.getUTCMonth()]}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0000`;
    const ip = `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`;
    const k = (i / 2) % paths;
    const path = i % 2 === 0 ? `/items/slug-${k.toString(36)}/${2 * k}` : `/api/products/${i % 5000}`;
    buffer += `${ip} - - [${ts}] "GET ${path} HTTP/1.1" 200 512 "-" "bench-client/${client}"\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((r) => out.once('drain', r));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise((r) => out.once('finish', r));
  return file;
}

const bin = new URL('../bin/tidemark.js', import.meta.url).pathname;
const modelFile = join(dir, `distinct-model-${process.pid}.json`);
/** One import under /usr/bin/time: peak RSS, seconds, the model. */
function importOnce(file) {
  const started = Date.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, 'import', file, '-o', modelFile], { encoding: 'utf8' });
  const seconds = (Date.now() - started) / 1000;
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(1);
  }
  const peakMb = Number(result.stderr.trim().split('\n').pop()) / 1024;
  const model = JSON.parse(readFileSync(modelFile, 'utf8'));
  rmSync(modelFile, { force: true });
  return { peakMb, seconds, model };
}

const rows = [];
for (const lines of sizes) {
  const file = await logFile(lines);
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    runs.push(importOnce(file));
    console.error(`  ${lines} lines, round ${r + 1}: ${runs[r].peakMb.toFixed(0)} MB, ${runs[r].seconds.toFixed(1)} s`);
  }
  const maxRss = Math.max(...runs.map((x) => x.peakMb));
  const seconds = [...runs.map((x) => x.seconds)].sort((x, y) => x - y)[runs.length >> 1];
  const { model } = runs[0];
  rows.push(
    `| ${lines.toLocaleString('en')} | ${Math.min(paths, lines / 2).toLocaleString('en')} | ${runs.map((x) => x.peakMb.toFixed(0)).join(' / ')} MB | ${maxRss.toFixed(0)} MB | < 200 MB (${maxRss < 200 ? 'met' : 'not met'}) | ${seconds.toFixed(1)} s | ${Math.round(lines / seconds).toLocaleString('en')} | ${model.endpoints.length} (${model.endpoints.map((e) => e.key).join(', ')}) | ${model.sessions.count.toLocaleString('en')} |`,
  );
}
const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
const section = `<!-- bench:import-memory -->
## Import memory: up to ${paths.toLocaleString('en')} distinct paths and ${clients.toLocaleString('en')} concurrent sessions

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; machine: ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load after: \`${load}\`
- command: \`node bench/import-memory.mjs --lines ${sizes.join(',')} --paths ${paths} --clients ${clients} --rounds ${rounds}\`
- input: N combined lines over one hour; every other line an \`/items/<slug>/<n>\` path (cycling through ${paths.toLocaleString('en')} of them), the others product pages; ${clients.toLocaleString('en')} clients (address + user agent each) all live at once
- peak RSS from \`/usr/bin/time -f %M\`, every round shown (it moves with the garbage collector's timing); time: median

| lines | distinct paths | peak RSS (rounds) | max | goal | time | lines/s | endpoints in the model | sessions |
|---:|---:|---:|---:|---|---:|---:|---:|---:|
${rows.join('\n')}
<!-- /bench:import-memory -->
`;
console.log(section);
if (values.write) {
  const body = section.replace('<!-- bench:import-memory -->\n', '').replace('<!-- /bench:import-memory -->\n', '');
  writeSection(values.write, 'import-memory', body);
}
