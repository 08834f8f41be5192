#!/usr/bin/env node
// The highest request rate each contender sustains against nginx `return 200` on 127.0.0.1, in
// one run, alternating contenders round by round; medians with ratios to tidemark; generator CPU
// seconds per 100,000 requests (user + system of the whole process, from /usr/bin/time).
//
//   npm run build && node bench/max-rate.mjs [--quick] [--rounds 3] [--duration 10] [--write BENCHMARKS.md]
//
// Contenders (50 connections each):
//   tidemark            run MODEL --rate R --connections 50   (open model, evenly spaced arrivals,
//                       one synthesized session per request, HDR recording on)
//   tidemark --workers 2  the same on two worker threads
//   raw undici open loop  bench/raw-undici.mjs --rate R: tidemark's client alone, open model
//                       (evenly spaced intended times, the scheduler's timer-and-batch sending,
//                       latency from the intended time; no schedule, sessions or histograms)
//   raw undici          bench/raw-undici.mjs: a closed loop of Pool.dispatch (tidemark's client, bare)
//   autocannon          autocannon -c 50 -d D
//   wrk                 wrk -c 50 -t 1 -d Ds
// The closed loops report their throughput. tidemark and the open loop are open-model: the figure is the
// highest R it keeps (a short search: R doubles until a run fails, then a few bisections) where a
// run passes when it achieved ≥ 99% of R, had no errors and no dropped sessions, and its latency
// from the intended send time stayed low in steady state, by one of two rules (nginx answers in
// well under 1 ms, so this latency is the generator's own lag):
//   tail      the median over seconds 2..D-1 of each second's p99 is under --max-lag-ms (10 ms):
//             no second's slowest 1% waits long. Few-ms pauses of the process (a young-generation
//             GC, then the burst of sends it held back) fail it at any rate on this machine now
//             and then, the bare client's open loop as much as tidemark.
//   keeps up  the same median of each second's p50 is under 10 ms: the typical request goes out
//             on time, i.e. no standing backlog. What "sustains rate R" means for throughput.
// A contender that is not installed is reported as "missing".
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { checkPrerequisites, parseOptions, fmt, fmtInt, machineLine, markdownTable, median, numberOption, tempDir, textTable, uptimeLine, writeSection } from './lib/common.mjs';
import { artilleryPath, artilleryVersion, runArtillery } from './lib/artillery.mjs';
import { autocannonPath, autocannonVersion, judgeOpenRun, runAutocannon, runRawUndici, runTidemark, runWrk, undiciVersion, wrkPath, wrkVersion } from './lib/contenders.mjs';
import { nginxPath, requireNginx, startNginx } from './lib/nginx.mjs';
import { writeModel } from './lib/models.mjs';

