#!/usr/bin/env node
// Coordinated omission: a server (bench/lib/stall-server.mjs, its own process) answers in
// --service-ms but stalls completely for 1 s every 10 s; each contender plays a fixed rate
// (200 requests/s for 30 s by default). The latency figures each reports are set beside the
// truth computed from the stall schedule: a request intended at T is done at T + service, or at
// the end of the stall when T + service falls in one; its true latency is that minus T.
// tidemark reports latency from the intended time and, separately, from the actual send.
//
//   npm run build && node bench/coordinated-omission.mjs [--quick] [--rounds 3] [--rate 200] [--duration 30] [--write BENCHMARKS.md]
//
// Contenders:
//   tidemark                  run MODEL --rate R --duration D         (connections as needed)
//   tidemark --connections 10 the same with at most 10 sockets: requests queue for a socket
//                             during the stall, so actual-send latency hides it; intended-time
//                             latency must not
//   autocannon -R             autocannon -R R -c 10 -d D               (its own correction on)
//   artillery                 arrivalRate R for D s, one GET per virtual user (its open model;
//                             tools/artillery, scripts/ensure-artillery.sh)
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, checkPrerequisites, parseOptions, fmt, fmtInt, machineLine, markdownTable, median, numberOption, quantile, tempDir, textTable, uptimeLine, writeSection } from './lib/common.mjs';
import { autocannonPath, autocannonVersion, runAutocannon, runTidemark } from './lib/contenders.mjs';
import { writeModel } from './lib/models.mjs';
import { artilleryPath, artilleryVersion, runArtillery } from './lib/artillery.mjs';

const values = parseOptions({
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    'service-ms': { type: 'string' },
    write: { type: 'string' },
  }, 'node bench/coordinated-omission.mjs [--quick] [--rounds N] [--rate R] [--duration S] [--service-ms MS] [--write FILE]');
checkPrerequisites();
const QUICK = values.quick;
const ROUNDS = numberOption(values, 'rounds', 3);
const RATE = numberOption(values, 'rate', 200);
const DURATION = numberOption(values, 'duration', QUICK ? 20 : 30);
const SERVICE_MS = numberOption(values, 'service-ms', 10);
const PERIOD_MS = 10_000;
const STALL_MS = 1_000;
const CONNECTIONS = 10;
const timeoutMs = (DURATION + 60) * 1000;
const work = tempDir('co');
const model = writeModel(join(work, 'model.json'), { paths: ['/'] });
const out = join(work, 'results.json');

/** Starts the stall server; resolves with its schedule and a stop function. */
async function startStallServer() {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'lib', 'stall-server.mjs'), '--service-ms', String(SERVICE_MS), '--period-ms', String(PERIOD_MS), '--stall-ms', String(STALL_MS), '--offset-ms', '3000', '--max-sec', String(DURATION + 120)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolveLine, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`stall server exited with ${code}`)));
  });
  const info = JSON.parse(line);
  const exited = new Promise((r) => child.once('exit', r));
  return {
    ...info,
    url: `http://127.0.0.1:${info.port}`,
    async stop() {
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The truth for requests intended at startWallMs + k·1000/rate (k = 1 … rate·duration, as
 * evenly spaced arrivals place them): done at T + service, or at the end of the stall when
 * T + service falls in one.
 */
function truth(server, startWallMs, serviceMs) {
  const n = Math.round(RATE * DURATION);
  const latencies = new Float64Array(n);
  for (let k = 1; k <= n; k++) {
    const intended = startWallMs + (k * 1000) / RATE;
    let done = intended + serviceMs;
    const sinceOffset = done - server.originWallMs - server.offsetMs;
    const phase = ((sinceOffset % server.periodMs) + server.periodMs) % server.periodMs;
    if (sinceOffset >= 0 && phase < server.stallMs) done += server.stallMs - phase;
    latencies[k - 1] = done - intended;
  }
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1], stalledShare: sorted.filter((x) => x > serviceMs + 1).length / n };
}

