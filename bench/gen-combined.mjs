#!/usr/bin/env node
// Writes a deterministic combined-format access log (nginx/Apache "combined") for benchmarks:
// a shop's traffic over about one day: sessions arriving with a daily shape, page views with
// think times, static files, product and API paths with ids and query strings, a few bots,
// 3xx/4xx/5xx, referrers.
//
//   node bench/gen-combined.mjs [--lines 2000000] [--seed 1] [--out bench/out/combined.log]
//
// The same arguments always give the same bytes (seeded PRNG, fixed start date).
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/out/combined.log' },
  },
});
const LINES = Number(values.lines);
if (!Number.isInteger(LINES) || LINES < 1) throw new Error(`--lines: expected a positive integer, got ${values.lines}`);

// mulberry32: small, fast, good enough for synthetic logs.
let state = Number(values.seed) >>> 0 || 1;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
];
const BOTS = ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'curl/8.4.0'];
const CATEGORIES = ['shoes', 'shirts', 'bags', 'hats', 'jackets', 'socks', 'watches', 'belts'];
const STATIC = ['/static/app.4f3a9c.js', '/static/vendor.91bd2e.js', '/static/site.77aa01.css', '/favicon.ico', '/static/logo.svg'];
const REFERRERS = ['-', '-', '-', 'https://www.google.com/', 'https://shop.example/', 'https://shop.example/products', 'https://t.co/xyz'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function request() {
  const r = random();
  if (r < 0.3) return ['GET', '/'];
  if (r < 0.55) return ['GET', `/products/${int(1, 5000)}`];
  if (r < 0.65) return ['GET', `/category/${pick(CATEGORIES)}?page=${int(1, 9)}&sort=${pick(['price', 'new', 'popular'])}`];
  if (r < 0.72) return ['GET', `/search?q=${pick(CATEGORIES)}+${pick(['red', 'blue', 'sale', 'new'])}`];
  if (r < 0.82) return ['GET', '/api/cart'];
  if (r < 0.88) return ['POST', '/api/cart/items'];
  if (r < 0.91) return ['DELETE', `/api/cart/items/${int(1, 5000)}`];
  if (r < 0.94) return ['POST', '/api/checkout'];
  if (r < 0.97) return ['GET', `/api/orders/${int(100000, 999999)}`];
  return ['GET', `/account/${pick(['orders', 'settings', 'addresses'])}`];
}

function status(method) {
  const r = random();
  if (r < 0.9) return method === 'POST' ? 201 : 200;
  if (r < 0.95) return 304;
  if (r < 0.98) return 404;
  if (r < 0.995) return 302;
  return pick([500, 502, 503]);
}

const pad = (n) => (n < 10 ? `0${n}` : `${n}`);
// 2026-11-27 00:00:00 +0000.
const START = Date.UTC(2026, 10, 27);
const DAY_SEC = 86_400;
function stamp(sec) {
  const d = new Date((START / 1000 + sec) * 1000);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

// Sessions arrive as a Poisson process whose rate follows the day shape below (low at night,
// a bump at noon, the peak at 20:00); each is one client (address + user agent) making a few
// page views with think times between them, each page followed by some static files within a
// second. A heap of open sessions keyed by their next request time emits lines in time order.
function rateAt(sec) {
  const hour = (sec % DAY_SEC) / 3600;
  return 0.25 + Math.exp(-((hour - 20) ** 2) / 18) + 0.5 * Math.exp(-((hour - 12) ** 2) / 8);
}
let shapeSum = 0;
for (let s = 0; s < DAY_SEC; s += 60) shapeSum += rateAt(s) * 60;
const MEAN_PAGES = 6;
const STATIC_PER_PAGE = 0.8; // mean static files after a page view
const MEAN_REQUESTS = MEAN_PAGES * (1 + STATIC_PER_PAGE);
// Session starts per second at shape 1, so that one day holds about LINES lines.
const startScale = LINES / MEAN_REQUESTS / shapeSum;

// Most addresses come once; some (offices, mobile carriers' NAT, bots) come back all day.
const ADDRESSES = Array.from({ length: 200_000 }, () => `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`);
const exponential = (mean) => -Math.log(1 - random()) * mean;
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const heap = []; // [timeSec, session]
function push(item) {
  let i = heap.length;
  heap.push(item);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent][0] <= item[0]) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = item;
}
function pop() {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const c = l + 1 < heap.length && heap[l + 1][0] < heap[l][0] ? l + 1 : l;
      if (heap[c][0] >= last[0]) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = last;
  }
  return top;
}

function newSession() {
  const bot = random() < 0.03;
  return {
    ip: ADDRESSES[Math.floor(random() ** 2 * ADDRESSES.length)],
    agent: bot ? pick(BOTS) : pick(AGENTS),
    pagesLeft: bot ? int(5, 40) : 1 + Math.floor(exponential(MEAN_PAGES - 1)),
    staticLeft: 0,
    referrer: pick(REFERRERS),
  };
}

const outPath = resolve(values.out);
mkdirSync(dirname(outPath), { recursive: true });
const out = createWriteStream(outPath);
let buffer = '';
let written = 0;
let nextStart = 0;
const started = performance.now();
while (written < LINES) {
  // The next session start (thinning would be exact; stepping by the local rate is close enough).
  if (heap.length === 0 || nextStart <= heap[0][0]) {
    push([nextStart, newSession()]);
    nextStart += exponential(1 / (startScale * rateAt(nextStart)));
    continue;
  }
  const [sec, session] = pop();
  let method;
  let path;
  let code;
  if (session.staticLeft > 0) {
    session.staticLeft--;
    method = 'GET';
    path = pick(STATIC);
    code = random() < 0.3 ? 304 : 200;
  } else {
    [method, path] = request();
    code = status(method);
    session.pagesLeft--;
    session.staticLeft = method === 'GET' && random() < 0.5 ? int(1, 3) : 0;
  }
  const bytes = code === 304 ? 0 : int(200, 60_000);
  buffer += `${session.ip} - - [${stamp(Math.floor(sec))}] "${method} ${path} HTTP/1.1" ${code} ${bytes} "${session.referrer}" "${session.agent}"\n`;
  // Static files are referred by their page, the next page by this one.
  if (!path.startsWith('/static/')) session.referrer = `https://shop.example${path.split('?')[0]}`;
  written++;
  if (session.staticLeft > 0) push([sec + random() * 0.8, session]);
  else if (session.pagesLeft > 0) push([sec + Math.min(1800, Math.exp(Math.log(12) + gaussian())), session]);
  if (buffer.length > 1 << 20) {
    if (!out.write(buffer)) await new Promise((r) => out.once('drain', r));
    buffer = '';
  }
}
out.end(buffer);
await new Promise((r) => out.once('finish', r));
process.stderr.write(`wrote ${LINES} lines to ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
