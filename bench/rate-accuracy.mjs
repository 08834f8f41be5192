#!/usr/bin/env node
// How exactly each contender keeps a fixed request rate against nginx on 127.0.0.1: at 1,000,
// 5,000 and 10,000 requests/s, the achieved/target ratio, tidemark's scheduler lag (p50/p99/max
// from results.json) and event-loop delay, and burstiness: nginx logs each request's time
// (`$msec`), and the counts per 10 ms slot are set beside what evenly spaced arrivals promise
// (R/100 per slot). Alternating contenders, several rounds, medians.
//
//   npm run build && node bench/rate-accuracy.mjs [--quick] [--rounds 3] [--duration 20] [--rates 1000,5000,10000] [--write BENCHMARKS.md]
//
// Contenders (50 connections each):
//   tidemark    run MODEL --rate R --duration Ds --connections 50   (evenly spaced arrivals)
//   autocannon  autocannon --overallRate R -c 50 -d D
//   raw undici open loop  bench/raw-undici.mjs --rate R --connections 50 (tidemark's client alone,
//               sent the same way, warmed up the same way: what the tail is without tidemark)
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { checkPrerequisites, parseOptions, fmt, fmtInt, machineLine, markdownTable, median, numberOption, tempDir, textTable, uptimeLine, writeSection } from './lib/common.mjs';
import { autocannonPath, autocannonVersion, runAutocannon, runRawUndici, runTidemark, steadyP99s, undiciVersion } from './lib/contenders.mjs';
import { requireNginx, startNginx } from './lib/nginx.mjs';
import { writeModel } from './lib/models.mjs';
import { slotStats } from './lib/slots.mjs';

const values = parseOptions({
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    rates: { type: 'string', default: '1000,5000,10000' },
    connections: { type: 'string' },
    only: { type: 'string' },
    write: { type: 'string' },
  }, 'node bench/rate-accuracy.mjs [--quick] [--rounds N] [--duration S] [--rates R,R,R] [--connections N] [--only NAMES] [--write FILE]');
checkPrerequisites();
requireNginx();
const QUICK = values.quick;
const ROUNDS = numberOption(values, 'rounds', 3);
const DURATION = numberOption(values, 'duration', QUICK ? 8 : 20);
if (DURATION < 5) {
  // Seconds 0-1 are start-up and the last is the end: the steady state needs a few in between.
  console.error('bench: --duration must be at least 5 (seconds)');
  process.exit(2);
}
const CONNECTIONS = numberOption(values, 'connections', 50);
const RATES = values.rates.split(',').map(Number);
if (RATES.some((r) => !(r > 0 && r <= 100_000))) {
  console.error('bench: --rates takes rates from 1 to 100000, comma-separated');
  process.exit(2);
}
// Event-loop delay histograms count the sampling interval in: an idle loop reads ~10 ms at resolution 10.
const ELD_RESOLUTION_MS = 10;
const timeoutMs = (DURATION + 60) * 1000;
const work = tempDir('rate-accuracy');
const model = writeModel(join(work, 'model.json'), { paths: ['/'] });
const out = join(work, 'results.json');

const contenders = [
  { name: 'tidemark', kind: 'tidemark', args: ['--connections', String(CONNECTIONS)], available: true, shown: (r) => `tidemark run model.json --rate ${r} --duration ${DURATION}s --connections ${CONNECTIONS}` },
  // What a user gets without --connections: as many sockets as requests in flight.
  { name: 'tidemark, default sockets', kind: 'tidemark', args: [], available: true, shown: (r) => `tidemark run model.json --rate ${r} --duration ${DURATION}s` },
  { name: 'autocannon', kind: 'autocannon', available: autocannonPath() !== null, shown: (r) => `autocannon --overallRate ${r} -c ${CONNECTIONS} -d ${DURATION}`, version: autocannonVersion() },
  { name: 'raw undici open loop', kind: 'raw-open', available: true, shown: (r) => `node bench/raw-undici.mjs --rate ${r} --connections ${CONNECTIONS} --duration ${DURATION}`, version: `undici ${undiciVersion()}` },
].filter((c) => !values.only || values.only.split(',').includes(c.name));