const values = parseOptions({
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    start: { type: 'string' },
    bisections: { type: 'string' },
    'max-lag-ms': { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    write: { type: 'string' },
  }, 'node bench/max-rate.mjs [--quick] [--rounds N] [--duration S] [--start R] [--bisections N] [--max-lag-ms MS] [--connections N] [--only NAMES] [--write FILE]');
checkPrerequisites();
const QUICK = values.quick;
const ROUNDS = numberOption(values, 'rounds', 3);
const DURATION = numberOption(values, 'duration', QUICK ? 5 : 10);
if (DURATION < 5) {
  // Seconds 0-1 are start-up and the last is the end: the steady state needs a few in between.
  console.error('bench: --duration must be at least 5 (seconds)');
  process.exit(2);
}
const START = numberOption(values, 'start', 4000);
const BISECTIONS = numberOption(values, 'bisections', QUICK ? 2 : 3);
const MAX_LAG_MS = numberOption(values, 'max-lag-ms', 10);
const CONNECTIONS = numberOption(values, 'connections', 50);
const MAX_RATE = 400_000; // the search never asks for more (a bound on the loop)
const timeoutMs = (DURATION + 60) * 1000;

requireNginx();

const work = tempDir('max-rate');
const model = writeModel(join(work, 'model.json'), { paths: ['/'] });
const out = join(work, 'results.json');

/**
 * One open-model probe at rate R: pass or fail, and why. tidemark runs the CLI; "raw undici,
 * open loop" runs bench/raw-undici.mjs --rate R (the client alone, no schedule or histograms).
 */
async function probe(rate, contender) {
  let r;
  let run;
  try {
    if (contender.kind === 'tidemark') {
      run = await runTidemark({ model, url: server.url, out, timeoutMs, args: ['--rate', String(rate), '--duration', `${DURATION}s`, '--connections', String(CONNECTIONS), ...contender.extra] });
      const res = run.results;
      r = { achievedPerSec: res.rate.achievedPerSec, errors: res.totals.errors, dropped: res.totals.dropped, requests: res.totals.requests, series: res.series, lag: res.schedulerLagMs, eventLoop: res.eventLoopDelayMs };
    } else {
      run = await runRawUndici({ url: `${server.url}/`, connections: CONNECTIONS, durationSec: DURATION, timeoutMs, rate });
      r = { achievedPerSec: run.ratePerSec, errors: run.errors, dropped: 0, requests: run.requests, series: run.line.series, lag: null, eventLoop: null };
    }
  } catch (err) {
    console.error(`    R=${fmtInt(rate).padStart(7)}  FAIL  (${err.message.split('\n').slice(0, 2).join(' ')})`);
    return { ok: false, rate };
  }
  // Seconds 2..D-1: start-up and the end left out. Each second's p50 and p99 latency from the
  // intended time (nginx answers in well under a millisecond: this is the generator's lag).
  const { ok, reasons, steadyP50, steady } = judgeOpenRun(r, rate, DURATION, contender.rule, MAX_LAG_MS);
  const lagText = r.lag ? `, lag p50/p99/max ${r.lag.p50}/${r.lag.p99}/${r.lag.max} ms` : '';
  console.error(`    R=${fmtInt(rate).padStart(7)}  ${ok ? 'pass' : 'FAIL'}  achieved ${fmtInt(r.achievedPerSec)}/s${lagText}, steady p50/p99 ${fmt(steadyP50)}/${fmt(steady)} ms, CPU ${fmt(run.cpuSec)} s${ok ? '' : `  (${reasons.join(', ')})`}`);
  return { ok, rate, steady, steadyP50, requests: r.requests, cpuSec: run.cpuSec, peakRssMb: run.peakRssMb, lag: r.lag, eventLoop: r.eventLoop };
}

/** Doubles R from `start` until a probe fails, then bisects between the last pass and the fail. */
async function search(start, contender) {
  let best = null;
  let failed = null;
  let rate = start;
  while (rate <= MAX_RATE) {
    const p = await probe(rate, contender);
    if (!p.ok) {
      failed = rate;
      break;
    }
    best = p;
    rate *= 2;
  }
  if (failed !== null && best === null) {
    // Even the start failed: halve down (at most 4 times) to find a passing rate.
    for (let i = 0, r = start / 2; i < 4 && best === null; i++, r /= 2) {
      const p = await probe(Math.round(r), contender);
      if (p.ok) best = p;
      else failed = Math.round(r);
    }
  }
  let low = best?.rate ?? 0;
  let high = failed ?? MAX_RATE;
  for (let i = 0; i < BISECTIONS && best !== null && high - low > 100; i++) {
    const mid = Math.round((low + high) / 2 / 100) * 100;
    const p = await probe(mid, contender);
    if (p.ok) {
      best = p;
      low = mid;
    } else high = mid;
  }
  return best;
}

/** Virtual users per second offered to Artillery: above what it can send on this machine. */
const ARTILLERY_OFFERED = 4_000;
const openModel = [
  { name: 'tidemark', kind: 'tidemark', extra: [], shown: `tidemark run model.json --rate R --duration ${DURATION}s --connections ${CONNECTIONS}` },
  { name: 'tidemark --workers 2', kind: 'tidemark', extra: ['--workers', '2'], shown: `tidemark run model.json --rate R --duration ${DURATION}s --connections ${CONNECTIONS} --workers 2` },
  // The client alone in the same open model and under the same pass rules as tidemark: what any
  // open-model generator on undici could reach here, so tidemark ÷ it is the generator's overhead.
  { name: 'raw undici open loop', kind: 'raw-open', available: true, shown: `node bench/raw-undici.mjs --rate R --connections ${CONNECTIONS} --duration ${DURATION}`, version: `undici ${undiciVersion()}` },
];
const contenders = [
  // Each open-model contender is searched under both rules (see the header): "tail" and "keeps up".
  ...openModel.map((c) => ({ ...c, rule: 'tail' })),
  ...openModel.map((c) => ({ ...c, name: `${c.name} (keeps up)`, rule: 'keeps-up' })),
  { name: 'raw undici', kind: 'raw', available: true, shown: `node bench/raw-undici.mjs --connections ${CONNECTIONS} --duration ${DURATION}`, version: `undici ${undiciVersion()}` },
  { name: 'autocannon', kind: 'autocannon', available: autocannonPath() !== null, shown: `autocannon -c ${CONNECTIONS} -d ${DURATION}`, version: autocannonVersion() ? `autocannon ${autocannonVersion()}` : null },
  { name: 'wrk', kind: 'wrk', available: wrkPath() !== null, shown: `wrk -c ${CONNECTIONS} -t 1 -d ${DURATION}s`, version: wrkVersion() },
  // Artillery is open-model only: offered far above what it can send, its achieved rate is its maximum.
  { name: 'artillery', kind: 'artillery', available: artilleryPath() !== null, shown: `artillery run (phases: duration ${DURATION}, arrivalRate ${ARTILLERY_OFFERED}; one GET per virtual user)`, version: artilleryVersion() ? `artillery ${artilleryVersion()}` : null },
  // Locust (FastHttpUser) is a Python package from PyPI, which this machine cannot reach.
  { name: 'locust', kind: 'locust', available: false, shown: 'locust -f locustfile.py --headless (FastHttpUser): `pip install locust`', version: null },
].filter((c) => !values.only || values.only.split(',').includes(c.name));
for (const c of contenders) if (c.kind === 'tidemark') c.available = true;
const searched = (c) => c.kind === 'tidemark' || c.kind === 'raw-open';

const uptimeBefore = uptimeLine();
console.error(`bench max-rate: ${ROUNDS} rounds of ${DURATION} s runs, ${CONNECTIONS} connections; ${uptimeBefore}`);
const server = await startNginx();
const runs = new Map(contenders.map((c) => [c.name, []]));
const lastBest = new Map();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotate the order each round so that no contender always runs first (or last).
    const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]);
    for (const c of order) {
      if (!c.available) continue;
      console.error(`  round ${round}: ${c.name}`);
      if (searched(c)) {
        // Later rounds start the search at half the previous round's result: one doubling reaches it.
        const previous = lastBest.get(c.name);
        const start = previous ? Math.max(500, Math.round(previous / 2 / 100) * 100) : START;
        const best = await search(start, c);
        if (best) lastBest.set(c.name, best.rate);
        runs.get(c.name).push(best ? { ratePerSec: best.rate, requests: best.requests, cpuSec: best.cpuSec, peakRssMb: best.peakRssMb, lag: best.lag, steady: best.steady, steadyP50: best.steadyP50, eventLoop: best.eventLoop } : { ratePerSec: 0, requests: 0, cpuSec: NaN, peakRssMb: NaN });
        continue;
      }
      const args = { url: `${server.url}/`, timeoutMs };
      const r =
        c.kind === 'artillery'
          ? await runArtillery({ url: server.url, rate: ARTILLERY_OFFERED, durationSec: DURATION, timeoutMs: timeoutMs + 120_000 })
          : c.kind === 'raw'
          ? await runRawUndici({ ...args, connections: CONNECTIONS, durationSec: DURATION })
          : c.kind === 'autocannon'
            ? await runAutocannon({ ...args, args: ['-c', String(CONNECTIONS), '-d', String(DURATION)] })
            : await runWrk({ ...args, args: ['-c', String(CONNECTIONS), '-t', '1', '-d', `${DURATION}s`] });
      console.error(`    ${fmtInt(r.ratePerSec)} requests/s, ${r.errors} errors, CPU ${fmt(r.cpuSec)} s`);
      runs.get(c.name).push({ ratePerSec: r.ratePerSec, requests: r.requests, cpuSec: r.cpuSec, peakRssMb: r.peakRssMb });
    }
  }
} finally {
  await server.stop();
  server.cleanup();
  rmSync(work, { recursive: true, force: true });
}
const uptimeAfter = uptimeLine();

