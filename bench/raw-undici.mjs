#!/usr/bin/env node
// The raw limit of tidemark's own HTTP client: a closed loop of undici `Pool.dispatch` calls,
// N requests in flight on N connections, each response immediately followed by the next
// request; no schedule, no histograms. What tidemark's generator would do with zero overhead.
//
//   node bench/raw-undici.mjs --url http://127.0.0.1:8080/ [--connections 50] [--duration 10]
//
// Prints one JSON line: { requests, errors, durationSec, ratePerSec, cpuSec }. Bounded: stops
// sending after --duration seconds (at most 600) and exits once what is in flight has ended.
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
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

const pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
const path = `${url.pathname}${url.search}`;
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
