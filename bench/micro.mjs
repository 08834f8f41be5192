#!/usr/bin/env node
// Micro benchmarks (issue 11, item 6), with tinybench, each beside a raw baseline in the same run:
//
//   1. per-record parse cost of every line format (a representative line, checked to parse),
//      beside `line.split(' ')` on the same line (what an awk field split costs in JS);
//   2. latency histogram record cost: tidemark's recordMs (HDR, µs precision), beside
//      hdr-histogram-js recordValue called directly and a plain Float64Array store;
//   3. scheduler work per arrival, without the network: the next Poisson arrival (thinning over
//      the rate curve), one synthesized session from the sample model, one outcome recorded
//      into the run's recorder (cells, per-second buckets, HDR); beside an exponential draw and a
//      Map increment as baselines.
//
//   npm run build && node bench/micro.mjs [--time MS] [--write BENCHMARKS.md]
//
// Each tinybench sample runs a batch of BATCH operations (so the timer's own cost, ~100 ns, does
// not swamp operations that take less); figures are nanoseconds per operation: the median of the
// samples (robust on a shared machine) and the mean with its relative margin of error. --time is
// each task's measuring time (default 500 ms).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Bench } from 'tinybench';
import * as hdr from 'hdr-histogram-js';
import { ROOT, checkPrerequisites, fmt, machineLine, markdownTable, numberOption, parseOptions, textTable, uptimeLine, writeSection } from './lib/common.mjs';

const values = parseOptions({ time: { type: 'string' }, write: { type: 'string' } }, 'node bench/micro.mjs [--time MS] [--write FILE]');
checkPrerequisites();
const timeMs = numberOption(values, 'time', 500);
const dist = (path) => import(join(ROOT, 'dist', path));
const { getFormat, formatFromLogFormat } = await dist('formats/index.js');
const { createHistogram, recordMs } = await dist('metrics/histogram.js');
const { Recorder } = await dist('metrics/recorder.js');
const { createRng } = await dist('core/rng.js');
const { RateCurve } = await dist('schedule/rate-curve.js');
const { poissonArrivals } = await dist('schedule/arrivals.js');
const { SessionSynthesizer } = await dist('synth/synthesizer.js');
const { buildModel } = await dist('model/builder.js');

// ---------------------------------------------------------------------------------------------
// 1. Formats: one representative line each (headers first for the #Fields-driven formats).
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const FORMATS = [
  { name: 'combined', line: `203.0.113.7 - - [27/Nov/2026:20:00:01 +0000] "GET /api/products/123?ref=home HTTP/1.1" 200 1234 "https://shop.example.com/" "${UA}"` },
  { name: 'common', line: '203.0.113.7 - - [27/Nov/2026:20:00:01 +0000] "GET /api/products/123?ref=home HTTP/1.1" 200 1234' },
  {
    name: 'nginx log_format',
    logFormat: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time',
    line: `203.0.113.7 - - [27/Nov/2026:20:00:01 +0000] "GET /api/products/123?ref=home HTTP/1.1" 200 1234 "https://shop.example.com/" "${UA}" 0.012 0.010, 0.002`,
  },
  {
    name: 'alb',
    line: 'https 2026-11-27T20:00:01.123456Z app/my-lb/50dc6c495c0c9188 203.0.113.7:2817 10.0.0.1:80 0.000 0.012 0.000 200 200 34 1234 "GET https://shop.example.com:443/api/products/123?ref=home HTTP/1.1" "' + UA + '" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "shop.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2026-11-27T20:00:01.110000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"',
  },
  { name: 'elb', line: `2026-11-27T20:00:01.123456Z my-loadbalancer 203.0.113.7:2817 10.0.0.1:80 0.000073 0.012048 0.000057 200 200 0 1234 "GET http://shop.example.com:80/api/products/123?ref=home HTTP/1.1" "${UA}" - -` },
  {
    name: 'cloudfront',
    header: ['#Version: 1.0', '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken'],
    line: '2026-11-27\t20:00:01\tSEA19-C1\t1234\t203.0.113.7\tGET\td111111abcdef8.cloudfront.net\t/api/products/123\t200\thttps://shop.example.com/\tMozilla/5.0%20(X11;%20Linux%20x86_64)\tref=home\t-\tMiss\tEXAMPLE2ZiCkeqtV2ehhbCMcGkEXAMPLE==\tshop.example.com\thttps\t150\t0.012',
  },
  {
    name: 'w3c',
    header: ['#Software: Microsoft Internet Information Services 10.0', '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken'],
    line: '2026-11-27 20:00:01 10.0.0.1 GET /api/products/123 ref=home 443 - 203.0.113.7 Mozilla/5.0+(X11;+Linux+x86_64) https://shop.example.com/ 200 0 0 12',
  },
  {
    name: 's3access',
    line: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shop-assets [27/Nov/2026:20:00:01 +0000] 203.0.113.7 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.OBJECT img/123.jpg "GET /shop-assets/img/123.jpg?ref=home HTTP/1.1" 200 - 1234 1234 12 10 "https://shop.example.com/" "' + UA + '" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader shop-assets.s3.us-west-1.amazonaws.com TLSv1.2 - -',
  },
  { name: 'haproxy', line: 'Nov 27 20:00:01 lb1 haproxy[14389]: 203.0.113.7:33317 [27/Nov/2026:20:00:01.655] http-in shop/srv1 0/0/1/10/12 200 1234 - - ---- 1/1/1/1/0 0/0 "GET /api/products/123?ref=home HTTP/1.1"' },
  { name: 'caddy', line: readFileSync(join(ROOT, 'test/fixtures/jsonl/caddy.log'), 'utf8').split('\n')[0] },
  { name: 'envoy', line: readFileSync(join(ROOT, 'test/fixtures/jsonl/envoy.log'), 'utf8').split('\n')[0] },
  {
    name: 'traefik',
    line: JSON.stringify({ ClientHost: '203.0.113.7', DownstreamContentSize: 1234, Duration: 12_000_000, OriginStatus: 200, RequestHost: 'shop.example.com', RequestMethod: 'GET', RequestPath: '/api/products/123?ref=home', RequestProtocol: 'HTTP/1.1', 'request_User-Agent': UA, StartUTC: '2026-11-27T20:00:01.123456789Z', level: 'info', msg: '', time: '2026-11-27T20:00:01Z' }),
  },
];