const summary = contenders.map((c) => {
  const rs = runs.get(c.name);
  if (!c.available || rs.length === 0) return { ...c, missing: true };
  return {
    ...c,
    missing: false,
    rate: median(rs.map((r) => r.ratePerSec)),
    rounds: rs.map((r) => r.ratePerSec),
    cpuPer100k: median(rs.map((r) => (r.cpuSec / r.requests) * 1e5)),
    rssMb: median(rs.map((r) => r.peakRssMb)),
    lag: rs[0].lag ? { p50: median(rs.map((r) => r.lag.p50)), p99: median(rs.map((r) => r.lag.p99)), max: median(rs.map((r) => r.lag.max)) } : null,
    steady: rs[0].steady !== undefined ? median(rs.map((r) => r.steady)) : null,
    steadyP50: rs[0].steadyP50 !== undefined ? median(rs.map((r) => r.steadyP50)) : null,
  };
});
const tm = summary.find((s) => s.name === 'tidemark' && !s.missing);
const header = ['contender', 'max rate (median, req/s)', 'rounds', 'CPU s / 100k req', 'peak RSS', 'tidemark ÷ it'];
const rows = summary.map((s) =>
  s.missing
    ? [s.name, 'missing (not installed)', '–', '–', '–', '–']
    : [s.name, fmtInt(s.rate), s.rounds.map(fmtInt).join(' / '), fmt(s.cpuPer100k), `${fmt(s.rssMb, 0)} MB`, tm && s.rate > 0 ? `${fmt(tm.rate / s.rate)}×` : '–'],
);
const lagRows = summary.filter((s) => !s.missing && s.steady !== null).map((s) => [s.name, fmtInt(s.rate), s.lag ? fmt(s.lag.p50) : 'n/a', s.lag ? fmt(s.lag.p99) : 'n/a', s.lag ? fmt(s.lag.max) : 'n/a', fmt(s.steadyP50), fmt(s.steady)]);
const lagHeader = ['open model at its max rate', 'R', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'steady per-second p50 ms', 'steady per-second p99 ms'];
console.log(`\n${textTable(header, rows)}\n\n${textTable(lagHeader, lagRows)}\n`);

