#!/usr/bin/env node
// Issue 9's question on this machine: does `--workers 2` sustain rates that one thread cannot?
// max-rate's search finds each configuration's highest passing rate, but its steps are coarse
// (a doubling, then bisections) and each configuration walks its own path; here both play the
// same fixed rates, one after the other, round after round (order rotated each round), against
// nginx `return 200` on 127.0.0.1 (50 connections), and each run is judged by max-rate's rules
// (bench/lib/contenders.mjs judgeOpenRun): it sustained R when it achieved ≥ 99% of R with no
// error or dropped session and, over seconds 2..D-2, the median per-second p50 latency from the
// intended time stayed under 10 ms ("keeps up": no standing backlog). The tail rule (median
// per-second p99 under 10 ms) is reported beside it.
//
//   npm run build && node bench/workers.mjs [--rates 30000,34000,38000] [--rounds 4] [--duration 8] [--write BENCHMARKS.md]
//
// Prints, per rate and configuration: runs that kept up and that held the tail, out of the
// rounds; the median achieved rate, steady per-second p50 and p99, dropped sessions, and CPU per
// request (user + system of the whole process, warm-up included, ÷ requests).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, fmt, fmtInt, machineLine, markdownTable, median, numberOption, parseOptions, tempDir, textTable, uptimeLine, writeSection } from './lib/common.mjs';
import { judgeOpenRun, runTidemark } from './lib/contenders.mjs';
import { requireNginx, startNginx } from './lib/nginx.mjs';
import { writeModel } from './lib/models.mjs';

const values = parseOptions(
  {
    rates: { type: 'string', default: '30000,34000,38000' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    write: { type: 'string' },
  },
  'node bench/workers.mjs [--rates R,R,...] [--rounds N] [--duration S] [--write FILE]',
);
checkPrerequisites();
const RATES = values.rates.split(',').map(Number);
if (RATES.length === 0 || RATES.some((r) => !(r > 0 && r <= 400_000))) {
  console.error('bench: --rates takes requests per second, 1 to 400,000, comma-separated');
  process.exit(2);
}
const ROUNDS = numberOption(values, 'rounds', 4);
const DURATION = numberOption(values, 'duration', 8);
if (DURATION < 5) {
  console.error('bench: --duration must be at least 5 (seconds)');
  process.exit(2);
}
const CONNECTIONS = 50;
const MAX_LAG_MS = 10;
const CONFIGS = [1, 2];
const timeoutMs = (DURATION + 60) * 1000;
requireNginx();

const work = tempDir('workers');
const model = writeModel(join(work, 'model.json'), { paths: ['/'] });
const out = join(work, 'results.json');
const uptimeBefore = uptimeLine();
console.error(`bench workers: rates ${RATES.map(fmtInt).join(', ')}; ${ROUNDS} rounds of ${DURATION} s runs; ${uptimeBefore}`);
const server = await startNginx();
/** `${rate}/${workers}` → the runs' judgements and figures. */
const runs = new Map();
function record(rate, workers, figures) {
  const key = `${rate}/${workers}`;
  if (!runs.has(key)) runs.set(key, []);
  runs.get(key).push(figures);
}
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const rate of RATES) {
      const order = round % 2 === 1 ? CONFIGS : [...CONFIGS].reverse();
      for (const workers of order) {
        let run;
        try {
          run = await runTidemark({ model, url: server.url, out, timeoutMs, args: ['--rate', String(rate), '--duration', `${DURATION}s`, '--connections', String(CONNECTIONS), '--workers', String(workers)] });
        } catch (err) {
          // A run that did not finish did not keep up: counted as such, with no figures.
          console.error(`  round ${round}  R=${fmtInt(rate)}  --workers ${workers}  FAIL (${err.message.split('\n')[0]})`);
          record(rate, workers, { keepsUp: false, tail: false, achieved: NaN, dropped: NaN, steadyP50: NaN, steadyP99: NaN, cpuUsPerRequest: NaN });
          continue;
        }
        const res = run.results;
        const figures = { achievedPerSec: res.rate.achievedPerSec, errors: res.totals.errors, dropped: res.totals.dropped, series: res.series };
        const keepsUp = judgeOpenRun(figures, rate, DURATION, 'keeps-up', MAX_LAG_MS);
        const tail = judgeOpenRun(figures, rate, DURATION, 'tail', MAX_LAG_MS);
        const cpuUsPerRequest = (run.cpuSec / Math.max(1, res.totals.requests)) * 1e6;
        record(rate, workers, { keepsUp: keepsUp.ok, tail: tail.ok, achieved: figures.achievedPerSec, dropped: figures.dropped, steadyP50: keepsUp.steadyP50, steadyP99: keepsUp.steady, cpuUsPerRequest });
        console.error(
          `  round ${round}  R=${fmtInt(rate).padStart(7)}  --workers ${workers}  ${keepsUp.ok ? 'keeps up' : 'behind  '}  achieved ${fmtInt(figures.achievedPerSec)}/s, dropped ${fmtInt(figures.dropped)}, steady p50/p99 ${fmt(keepsUp.steadyP50)}/${fmt(keepsUp.steady)} ms, ${fmt(cpuUsPerRequest, 1)} µs CPU/request${keepsUp.ok ? '' : `  (${keepsUp.reasons.join(', ')})`}`,
        );
      }
    }
  }
} finally {
  await server.stop();
  server.cleanup();
  rmSync(work, { recursive: true, force: true });
}
const uptimeAfter = uptimeLine();

const header = ['rate', 'configuration', 'kept up', 'held the tail', 'achieved (median)', 'dropped (median)', 'steady p50 ms (median)', 'steady p99 ms (median)', 'CPU µs / request'];
const rows = [];
for (const rate of RATES) {
  for (const workers of CONFIGS) {
    const rs = runs.get(`${rate}/${workers}`) ?? [];
    const count = (field) => `${rs.filter((r) => r[field]).length} of ${rs.length}`;
    rows.push([fmtInt(rate), `--workers ${workers}`, count('keepsUp'), count('tail'), fmtInt(median(rs.map((r) => r.achieved))), fmtInt(median(rs.map((r) => r.dropped))), fmt(median(rs.map((r) => r.steadyP50))), fmt(median(rs.map((r) => r.steadyP99))), fmt(median(rs.map((r) => r.cpuUsPerRequest)), 1)]);
  }
}
console.log(`\n${textTable(header, rows)}\n`);

if (values.write) {
  const md = `## One thread or two: fixed rates, \`--workers 1\` and \`--workers 2\` in turn

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${machineLine()}; nginx shares the same cores
- load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`
- command: \`node bench/workers.mjs --rates ${RATES.join(',')} --rounds ${ROUNDS} --duration ${DURATION}\`
- each run: \`tidemark run model.json --rate R --duration ${DURATION}s --connections ${CONNECTIONS} --workers N\` against nginx \`return 200\` on 127.0.0.1, the two configurations one after the other at each rate, round after round (order swapped each round). *Kept up*: achieved ≥ 99% of R, no error or dropped session, and the median over seconds 2..${DURATION - 2} of the per-second p50 latency from the intended time under ${MAX_LAG_MS} ms (max-rate's keeps-up rule); *held the tail*: the same with the per-second p99s. CPU is user + system of the whole process (warm-up included) ÷ requests.

${markdownTable(header, rows)}
`;
  writeSection(values.write, 'workers', md);
  console.error(`bench: wrote the workers section of ${values.write}`);
}
