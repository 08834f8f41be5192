#!/usr/bin/env node
// The raw limit of tidemark's own HTTP client, undici `Pool.dispatch`, with nothing around it.
//
// Closed loop (default): N requests in flight on N connections, each response immediately
// followed by the next request; no schedule, no histograms.
//
// Open loop (--rate R): requests due at evenly spaced intended times (i / R), sent by the same
// mechanism as tidemark's scheduler (one timer, woken about every millisecond, sends everything
// then due, at most 512 at a time, yielding to I/O between batches), waiting in the pool when
// every connection is busy; latency taken from the intended time into a preallocated array (no
// histogram). What an open-model generator on this client costs with zero overhead of its own:
// the baseline tidemark's open-model figures compare with. Like tidemark, it warms up first: a
// pass of --warm-up seconds (default 1) at the same rate, figures thrown away.
//
//   node bench/raw-undici.mjs --url http://127.0.0.1:8080/ [--connections 50] [--duration 10] [--rate R] [--warm-up S]
//
// Prints one JSON line: { requests, errors, durationSec, ratePerSec, cpuSec } and, open loop,
// `latencyMs` (p50/p99/max from the intended time) and `series`: each second's { second,
// requests, p50Ms, p99Ms } by intended time. Bounded: stops sending after --duration seconds (at
// most 600; the warm-up at most 10) and exits once what is in flight has ended (open loop: at
// most 10 s after the last send, the rest counted as errors).
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      rate: { type: 'string' },
      'warm-up': { type: 'string', default: '1' },
    },
  }));
} catch (err) {
  console.error(`raw-undici: ${err.message}`);
  process.exit(2);
}
if (!values.url) {
  console.error('raw-undici: give --url http://127.0.0.1:PORT/');
  process.exit(2);
}
const url = new URL(values.url);
const connections = Number(values.connections);
const durationMs = Math.min(600, Number(values.duration)) * 1000;
if (!(connections > 0) || !(durationMs > 0)) {
  console.error('raw-undici: --connections and --duration take positive numbers');
  process.exit(2);
}

const rate = values.rate === undefined ? null : Number(values.rate);
const warmUpMs = Math.min(10, Number(values['warm-up'])) * 1000;
if (!(warmUpMs >= 0)) {
  console.error('raw-undici: --warm-up takes seconds, 0 to 10');
  process.exit(2);
}
if (rate !== null && !(rate > 0 && rate <= 1_000_000)) {
  console.error('raw-undici: --rate takes requests per second, 1 to 1,000,000');
  process.exit(2);
}

const pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
const path = `${url.pathname}${url.search}`;

/** One request of an open-loop pass: latency from its intended time into the pass's array. */
class OpenHandler {
  constructor(pass, index) {
    this.pass = pass;
    this.index = index;
  }
  onRequestStart() {}
  onResponseStart(_c, statusCode) {
    if (statusCode >= 400) this.pass.failed++;
  }
  onResponseData() {}
  onResponseEnd() {
    this.pass.end(this.index);
  }
  onResponseError() {
    this.pass.failed++;
    this.pass.end(this.index);
  }
}

/**
 * One pass of the open loop: `total` requests due at evenly spaced times from `t0`. A class, not
 * closures made per call, so that the warm-up pass and the measured one run the same compiled
 * code (V8 specializes a closure's optimized code to the first closure a literal makes).
 */
class OpenPass {
  constructor(perSec, passMs) {
    this.total = Math.round((perSec * passMs) / 1000);
    this.interval = 1000 / perSec;
    this.latency = new Float64Array(this.total).fill(Number.NaN);
    this.sent = 0;
    this.ended = 0;
    this.failed = 0;
    this.t0 = performance.now() + 20;
    this.endedAll = new Promise((r) => (this.allEnded = r));
    this.pump = this.pump.bind(this);
    setTimeout(this.pump, 20);
  }
  end(index) {
    this.latency[index] = performance.now() - (this.t0 + index * this.interval);
    if (++this.ended === this.total) this.allEnded();
  }
  pump() {
    const now = performance.now();
    let batch = 0;
    while (this.sent < this.total && this.t0 + this.sent * this.interval <= now && batch < 512) {
      pool.dispatch({ method: 'GET', path, headers: null, body: null }, new OpenHandler(this, this.sent));
      this.sent++;
      batch++;
    }
    if (this.sent >= this.total) return;
    if (batch === 512) setImmediate(this.pump);
    else setTimeout(this.pump, Math.max(1, Math.ceil(this.t0 + this.sent * this.interval - performance.now())));
  }
  /** Resolves when every request has ended, or `graceMs` after the last one was due. */
  done(graceMs) {
    const deadline = new Promise((r) => setTimeout(r, this.total * this.interval + graceMs + 20).unref());
    return Promise.race([this.endedAll, deadline]);
  }
}

if (rate !== null) {
  await openLoop(rate);
  process.exit(0);
}
let requests = 0;
let errors = 0;
let inFlight = 0;
let stopping = false;
let started;
let finish;
const finished = new Promise((r) => (finish = r));

function fire() {
  inFlight++;
  pool.dispatch(
    { method: 'GET', path, headers: null, body: null },
    {
      onRequestStart() {},
      onResponseStart(_c, statusCode) {
        if (statusCode >= 400) errors++;
      },
      onResponseData() {},
      onResponseEnd() {
        done();
      },
      onResponseError() {
        errors++;
        done();
      },
    },
  );
}

function done() {
  inFlight--;
  requests++;
  if (!stopping) fire();
  else if (inFlight === 0) finish();
}

const cpu0 = process.cpuUsage();
started = performance.now();
for (let i = 0; i < connections; i++) fire();
setTimeout(() => {
  stopping = true;
}, durationMs);
await finished;
const durationSec = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
await pool.close();
console.log(JSON.stringify({ requests, errors, durationSec, ratePerSec: requests / durationSec, cpuSec: (cpu.user + cpu.system) / 1e6 }));

/**
 * Open loop at `perSec` for the duration: see the header. First, as tidemark does before its
 * clock starts, a warm-up pass (1 s at the same rate, or `--warm-up 0` for none) whose figures
 * are thrown away, so that the measured pass starts with the request path compiled.
 */
async function openLoop(perSec) {
  if (warmUpMs > 0) await new OpenPass(perSec, warmUpMs).done(2_000);
  const cpu0 = process.cpuUsage();
  const pass = new OpenPass(perSec, durationMs);
  await pass.done(10_000);
  const { latency, total, interval, failed } = pass;
  const durationSec = (performance.now() - pass.t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const series = [];
  const perSecond = Math.round(perSec);
  // The latencies that ended, sorted; a quantile of them in ms to 0.01 (0 when none ended).
  const ended = (values) => Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const at = (sorted, q) => (sorted.length > 0 ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] * 100) / 100 : 0);
  for (let second = 0; second * 1000 < durationMs; second++) {
    const from = Math.ceil((second * 1000) / interval);
    const to = Math.min(total, Math.ceil(((second + 1) * 1000) / interval));
    const values = ended(latency.subarray(from, to));
    series.push({ second, requests: values.length, p50Ms: at(values, 0.5), p99Ms: at(values, 0.99) });
  }
  const all = ended(latency);
  const requests = all.length;
  const latencyMs = { p50: at(all, 0.5), p99: at(all, 0.99), max: at(all, 1) };
  console.log(JSON.stringify({ rate: perSecond, requests, errors: failed + (total - requests), durationSec, ratePerSec: requests / (durationMs / 1000), cpuSec: (cpu.user + cpu.system) / 1e6, latencyMs, series }));
  await pool.destroy().catch(() => undefined);
}