const by = (name) => summary.find((s) => s.name === name && !s.missing);
const goals = [];
const goal = (what, target, measuredText, ok) => goals.push([what, target, measuredText, ok === null ? 'not measured' : ok ? 'met' : 'not met']);
const raw = by('raw undici');
const ac = by('autocannon');
const art = by('artillery');
// The issue's goals, judged on the better of tidemark and tidemark --workers 2, by each rule.
for (const [rule, suffix] of [['tail', ''], ['keeps up', ' (keeps up)']]) {
  const one = by(`tidemark${suffix}`);
  const two = by(`tidemark --workers 2${suffix}`);
  const open = by(`raw undici open loop${suffix}`);
  const best = [one, two].filter(Boolean).sort((a, b) => b.rate - a.rate)[0];
  const ratio = (other, digits = 2) => (best && other ? `${best.name}: ${fmt(best.rate / other.rate, digits)}× (${fmtInt(best.rate)} vs ${fmtInt(other.rate)}/s)` : 'missing');
  goal(`[${rule}] max rate ≥ the raw undici Pool.dispatch loop (closed)`, '≥ 1.00× raw undici (issue: ~54,000/s)', ratio(raw), best && raw ? best.rate >= raw.rate : null);
  goal(`[${rule}] max rate ≥ 0.8× autocannon`, '≥ 0.80× autocannon (issue: ~64,000/s)', ratio(ac), best && ac ? best.rate >= 0.8 * ac.rate : null);
  goal(`[${rule}] max rate over 15× Artillery`, '> 15× artillery (issue: ~2,900/s)', ratio(art, 1), best && art ? best.rate > 15 * art.rate : null);
  goal(`[${rule}] (issue 9) --workers 2 above --workers 1`, '> 1.00×', one && two ? `${fmt(two.rate / one.rate)}× (${fmtInt(two.rate)} vs ${fmtInt(one.rate)}/s)` : 'missing', one && two ? two.rate > one.rate : null);
  goal(`[${rule}] (not an issue goal) tidemark beside its own client in the same open model`, '≥ 1.00× raw undici open loop', ratio(open), best && open ? best.rate >= open.rate : null);
}
goal('max rate over 5× Locust', '> 5× locust (issue: ~10,700/s)', 'locust missing: PyPI is out of reach here', null);

if (values.write) {
  const md = `## Maximum rate: nginx \`return 200\` on 127.0.0.1, 50 connections

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${machineLine()}; nginx (${nginxVersionLine()}) shares the same cores
- load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`
- command: \`node bench/max-rate.mjs${QUICK ? ' --quick' : ''} --rounds ${ROUNDS} --duration ${DURATION}\` (${ROUNDS} rounds, contenders alternating, medians)
- contenders:
${summary.map((s) => `  - ${s.name}: \`${s.shown}\`${s.version ? ` (${s.version})` : ''}${s.missing ? ' — missing' : ''}`).join('\n')}
- an open-model figure (tidemark's, and the bare client's open loop, \`bench/raw-undici.mjs --rate R\`) is the highest fixed rate R (\`--rate\`; tidemark with synthesized sessions and HDR recording on) whose run achieved ≥ 99% of R with no error or drop and whose latency from the intended time stayed low in seconds 2..${DURATION - 2}: by the *tail* rule the median of the per-second p99s is under ${MAX_LAG_MS} ms; by the *keeps up* rule (rows marked so) the median of the per-second p50s is (the typical request on time: no standing backlog). Search: double from ${fmtInt(START)}, then ${BISECTIONS} bisections. The others are closed loops at full speed. CPU is user + system of the whole process (start-up and the warm-ups of tidemark and of the bare open loop included) ÷ requests.

${markdownTable(header, rows)}

${markdownTable(lagHeader, lagRows)}

### Against the goals of issues 5, 9 and 11

${markdownTable(['goal', 'target', 'measured', ''], goals, { left: true })}
`;
  writeSection(values.write, 'max-rate', md);
  console.error(`bench: wrote the max-rate section of ${values.write}`);
}

function nginxVersionLine() {
  return (/nginx version: (\S+)/.exec(spawnText(nginxPath(), ['-v'])) ?? [])[1] ?? 'nginx';
}

function spawnText(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}