const formatTasks = [];
for (const f of FORMATS) {
  const format = f.logFormat ? formatFromLogFormat(f.logFormat) : getFormat(f.name);
  const parser = format.create({});
  for (const h of f.header ?? []) parser.parse(h, 'bench:0');
  const result = parser.parse(f.line, 'bench:1');
  if (result === null || 'reject' in result) {
    console.error(`bench micro: the ${f.name} sample line does not parse (${result === null ? 'skipped' : result.reject}); fix the sample`);
    process.exit(1);
  }
  formatTasks.push({ name: f.name, parser, line: f.line });
}

/** Operations per tinybench sample. */
const BATCH = 1000;

function summary(task) {
  const latency = task.result?.latency;
  return { meanNs: ((latency?.mean ?? NaN) * 1e6) / BATCH, medianNs: ((latency?.p50 ?? NaN) * 1e6) / BATCH, rme: latency?.rme ?? NaN };
}

async function runBench(name, tasks) {
  const bench = new Bench({ name, time: timeMs, warmupTime: Math.min(200, timeMs / 2) });
  for (const [taskName, fn] of tasks) {
    bench.add(taskName, () => {
      for (let i = 0; i < BATCH; i++) fn();
    });
  }
  await bench.run();
  return bench.tasks.map((t) => ({ name: t.name, ...summary(t) }));
}

// Bench 1: each format's parse, and the split baseline on the same line.
const parseRows = [];
for (const { name, parser, line } of formatTasks) {
  let sink = 0;
  const [parse, split] = await runBench(`parse ${name}`, [
    [`parse ${name}`, () => { const r = parser.parse(line, 'bench:1'); sink += r === null ? 0 : 1; }],
    [`split ${name}`, () => { sink += line.split(' ').length; }],
  ]);
  if (sink === 0) throw new Error('nothing ran');
  parseRows.push({ name, parse, split, bytes: line.length });
}

// Bench 2: histogram record.
const values1e4 = Float64Array.from({ length: 10_000 }, (_, i) => 1 + ((i * 7919) % 5000) / 10);
let at = 0;
const ours = createHistogram();
// The same configuration as tidemark's (src/metrics/histogram.ts): the difference is the wrapper.
const raw = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
const plain = new Float64Array(1 << 16);
const histogramRows = await runBench('histogram', [
  ['tidemark recordMs (HDR, µs)', () => { recordMs(ours, values1e4[at++ % 10_000]); }],
  ['hdr-histogram-js recordValue', () => { raw.recordValue(Math.round(values1e4[at++ % 10_000] * 1000)); }],
  ['Float64Array store (baseline)', () => { plain[at++ & 0xffff] = values1e4[at % 10_000]; }],
]);