const contenders = [
  { name: 'tidemark', kind: 'tidemark', args: [], available: true, shown: `tidemark run model.json --rate ${RATE} --duration ${DURATION}s` },
  { name: `tidemark --connections ${CONNECTIONS}`, kind: 'tidemark', args: ['--connections', String(CONNECTIONS)], available: true, shown: `tidemark run model.json --rate ${RATE} --duration ${DURATION}s --connections ${CONNECTIONS}` },
  { name: `autocannon -R ${RATE} -c ${CONNECTIONS}`, kind: 'autocannon', available: autocannonPath() !== null, shown: `autocannon -R ${RATE} -c ${CONNECTIONS} -d ${DURATION}`, version: autocannonVersion() },
  { name: 'artillery', kind: 'artillery', available: artilleryPath() !== null, shown: `artillery run (phases: duration ${DURATION}, arrivalRate ${RATE}; one GET per virtual user)`, version: artilleryVersion() },
];

async function runOnce(c) {
  const server = await startStallServer();
  try {
    if (c.kind === 'tidemark') {
      const run = await runTidemark({ model, url: server.url, out, timeoutMs, args: ['--rate', String(RATE), '--duration', `${DURATION}s`, ...c.args] });
      const r = run.results;
      const lat = r.overall.latencyMs;
      const svc = r.overall.serviceLatencyMs;
      // The truth's service time: what the server took outside the stalls, as tidemark measured it.
      const t = truth(server, Date.parse(r.startedAt), svc.p50);
      return { reported: { p50: lat.p50, p95: lat.p95, p99: lat.p99, max: lat.max }, actual: { p50: svc.p50, p95: svc.p95, p99: svc.p99, max: svc.max }, truth: t, requests: r.totals.requests, lagP99: r.schedulerLagMs.p99 };
    }
    if (c.kind === 'artillery') {
      const run = await runArtillery({ url: server.url, rate: RATE, durationSec: DURATION, timeoutMs: timeoutMs + 60_000 });
      const t = truth(server, run.firstMetricAt, SERVICE_MS + 1);
      return { reported: run.latency, actual: null, truth: t, requests: run.requests };
    }
    const run = await runAutocannon({ url: `${server.url}/`, timeoutMs, args: ['-R', String(RATE), '-c', String(CONNECTIONS), '-d', String(DURATION)] });
    const l = run.report.latency;
    const t = truth(server, Date.parse(run.report.start), SERVICE_MS + 1);
    return { reported: { p50: l.p50, p95: NaN, p97_5: l.p97_5, p99: l.p99, max: l.max }, actual: null, truth: t, requests: run.requests };
  } finally {
    await server.stop();
  }
}