async function runOnce(contender, rate) {
  const server = await startNginx({ accessLog: true });
  try {
    const row = { achieved: NaN, lag: null, steady: NaN, eld: null };
    if (contender.kind === 'tidemark') {
      const run = await runTidemark({ model, url: server.url, out, timeoutMs, args: ['--rate', String(rate), '--duration', `${DURATION}s`, ...contender.args] });
      const r = run.results;
      row.achieved = r.rate.achievedPerSec / rate;
      row.errors = r.totals.errors;
      row.lag = r.schedulerLagMs;
      row.steady = median(steadyP99s(r, 2, DURATION - 1));
      row.eld = r.eventLoopDelayMs;
      row.cpuSec = run.cpuSec;
    } else if (contender.kind === 'raw-open') {
      const run = await runRawUndici({ url: `${server.url}/`, connections: CONNECTIONS, durationSec: DURATION, timeoutMs, rate });
      row.achieved = run.ratePerSec / rate;
      row.errors = run.errors;
      // No send time of its own: latency from the intended time (nginx's sub-millisecond answer in it).
      row.lag = run.line.latencyMs;
      row.steady = median(steadyP99s(run.line, 2, DURATION - 1));
      row.cpuSec = run.cpuSec;
    } else {
      const run = await runAutocannon({ url: `${server.url}/`, timeoutMs, args: ['--overallRate', String(rate), '-c', String(CONNECTIONS), '-d', String(DURATION)] });
      row.achieved = run.ratePerSec / rate;
      row.errors = run.errors;
      row.cpuSec = run.cpuSec;
    }
    await server.stop();
    row.slots = slotStats(server.accessLogPath, rate);
    const s = row.slots;
    console.error(
      `    ${contender.name.padEnd(25)} achieved ${fmt(row.achieved * 100, 2)}%` +
        (row.lag ? `, lag p50/p99/max ${row.lag.p50}/${row.lag.p99}/${row.lag.max} ms, steady p99 ${fmt(row.steady)} ms${row.eld ? `, ELD p99 ${row.eld.p99} ms` : ''}` : '') +
        (s ? `, 10 ms slots: expect ${fmt(s.expected, 1)}, p1/p50/p99/max ${s.p1}/${s.p50}/${s.p99}/${s.max}, dispersion ${fmt(s.dispersion)}` : ''),
    );
    return row;
  } finally {
    await server.stop();
    server.cleanup();
  }
}

