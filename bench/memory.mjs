#!/usr/bin/env node
// Peak RSS of `tidemark run` holding about 1,000, 10,000 and 50,000 live sessions, and what each
// live session costs beyond a fixed base. Sessions are long: 11 requests with 60 s think times
// (10 minutes each; 30 s with --quick), so with a warm start the run opens with rate × 600 s
// sessions already under way, each waiting for its next request; nginx `return 200` answers
// (live/60 requests/s). A run lasts one think time + 5 s, so that every session under way has a
// request inside it (tidemark does not keep a session whose next request falls after the end).
//
//   npm run build && node bench/memory.mjs [--quick] [--rounds 3] [--think-sec 60] [--sessions 1000,10000,50000] [--write BENCHMARKS.md]
//
// Each size runs `tidemark run model.json --target URL --duration D --max-in-flight 200000`
// (window peak at the model's session rate, warm start on) under /usr/bin/time (peak RSS).
// The base is the same run with 100 live sessions; per-session cost = (RSS − base RSS) ÷
// (live − 100). Live sessions at the start = sessions started − the arrivals of the run (rate × D).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, parseOptions, fmt, fmtInt, machineLine, markdownTable, median, numberOption, tempDir, textTable, uptimeLine, writeSection } from './lib/common.mjs';
import { runTidemark } from './lib/contenders.mjs';
import { writeModel } from './lib/models.mjs';
import { requireNginx, startNginx } from './lib/nginx.mjs';

const values = parseOptions({
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    'think-sec': { type: 'string' },
    sessions: { type: 'string', default: '1000,10000,50000' },
    write: { type: 'string' },
  }, 'node bench/memory.mjs [--quick] [--rounds N] [--think-sec S] [--duration S] [--sessions N,N,N] [--write FILE]');
checkPrerequisites();
requireNginx();
const QUICK = values.quick;
const ROUNDS = numberOption(values, 'rounds', 3);
// A warm-started session is live only when its next request falls inside the run, so a run
// lasts a little longer than one think time: every session under way has a request in it.
const THINK_MS = numberOption(values, 'think-sec', QUICK ? 30 : 60) * 1000;
const DURATION = numberOption(values, 'duration', THINK_MS / 1000 + 5);
const SIZES = values.sessions.split(',').map(Number);
if (SIZES.some((n) => !(n >= 1 && n <= 150_000))) {
  console.error('bench: --sessions takes counts from 1 to 150000, comma-separated');
  process.exit(2);
}
const BASE = 100;
const LENGTH = 11;
const SESSION_SEC = ((LENGTH - 1) * THINK_MS) / 1000;
const paths = Array.from({ length: LENGTH }, (_, i) => `/step/${i}`);
const timeoutMs = (DURATION + 120) * 1000;
const work = tempDir('memory');
const out = join(work, 'results.json');

async function runOnce(server, live) {
  const rate = live / SESSION_SEC;
  const model = writeModel(join(work, `model-${live}.json`), { paths, chain: true, thinkTimeMs: THINK_MS, sessionsPerSec: rate });
  const run = await runTidemark({ model, url: server.url, out, timeoutMs, args: ['--duration', `${DURATION}s`, '--max-in-flight', '200000'] });
  const r = run.results;
  const warm = r.totals.sessionsStarted - rate * DURATION;
  console.error(`    ${fmtInt(live).padStart(6)} asked: ~${fmtInt(warm)} live at the start, ${fmtInt(r.totals.sessionsStarted)} started, ${fmtInt(r.totals.requests)} requests, ${r.totals.errors} errors, ${r.totals.dropped} dropped; peak RSS ${fmt(run.peakRssMb, 1)} MB, CPU ${fmt(run.cpuSec)} s`);
  return { live: warm, rssMb: run.peakRssMb, requests: r.totals.requests, errors: r.totals.errors, dropped: r.totals.dropped };
}

const uptimeBefore = uptimeLine();
console.error(`bench memory: ${[BASE, ...SIZES].join(', ')} live sessions, ${DURATION} s runs, ${ROUNDS} rounds; ${uptimeBefore}`);
const server = await startNginx();
const runs = new Map([BASE, ...SIZES].map((n) => [n, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? [BASE, ...SIZES] : [...SIZES].reverse().concat(BASE);
    console.error(`  round ${round}:`);
    for (const n of order) runs.get(n).push(await runOnce(server, n));
  }
} finally {
  await server.stop();
  server.cleanup();
  rmSync(work, { recursive: true, force: true });
}
const uptimeAfter = uptimeLine();

const base = { live: median(runs.get(BASE).map((r) => r.live)), rssMb: median(runs.get(BASE).map((r) => r.rssMb)) };
const header = ['live sessions (asked)', 'live at the start (measured)', 'peak RSS (median)', 'rounds', 'beyond the base', 'per live session'];
const rows = [[`${fmtInt(BASE)} (base)`, fmtInt(base.live), `${fmt(base.rssMb, 1)} MB`, runs.get(BASE).map((r) => fmt(r.rssMb, 0)).join(' / '), '–', '–']];
const goals = [];
for (const n of SIZES) {
  const rs = runs.get(n);
  const live = median(rs.map((r) => r.live));
  const rss = median(rs.map((r) => r.rssMb));
  const perKb = ((rss - base.rssMb) * 1024) / (live - base.live);
  rows.push([fmtInt(n), fmtInt(live), `${fmt(rss, 1)} MB`, rs.map((r) => fmt(r.rssMb, 0)).join(' / '), `${fmt(rss - base.rssMb, 1)} MB`, `${fmt(perKb, 2)} KB`]);
  goals.push([`${fmtInt(n)} live sessions`, '< 10 KB per live session beyond the base', `${fmt(perKb, 2)} KB`, perKb < 10 ? 'met' : 'not met']);
}
console.log(`\n${textTable(header, rows)}\n`);

if (values.write) {
  const md = `## Memory: peak RSS with live sessions

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${machineLine()}
- load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`
- command: \`node bench/memory.mjs${QUICK ? ' --quick' : ''} --rounds ${ROUNDS} --think-sec ${THINK_MS / 1000} --sessions ${SIZES.join(',')}\` (${ROUNDS} rounds, sizes alternating, medians)
- each run: \`tidemark run model.json --target NGINX --duration ${DURATION}s --max-in-flight 200000\` (window peak, warm start on), the model a chain of ${LENGTH} requests with ${THINK_MS / 1000} s think times (${SESSION_SEC / 60}-minute sessions) at live ÷ ${SESSION_SEC} sessions/s, so the run opens with that many sessions under way, each holding its whole planned walk (${LENGTH} requests); peak RSS from \`/usr/bin/time -f %M\`. Per-session cost = (RSS − base RSS) ÷ (live − base live).

${markdownTable(header, rows)}

### Against the goals of issue 11

${markdownTable(['goal', 'target', 'measured', ''], goals, { left: true })}
`;
  writeSection(values.write, 'memory', md);
  console.error(`bench: wrote the memory section of ${values.write}`);
}
