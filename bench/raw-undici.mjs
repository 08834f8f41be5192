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
// the baseline tidemark's open-model figures compare with.
//
//   node bench/raw-undici.mjs --url http://127.0.0.1:8080/ [--connections 50] [--duration 10] [--rate R]
//
// Prints one JSON line: { requests, errors, durationSec, ratePerSec, cpuSec } and, open loop,
// `series`: each second's { second, requests, p50Ms, p99Ms } by intended time. Bounded: stops sending
// after --duration seconds (at most 600) and exits once what is in flight has ended (open loop:
// at most 10 s after the last send, the rest counted as errors).
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
if (rate !== null && !(rate > 0 && rate <= 1_000_000)) {
  console.error('raw-undici: --rate takes requests per second, 1 to 1,000,000');
  process.exit(2);
}

const pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
const path = `${url.pathname}${url.search}`;
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

/** Open loop at `perSec` for the duration: see the header. */
async function openLoop(perSec) {
  const total = Math.round((perSec * durationMs) / 1000);
  const latency = new Float64Array(total).fill(Number.NaN);
  let sent = 0;
  let ended = 0;
  let failed = 0;
  let allEnded;
  const endedAll = new Promise((r) => (allEnded = r));
  const interval = 1000 / perSec;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now() + 20;
  class Handler {
    constructor(index) {
      this.index = index;
    }
    onRequestStart() {}
    onResponseStart(_c, statusCode) {
      if (statusCode >= 400) failed++;
    }
    onResponseData() {}
    onResponseEnd() {
      this.end();
    }
    onResponseError() {
      failed++;
      this.end();
    }
    end() {
      latency[this.index] = performance.now() - (t0 + this.index * interval);
      if (++ended === total) allEnded();
    }
  }
  const pump = () => {
    const now = performance.now();
    let batch = 0;
    while (sent < total && t0 + sent * interval <= now && batch < 512) {
      pool.dispatch({ method: 'GET', path, headers: null, body: null }, new Handler(sent));
      sent++;
      batch++;
    }
    if (sent >= total) return;
    if (batch === 512) setImmediate(pump);
    else setTimeout(pump, Math.max(1, Math.ceil(t0 + sent * interval - performance.now())));
  };
  setTimeout(pump, 20);
  const deadline = new Promise((r) => setTimeout(r, durationMs + 10_000 + 20).unref());
  await Promise.race([endedAll, deadline]);
  const durationSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const series = [];
  const perSecond = Math.round(perSec);
  for (let second = 0; second * 1000 < durationMs; second++) {
    const from = Math.ceil((second * 1000) / interval);
    const to = Math.min(total, Math.ceil(((second + 1) * 1000) / interval));
    const values = Array.from(latency.subarray(from, to)).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const at = (q) => (values.length > 0 ? Math.round(values[Math.min(values.length - 1, Math.floor(values.length * q))] * 100) / 100 : 0);
    series.push({ second, requests: values.length, p50Ms: at(0.5), p99Ms: at(0.99) });
  }
  const requests = latency.reduce((n, v) => n + (Number.isNaN(v) ? 0 : 1), 0);
  console.log(JSON.stringify({ rate: perSecond, requests, errors: failed + (total - requests), durationSec, ratePerSec: requests / (durationMs / 1000), cpuSec: (cpu.user + cpu.system) / 1e6, series }));
  await pool.destroy().catch(() => undefined);
}