const uptimeBefore = uptimeLine();
console.error(`bench coordinated-omission: ${RATE}/s for ${DURATION} s, a ${SERVICE_MS} ms server stalled ${STALL_MS} ms every ${PERIOD_MS} ms; ${ROUNDS} rounds; ${uptimeBefore}`);
const runs = new Map(contenders.map((c) => [c.name, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]);
    for (const c of order) {
      if (!c.available) continue;
      const r = await runOnce(c);
      runs.get(c.name).push(r);
      const p = r.reported;
      console.error(`  round ${round}: ${c.name.padEnd(26)} reports p50/p95/p99/max ${fmt(p.p50)}/${fmt(p.p95)}/${fmt(p.p99)}/${fmt(p.max)} ms${r.actual ? `, actual-send ${fmt(r.actual.p50)}/${fmt(r.actual.p95)}/${fmt(r.actual.p99)}/${fmt(r.actual.max)}` : ''}; truth ${fmt(r.truth.p50)}/${fmt(r.truth.p95)}/${fmt(r.truth.p99)}/${fmt(r.truth.max)}; ${fmtInt(r.requests)} requests`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const uptimeAfter = uptimeLine();

const med = (rs, pick) => ({ p50: median(rs.map((r) => pick(r)?.p50)), p95: median(rs.map((r) => pick(r)?.p95)), p97_5: median(rs.map((r) => pick(r)?.p97_5)), p99: median(rs.map((r) => pick(r)?.p99)), max: median(rs.map((r) => pick(r)?.max)) });
const off = (x, t) => (Number.isFinite(x) && t > 0 ? `${x >= t ? '+' : ''}${fmt(((x - t) / t) * 100, 0)}%` : '–');
const header = ['what', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p95 vs truth', 'p99 vs truth', 'max vs truth', 'requests'];
const rows = [];
const goals = [];
let truthRow = null;
for (const c of contenders) {
  const rs = runs.get(c.name);
  if (!c.available || rs.length === 0) {
    rows.push([c.name, 'missing (not installed)', '–', '–', '–', '–', '–', '–', '–']);
    continue;
  }
  const t = med(rs, (r) => r.truth);
  if (!truthRow) truthRow = t;
  const rep = med(rs, (r) => r.reported);
  const requests = median(rs.map((r) => r.requests));
  const p95cell = Number.isFinite(rep.p95) ? fmt(rep.p95) : `– (p97.5: ${fmt(rep.p97_5)})`;
  rows.push([c.kind === 'tidemark' ? `${c.name}: from the intended time` : `${c.name}: reported`, fmt(rep.p50), p95cell, fmt(rep.p99), fmt(rep.max), off(rep.p95, t.p95), off(rep.p99, t.p99), off(rep.max, t.max), fmtInt(requests)]);
  if (c.kind === 'tidemark') {
    const act = med(rs, (r) => r.actual);
    rows.push([`${c.name}: from the actual send`, fmt(act.p50), fmt(act.p95), fmt(act.p99), fmt(act.max), off(act.p95, t.p95), off(act.p99, t.p99), off(act.max, t.max), fmtInt(requests)]);
    // The goal is the default run's; with a socket cap, the requests held by the stall then queue
    // for the 10 sockets (the generator's own limit), which the server-side truth leaves out.
    for (const q of c.args.length === 0 ? ['p95', 'p99', 'max'] : []) {
      const e = Math.abs(rep[q] - t[q]) / t[q];
      goals.push([`${c.name}: reported ${q} within 10% of the truth`, '≤ 10%', `${fmt(rep[q])} vs ${fmt(t[q])} ms (${off(rep[q], t[q])})`, e <= 0.1 ? 'met' : 'not met']);
    }
  }
}
if (truthRow) rows.unshift([`truth (from the stall schedule)`, fmt(truthRow.p50), fmt(truthRow.p95), fmt(truthRow.p99), fmt(truthRow.max), '', '', '', fmtInt(RATE * DURATION)]);
console.log(`\n${textTable(header, rows)}\n`);

if (values.write) {
  const md = `## Coordinated omission: a server that stalls 1 s every 10 s, at a fixed ${RATE} requests/s

- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC
- machine: ${machineLine()}
- load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`
- command: \`node bench/coordinated-omission.mjs${QUICK ? ' --quick' : ''} --rounds ${ROUNDS} --rate ${RATE} --duration ${DURATION}\` (${ROUNDS} rounds, contenders alternating, medians; a fresh server per run)
- target: \`bench/lib/stall-server.mjs\` (Node, its own process): answers after ${SERVICE_MS} ms; a response due during a stall is held until the stall ends; stalls of ${STALL_MS} ms every ${PERIOD_MS / 1000} s (${(STALL_MS / PERIOD_MS) * 100}% of the time)
- truth: every request intended at T (evenly spaced at ${RATE}/s from the run's start) is done at T + service, or at the stall's end when T + service falls in a stall; service = tidemark's measured p50 outside the stalls (${SERVICE_MS} ms + loopback); the truth row is the median over the rounds
- contenders: ${contenders.map((c) => `${c.name} \`${c.shown}\`${c.version ? ` (${c.kind} ${c.version})` : ''}${c.available ? '' : ' — missing'}`).join('; ')}. autocannon prints no p95 (its p97.5 is shown instead). Locust, the other peer the issue names, is a Python package from PyPI, which this machine cannot reach (\`pip install locust\` refused): missing.

${markdownTable(header, rows)}

### Against the goals of issue 11

${markdownTable(['goal', 'target', 'measured', ''], goals, { left: true })}
`;
  writeSection(values.write, 'coordinated-omission', md);
  console.error(`bench: wrote the coordinated-omission section of ${values.write}`);
}