const uptimeBefore = uptimeLine();
console.error(`bench rate-accuracy: rates ${RATES.join(', ')}/s, ${ROUNDS} rounds of ${DURATION} s; ${uptimeBefore}`);
const runs = new Map();
const key = (c, r) => `${c}@${r}`;
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const rate of RATES) {
      const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]);
      for (const c of order) {
        if (!c.available) continue;
        console.error(`  round ${round}, ${fmtInt(rate)}/s: ${c.name}`);
        let row;
        try {
          row = await runOnce(c, rate);
        } catch (err) {
          console.error(`    ${c.name} failed: ${err.message.split('\n').slice(0, 3).join(' ')}`);
          row = { failed: true };
        }
        if (!runs.has(key(c.name, rate))) runs.set(key(c.name, rate), []);
        runs.get(key(c.name, rate)).push(row);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const uptimeAfter = uptimeLine();

const m = (rows, f) => median(rows.map(f).filter((x) => x !== undefined && x !== null));
const header = ['rate', 'contender', 'achieved / target', 'lag p50 / p99 / max ms', 'steady p99 ms', 'event-loop delay p50 / p99 / max ms', '10 ms slot: promised', 'slot p1 / p50 / p99 / max', 'slots within ±10%', 'dispersion (var/mean)'];
const rows = [];
const summary = [];
for (const rate of RATES) {
  for (const c of contenders) {
    const rs = runs.get(key(c.name, rate))?.filter((r) => !r.failed);
    if (!c.available || !rs || rs.length === 0) {
      rows.push([fmtInt(rate), c.name, 'missing (not installed)', '–', '–', '–', '–', '–', '–', '–']);
      continue;
    }
    const s = {
      rate,
      name: c.name,
      achieved: m(rs, (r) => r.achieved),
      lag: rs[0].lag ? { p50: m(rs, (r) => r.lag.p50), p99: m(rs, (r) => r.lag.p99), max: m(rs, (r) => r.lag.max) } : null,
      steady: m(rs, (r) => r.steady),
      eld: rs[0].eld ? { p50: m(rs, (r) => Math.max(0, r.eld.p50 - ELD_RESOLUTION_MS)), p99: m(rs, (r) => Math.max(0, r.eld.p99 - ELD_RESOLUTION_MS)), max: m(rs, (r) => Math.max(0, r.eld.max - ELD_RESOLUTION_MS)) } : null,
      slots: rs[0].slots
        ? { expected: rs[0].slots.expected, p1: m(rs, (r) => r.slots.p1), p50: m(rs, (r) => r.slots.p50), p99: m(rs, (r) => r.slots.p99), max: m(rs, (r) => r.slots.max), within: m(rs, (r) => r.slots.within10), dispersion: m(rs, (r) => r.slots.dispersion) }
        : null,
    };
    summary.push(s);
    rows.push([
      fmtInt(rate),
      c.name,
      `${fmt(s.achieved * 100, 2)}%`,
      s.lag ? `${fmt(s.lag.p50)} / ${fmt(s.lag.p99)} / ${fmt(s.lag.max)}` : 'n/a',
      s.lag ? fmt(s.steady) : 'n/a',
      s.eld ? `${fmt(s.eld.p50)} / ${fmt(s.eld.p99)} / ${fmt(s.eld.max)}` : 'n/a',
      s.slots ? fmt(s.slots.expected, 0) : '–',
      s.slots ? `${s.slots.p1} / ${s.slots.p50} / ${s.slots.p99} / ${s.slots.max}` : '–',
      s.slots ? `${fmt(s.slots.within * 100, 1)}%` : '–',
      s.slots ? fmt(s.slots.dispersion) : '–',
    ]);
  }
}
console.log(`\n${textTable(header, rows)}\n`);

const goals = [];
const goal = (what, target, measuredText, ok) => goals.push([what, target, measuredText, ok === null ? 'not measured' : ok ? 'met' : 'not met']);
const tms = summary.filter((s) => s.name === 'tidemark' || s.name === 'tidemark, default sockets');
for (const s of tms) {
  const who = s.name === 'tidemark' ? '' : ` (${s.name})`;
  goal(`${fmtInt(s.rate)}/s${who}: achieved / target`, 'within 1%', `${fmt(s.achieved * 100, 2)}%`, Math.abs(s.achieved - 1) <= 0.01);
  goal(`${fmtInt(s.rate)}/s${who}: scheduler lag p99`, '< 2 ms', `${fmt(s.lag.p99)} ms over the run (steady-state per-second p99 ${fmt(s.steady)} ms)`, s.lag.p99 < 2);
  goal(`${fmtInt(s.rate)}/s${who}: no bursts`, '≥ 99% of 10 ms slots within ±10% (min ±1) of R/100', s.slots ? `${fmt(s.slots.within * 100, 1)}% (dispersion ${fmt(s.slots.dispersion)})` : 'missing', s.slots ? s.slots.within >= 0.99 : null);
}
// The same figures for tidemark's client alone, beside them: how much of the tail is tidemark's.
for (const s of summary.filter((x) => x.name === 'raw undici open loop')) {
  goals.push([`${fmtInt(s.rate)}/s (raw undici open loop, for comparison): latency p99 from the intended time`, '–', `${fmt(s.lag.p99)} ms over the run (steady-state per-second p99 ${fmt(s.steady)} ms); slots within ±10%: ${s.slots ? `${fmt(s.slots.within * 100, 1)}%` : 'missing'}`, 'not a goal']);
}

if (values.write) {
  const md = `## Rate accuracy: fixed rates against nginx \`return 200\` on 127.0.0.1

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${machineLine()}; nginx shares the same cores and logs every request's time (\`$msec\`)
- load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`
- command: \`node bench/rate-accuracy.mjs${QUICK ? ' --quick' : ''} --rounds ${ROUNDS} --duration ${DURATION} --rates ${RATES.join(',')}\` (${ROUNDS} rounds of ${DURATION} s per rate and contender, alternating, medians)
- contenders: ${contenders.map((c) => `${c.name} \`${c.shown('R')}\`${c.version ? ` (${c.version})` : ''}${c.available ? '' : ' — missing'}`).join('; ')}
- lag: tidemark's scheduler lag over the whole run (results.json \`schedulerLagMs\`, start-up included); steady p99: the median over seconds 2..${DURATION - 1} of each second's p99 latency from the intended time (nginx answers in well under 1 ms, so it is lag). Event-loop delay: results.json's figures minus the ${ELD_RESOLUTION_MS} ms sampling interval that Node's histogram counts in (an idle loop reads ~10 ms). Slots: requests per 10 ms by nginx's clock, seconds 2 to the last but one; evenly spaced arrivals promise R/100 in every slot; dispersion is var/mean of the slot counts (~0 evenly spaced, 1 Poisson, ≫ 1 bursts). autocannon has no lag or loop figures (n/a). The raw undici open loop has no send time of its own: its lag column is its latency from the intended time (nginx's sub-millisecond answer included), its steady p99 the same as tidemark's, and it has no loop figures.

${markdownTable(header, rows)}

### Against the goals of issue 11

${markdownTable(['goal', 'target', 'measured (tidemark)', ''], goals, { left: true })}
`;
  writeSection(values.write, 'rate-accuracy', md);
  console.error(`bench: wrote the rate-accuracy section of ${values.write}`);
}