// Bench 3: scheduler work per arrival.
const sample = gunzipSync(readFileSync(join(ROOT, 'samples/shop/access.log.gz'))).toString('utf8').split('\n');
const combined = getFormat('combined').create({});
const records = [];
for (const line of sample.slice(0, 60_000)) {
  const r = line ? combined.parse(line, 'sample') : null;
  if (r && !('reject' in r)) records.push(r);
}
const model = await buildModel(records, { tidemarkVersion: 'bench' });
const synth = new SessionSynthesizer(model, { seed: 1 });
const HOUR = 3_600_000;
const curve = new RateCurve([{ startMs: 0, endMs: 1000 * HOUR, fromPerSec: 1000, toPerSec: 5000, stage: 'main' }]);
let arrivals = poissonArrivals(curve, createRng(1));
const rng = createRng(2);
const recorder = new Recorder(0);
const keys = model.endpoints.map((e) => e.key);
let n = 0;
let sessionId = 0;
const counts = new Map();
const schedulerRows = await runBench('scheduler', [
  ['next Poisson arrival (thinning)', () => { let next = arrivals.next(); if (next.done) { arrivals = poissonArrivals(curve, createRng(n)); next = arrivals.next(); } n += next.value.timeMs > 0 ? 1 : 0; }],
  ['synthesize one session (sample model)', () => { n += synth.session(sessionId++).requests.length; }],
  ['record one outcome (Recorder)', () => { const t = (n++ % 600_000); recorder.record({ endpointKey: keys[n % keys.length], stage: 'main', intendedMs: t, sentMs: t + 0.05, endMs: t + 12.5, status: 200, failure: null, bytes: 1234 }); }],
  ['exponential draw (baseline)', () => { n += rng.exponential(1) > 0 ? 1 : 0; }],
  ['Map increment (baseline)', () => { const k = keys[n++ % keys.length]; counts.set(k, (counts.get(k) ?? 0) + 1); }],
]);
const sessionTask = schedulerRows.find((r) => r.name.startsWith('synthesize'));

// ---------------------------------------------------------------------------------------------
const ns = (x) => (Number.isFinite(x) ? (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1)) : '–');
const pm = (x) => (Number.isFinite(x) ? `±${x.toFixed(1)}%` : '');
const parseTable = [
  ['format', 'line bytes', 'parse ns/record (median)', 'mean', 'split(" ") ns (median)', 'parse ÷ split', 'records/s (1 core)'],
  parseRows.map((r) => [r.name, r.bytes, ns(r.parse.medianNs), `${ns(r.parse.meanNs)} ${pm(r.parse.rme)}`, ns(r.split.medianNs), `${fmt(r.parse.medianNs / r.split.medianNs, 1)}×`, Math.round(1e9 / r.parse.medianNs).toLocaleString('en-US')]),
];
const ourHist = histogramRows[0];
const histTable = [['operation', 'ns/op (median)', 'mean', '÷ tidemark'], histogramRows.map((r) => [r.name, ns(r.medianNs), `${ns(r.meanNs)} ${pm(r.rme)}`, `${fmt(r.medianNs / ourHist.medianNs, 2)}×`])];
const schedTable = [['operation', 'ns/op (median)', 'mean'], schedulerRows.map((r) => [r.name, ns(r.medianNs), `${ns(r.meanNs)} ${pm(r.rme)}`])];
const perRequest = schedulerRows[0].medianNs + schedulerRows[2].medianNs + (sessionTask ? sessionTask.medianNs / Math.max(1, model.sessions.length.mean) : 0);

const body = [
  '## Micro benchmarks: parse, histogram, scheduler (tinybench)',
  '',
  `- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  `- machine: ${machineLine()}`,
  `- load: \`${uptimeLine()}\``,
  `- command: \`node bench/micro.mjs${values.time ? ` --time ${timeMs}` : ''}\` (tinybench, ${timeMs} ms per task after warm-up, ${BATCH} operations per sample; median per operation, and mean with its relative margin of error)`,
  '',
  '### Per-record parse cost, by format (a representative line each; baseline: `line.split(" ")`)',
  '',
  markdownTable(...parseTable),
  '',
  '### Latency histogram record',
  '',
  markdownTable(...histTable),
  '',
  '### Scheduler work per arrival, without the network',
  '',
  markdownTable(...schedTable),
  '',
  `Per request sent (one arrival per session + one outcome recorded + the session's synthesis shared by its ${model.sessions.length.mean} requests on average): about ${ns(perRequest)} ns of scheduler CPU, i.e. at most ${Math.round(1e9 / perRequest).toLocaleString('en-US')} requests/s per core before any HTTP work.`,
].join('\n');

console.log(`\nparse (ns per record)\n${textTable(...parseTable)}\n\nhistogram\n${textTable(...histTable)}\n\nscheduler\n${textTable(...schedTable)}\n\nper request ≈ ${ns(perRequest)} ns`);
if (values.write) {
  writeSection(values.write, 'micro', body);
  console.error(`bench micro: wrote the micro section of ${values.write}`);
}
