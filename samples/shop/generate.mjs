#!/usr/bin/env node
// Generates samples/shop/access.log.gz: two days of a small shop's nginx access log in the
// "combined" format, synthesized from a seeded model (daily shape, session funnel, think times,
// clients, bots) so that tidemark has a realistic, reproducible log to learn from.
//
//   node samples/shop/generate.mjs            writes access.log.gz beside this script
//   node samples/shop/generate.mjs --stats    also prints what is in it (line count, peak hour)
//   node samples/shop/generate.mjs --out FILE --seed N
//   node samples/shop/generate.mjs --plain --out FILE    uncompressed text (tests compare it)
//
// Self-contained on purpose (no imports from src/ or dist/): it runs without a build, and the
// sample must not change when tidemark's own RNG does. See README.md for the model.
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const SEED = Number(argValue('--seed', '20261126'));
const OUT = argValue('--out', join(dirname(fileURLToPath(import.meta.url)), 'access.log.gz'));
const PRINT_STATS = args.includes('--stats');
const PLAIN = args.includes('--plain');

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through splitmix32 (same construction as src/core/rng.ts, copied so the
// sample stays stable whatever happens there).

function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function sfc32(seed) {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  return () => u32() / 4294967296;
}

const random = sfc32(SEED);
const uniform = (min, max) => min + random() * (max - min);
const int = (min, max) => min + Math.floor(random() * (max - min + 1));
const chance = (p) => random() < p;
const exponential = (mean) => -Math.log(1 - random()) * mean;
function normal() {
  // Box–Muller; one value per call keeps the stream simple to reason about.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
const logNormal = (median, sigma) => median * Math.exp(sigma * normal());
function pick(items) {
  return items[Math.floor(random() * items.length)];
}
/** items: [value, weight][] */
function weighted(items) {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = random() * total;
  for (const [value, w] of items) {
    r -= w;
    if (r < 0) return value;
  }
  return items[items.length - 1][0];
}

// ---------------------------------------------------------------------------------------------
// Time and the daily shape.

const START_MS = Date.UTC(2026, 10, 26, 0, 0, 0); // 2026-11-26 00:00 UTC (Thursday)
const END_MS = Date.UTC(2026, 10, 28, 0, 0, 0); // 2026-11-28 00:00 UTC
const HOUR_MS = 3_600_000;

// Relative session-start rate at each hour's middle (UTC), 1.0 = the evening peak. Quiet
// around 04:00, rising from 07:00, a lunch bump, the peak at 19:00-20:00.
const HOURLY_SHAPE = [
  0.36, 0.24, 0.15, 0.1, 0.075, 0.09, 0.15, 0.26, 0.4, 0.5, 0.56, 0.6, 0.66, 0.63, 0.59, 0.61,
  0.67, 0.77, 0.9, 1.0, 0.97, 0.8, 0.62, 0.47,
];
// Day 2 (Friday 27th) is busier than day 1.
const DAY_FACTOR = [0.86, 1.0];
// Human session starts per second at the peak of the busiest day (≈ 2 requests/s with the
// funnel below and the returning visits).
const PEAK_SESSION_STARTS_PER_SEC = 0.31;
const BOT_SESSION_STARTS_PER_HOUR = 9;

function shapeAt(ms) {
  const hoursSinceStart = (ms - START_MS) / HOUR_MS;
  const day = Math.min(DAY_FACTOR.length - 1, Math.floor(hoursSinceStart / 24));
  // Linear interpolation between hour middles, wrapping around midnight.
  const h = (hoursSinceStart % 24) - 0.5;
  const i0 = Math.floor(h);
  const frac = h - i0;
  const v0 = HOURLY_SHAPE[(i0 + 24) % 24];
  const v1 = HOURLY_SHAPE[(i0 + 1 + 24) % 24];
  return (v0 + (v1 - v0) * frac) * DAY_FACTOR[day];
}

// ---------------------------------------------------------------------------------------------
// Clients.

const USER_AGENTS = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 28],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 9],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 6],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 6],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 2],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', 8],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 19],
  ['Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 3],
  ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 17],
  ['Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0', 2],
];
const BOTS = [
  {
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    prefixes: ['66.249.66.', '66.249.68.', '66.249.79.'],
    weight: 3,
  },
  {
    ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    prefixes: ['157.55.39.', '40.77.167.', '207.46.13.'],
    weight: 1,
  },
];

// Where client addresses come from: documentation ranges (RFC 5737), private and carrier-grade
// NAT ranges (a shop behind a proxy sees those), and public-looking /8s of large ISPs.
const PUBLIC_FIRST_OCTETS = [24, 31, 37, 46, 62, 73, 77, 81, 82, 86, 89, 91, 94, 98, 104, 109, 151, 176, 178, 185, 188, 212, 213, 217];
function randomIp() {
  const kind = weighted([
    ['doc', 18],
    ['private', 12],
    ['cgnat', 8],
    ['public', 62],
  ]);
  switch (kind) {
    case 'doc':
      return `${pick(['192.0.2', '198.51.100', '203.0.113'])}.${int(1, 254)}`;
    case 'private':
      return chance(0.5) ? `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}` : `172.${int(16, 31)}.${int(0, 255)}.${int(1, 254)}`;
    case 'cgnat':
      return `100.${int(64, 127)}.${int(0, 255)}.${int(1, 254)}`;
    default:
      return `${pick(PUBLIC_FIRST_OCTETS)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  }
}

const IP_COUNT = 5200;
const ips = [];
{
  const seen = new Set();
  while (ips.length < IP_COUNT) {
    const ip = randomIp();
    if (!seen.has(ip)) {
      seen.add(ip);
      ips.push(ip);
    }
  }
}

// A user is one browser on one address: the session key tidemark uses by default (IP + UA).
// About 2% of addresses are shared by several people (an office, a family, a carrier NAT),
// each with their own user agent.
const users = [];
for (const ip of ips) {
  const people = chance(0.02) ? int(2, 4) : 1;
  const agents = new Set();
  for (let i = 0; i < people; i++) {
    let ua = weighted(USER_AGENTS);
    for (let tries = 0; agents.has(ua) && tries < 10; tries++) ua = weighted(USER_AGENTS);
    if (agents.has(ua)) continue;
    agents.add(ua);
    users.push({ ip, ua, http: chance(0.65) ? 'HTTP/2.0' : 'HTTP/1.1', lastEndMs: -Infinity, orders: [] });
  }
}
// Shuffle so that shared addresses are not adjacent in the order users first appear.
for (let i = users.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [users[i], users[j]] = [users[j], users[i]];
}

const SESSION_TIMEOUT_MS = 30 * 60_000;
function pickUser(atMs) {
  // A user is only free for a new visit after more than the session timeout of inactivity,
  // so that sessions separate the way tidemark's sessionizer will see them.
  for (let tries = 0; tries < 20; tries++) {
    const user = pick(users);
    if (user.lastEndMs < atMs - SESSION_TIMEOUT_MS - 60_000) return user;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The catalogue.

const PRODUCT_COUNT = 5000;
const CATEGORIES = [
  ['shoes', 22],
  ['shirts', 18],
  ['electronics', 20],
  ['toys', 12],
  ['books', 10],
  ['sale', 18],
];
const CATEGORY_NAMES = CATEGORIES.map(([name]) => name);
// Product popularity: Zipf(s = 1.05) over the catalogue, ranks shuffled onto ids.
const productByRank = Array.from({ length: PRODUCT_COUNT }, (_, i) => i + 1);
for (let i = productByRank.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [productByRank[i], productByRank[j]] = [productByRank[j], productByRank[i]];
}
const zipfCdf = [];
{
  let total = 0;
  for (let k = 1; k <= PRODUCT_COUNT; k++) total += 1 / Math.pow(k, 1.05);
  let acc = 0;
  for (let k = 1; k <= PRODUCT_COUNT; k++) {
    acc += 1 / Math.pow(k, 1.05) / total;
    zipfCdf.push(acc);
  }
}
function popularProduct() {
  const r = random();
  let lo = 0;
  let hi = zipfCdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (zipfCdf[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return productByRank[lo];
}
// A product's category is fixed by its id, as the demo server does: (id - 1) % 6.
function productInCategory(category) {
  const c = CATEGORY_NAMES.indexOf(category);
  const id = popularProduct();
  const base = id - 1 - ((id - 1) % CATEGORY_NAMES.length);
  const inCat = base + c + 1;
  return inCat <= PRODUCT_COUNT ? inCat : inCat - CATEGORY_NAMES.length;
}

// ---------------------------------------------------------------------------------------------
// The session funnel: a first-order Markov chain over page types.

const TRANSITIONS = {
  home: [['list', 52], ['detail', 17], ['login', 11], ['cart', 4], ['orders', 3], ['exit', 9]],
  list: [['list', 24], ['detail', 55], ['home', 3], ['login', 3], ['exit', 13]],
  detail: [['detail', 24], ['list', 22], ['addToCart', 21], ['home', 4], ['login', 3], ['exit', 21]],
  login: [['list', 30], ['cart', 20], ['orders', 18], ['detail', 12], ['home', 10], ['exit', 8]],
  addToCart: [['cart', 40], ['detail', 22], ['list', 18], ['checkout', 6], ['exit', 10]],
  cart: [['checkout', 40], ['detail', 14], ['list', 16], ['exit', 26]],
  checkout: [['orderDetail', 30], ['orders', 30], ['home', 12], ['exit', 28]],
  orders: [['orderDetail', 58], ['home', 10], ['list', 12], ['exit', 20]],
  orderDetail: [['orders', 22], ['list', 20], ['exit', 50]],
};
const MAX_SESSION_REQUESTS = 60;

const SITE = 'https://shop.example.com';
const SEARCH_REFERRERS = [
  ['https://www.google.com/', 70],
  ['https://www.bing.com/', 10],
  ['https://duckduckgo.com/', 6],
  ['https://www.google.co.uk/', 8],
  ['https://www.google.de/', 6],
];

let nextOrderId = 100_231;
const HISTORICAL_ORDERS = [90_000, 100_230];

/** Response body bytes for a page type and status, roughly what the demo server sends. */
function bytesFor(kind, status, ctx) {
  if (status === 304) return 0;
  if (status === 404) return int(38, 62);
  if (status === 500) return 35;
  if (status === 401) return 41;
  switch (kind) {
    case 'home':
      return int(5_380, 5_460);
    case 'robots':
      return 67;
    case 'list':
      return Math.round(uniform(2_600, 9_400));
    case 'detail':
      return Math.round(uniform(1_050, 2_700));
    case 'login':
      return int(176, 184);
    case 'addToCart':
      return 64 + 118 * ctx.cartItems + int(0, 40);
    case 'cart':
      return 52 + 118 * ctx.cartItems + int(0, 40);
    case 'checkout':
      return int(92, 99);
    case 'orders':
      return 24 + 140 * Math.max(1, ctx.orderCount) + int(0, 60);
    case 'orderDetail':
      return int(580, 1_240);
    default:
      return 0;
  }
}

/** events: { t, ip, ua, line-building fields } collected here, sorted at the end. */
const events = [];
let humanSessions = 0;
/** For --stats: session start times and think times (ms) as generated. */
const sessionStarts = [];
const thinkTimes = [];
let returningSessions = 0;
let botSessions = 0;

function emit(user, atMs, method, target, status, bytes, referrer, http) {
  events.push({ t: Math.floor(atMs), ip: user.ip, method, target, http, status, bytes, referrer, ua: user.ua });
}

function thinkTimeMs() {
  // Log-normal, median 7 s; capped below the session timeout (long pauses are modelled as
  // returning visits instead).
  return Math.min(logNormal(7_000, 1.05), 20 * 60_000) + int(200, 900);
}

function humanSession(user, startMs, returning) {
  humanSessions++;
  sessionStarts.push(startMs);
  if (returning) returningSessions++;
  const ctx = { loggedIn: false, cartItems: 0, orderCount: user.orders.length, category: pick(CATEGORY_NAMES), lastProduct: 0 };
  let t = startMs;
  let referrer;
  let kind;
  if (returning) {
    kind = weighted([['home', 45], ['cart', 25], ['orders', 15], ['list', 15]]);
    referrer = chance(0.6) ? '-' : `${SITE}/`;
    ctx.loggedIn = chance(0.7);
  } else {
    kind = weighted([['home', 52], ['detail', 33], ['list', 15]]);
    referrer = kind === 'home' ? weighted([['-', 55], [`${SITE}/`, 5], ...SEARCH_REFERRERS.map(([r, w]) => [r, w * 0.4])]) : weighted(SEARCH_REFERRERS);
  }
  let count = 0;
  let lastPage = '';
  while (kind !== 'exit' && count < MAX_SESSION_REQUESTS) {
    // Checkout needs a login: the site sends the user to log in first.
    if (kind === 'checkout' && !ctx.loggedIn) kind = 'login';
    if ((kind === 'orders' || kind === 'orderDetail') && !ctx.loggedIn) kind = 'login';
    const step = request(kind, ctx, user);
    emit(user, t, step.method, step.target, step.status, bytesFor(kind, step.status, ctx), referrer, user.http);
    count++;
    if (step.page) lastPage = step.page;
    referrer = `${SITE}${lastPage || '/'}`;
    if (kind === 'login' && step.status === 401) {
      kind = chance(0.8) ? 'login' : 'exit';
    } else {
      kind = weighted(TRANSITIONS[kind]);
    }
    if (kind !== 'exit') {
      const gapMs = thinkTimeMs() + int(20, 400);
      thinkTimes.push(gapMs);
      t += gapMs;
    }
  }
  user.lastEndMs = Math.max(user.lastEndMs, t);
  // Some visitors come back later the same day, after more than the session timeout.
  if (chance(0.12)) {
    const backMs = t + uniform(35, 240) * 60_000;
    if (backMs < END_MS - 5 * 60_000) {
      // Kept sorted by time: the arrival loop takes them from the front.
      let at = pendingReturns.length;
      while (at > 0 && pendingReturns[at - 1].t > backMs) at--;
      pendingReturns.splice(at, 0, { user, t: backMs });
    }
  }
}

function request(kind, ctx, user) {
  const serverError = chance(kind === 'checkout' ? 0.006 : 0.0012);
  switch (kind) {
    case 'home': {
      const status = serverError ? 500 : chance(0.09) ? 304 : 200;
      return { method: 'GET', target: '/', status, page: '/' };
    }
    case 'list': {
      if (chance(0.45)) ctx.category = weighted(CATEGORIES);
      const page = weighted([[1, 60], [2, 22], [3, 11], [4, 5], [5, 2]]);
      const target = page === 1 && chance(0.4) ? `/api/products?category=${ctx.category}` : `/api/products?category=${ctx.category}&page=${page}`;
      return { method: 'GET', target, status: serverError ? 500 : 200, page: `/c/${ctx.category}${page > 1 ? `?page=${page}` : ''}` };
    }
    case 'detail': {
      // Stale links from search engines point at products that are gone (ids past 5000).
      const stale = chance(0.006);
      const id = stale ? int(5_001, 6_200) : productInCategory(ctx.category);
      ctx.lastProduct = id;
      const status = stale ? 404 : serverError ? 500 : chance(0.03) ? 304 : 200;
      return { method: 'GET', target: `/api/products/${id}`, status, page: `/p/${id}` };
    }
    case 'login': {
      const failed = chance(0.06);
      if (!failed) ctx.loggedIn = true;
      return { method: 'POST', target: '/api/login', status: serverError ? 500 : failed ? 401 : 200, page: '/login' };
    }
    case 'addToCart': {
      ctx.cartItems++;
      return { method: 'POST', target: '/api/cart/items', status: serverError ? 500 : 200, page: '' };
    }
    case 'cart':
      return { method: 'GET', target: '/api/cart', status: serverError ? 500 : 200, page: '/cart' };
    case 'checkout': {
      if (serverError) return { method: 'POST', target: '/api/checkout', status: 500, page: '' };
      const orderId = nextOrderId++;
      user.orders.push(orderId);
      ctx.orderCount++;
      ctx.cartItems = 0;
      return { method: 'POST', target: '/api/checkout', status: 201, page: `/checkout/done` };
    }
    case 'orders':
      return { method: 'GET', target: '/api/orders', status: serverError ? 500 : 200, page: '/account/orders' };
    case 'orderDetail': {
      const known = user.orders.length > 0 && chance(0.9);
      const id = known ? pick(user.orders) : int(HISTORICAL_ORDERS[0], HISTORICAL_ORDERS[1]);
      const status = chance(0.01) ? 404 : serverError ? 500 : 200;
      return { method: 'GET', target: `/api/orders/${id}`, status, page: `/account/orders/${id}` };
    }
    default:
      throw new Error(`unknown page type ${kind}`);
  }
}

function botSession(startMs) {
  botSessions++;
  const bot = weighted(BOTS.map((b) => [b, b.weight]));
  const user = { ip: `${pick(bot.prefixes)}${int(1, 254)}`, ua: bot.ua, http: 'HTTP/1.1' };
  let t = startMs;
  if (chance(0.3)) {
    emit(user, t, 'GET', '/robots.txt', 200, bytesFor('robots', 200), '-', user.http);
    t += uniform(1_000, 4_000);
  }
  const pages = int(3, 30);
  for (let i = 0; i < pages; i++) {
    // Crawlers walk the catalogue: mostly product pages, sometimes a category listing.
    if (chance(0.15)) {
      const category = pick(CATEGORY_NAMES);
      emit(user, t, 'GET', `/api/products?category=${category}&page=${int(1, 12)}`, 200, bytesFor('list', 200), '-', user.http);
    } else {
      const id = chance(0.01) ? int(5_001, 6_200) : int(1, PRODUCT_COUNT);
      const status = id > PRODUCT_COUNT ? 404 : 200;
      emit(user, t, 'GET', `/api/products/${id}`, status, bytesFor('detail', status), '-', user.http);
    }
    t += logNormal(2_500, 0.6);
  }
}

// ---------------------------------------------------------------------------------------------
// Arrivals: non-homogeneous Poisson processes by thinning (Lewis & Shedler).

const pendingReturns = [];
{
  const maxRate = PEAK_SESSION_STARTS_PER_SEC * Math.max(...DAY_FACTOR) * 1.01; // per second
  let t = START_MS;
  for (;;) {
    t += exponential(1_000 / maxRate);
    // Returning visits whose time has come start before the next new arrival.
    while (pendingReturns.length > 0 && pendingReturns[0].t <= t) {
      const ret = pendingReturns.shift();
      if (ret.user.lastEndMs < ret.t - SESSION_TIMEOUT_MS) humanSession(ret.user, ret.t, true);
    }
    if (t >= END_MS) break;
    if (random() * maxRate > PEAK_SESSION_STARTS_PER_SEC * shapeAt(t)) continue;
    const user = pickUser(t);
    if (user) humanSession(user, t, false);
  }
  for (let b = START_MS + exponential(HOUR_MS / BOT_SESSION_STARTS_PER_HOUR); b < END_MS; b += exponential(HOUR_MS / BOT_SESSION_STARTS_PER_HOUR)) {
    botSession(b);
  }
}

// ---------------------------------------------------------------------------------------------
// Lines.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');
function timeLocal(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

const inRange = events.filter((e) => e.t >= START_MS && e.t < END_MS);
inRange.sort((a, b) => a.t - b.t);
const lines = inRange.map(
  (e) => `${e.ip} - - [${timeLocal(e.t)}] "${e.method} ${e.target} ${e.http}" ${e.status} ${e.bytes} "${e.referrer}" "${e.ua}"`,
);

// Deliberately malformed lines, so that tidemark's rejection counting has something to count.
// Each is inserted at a fixed fraction of the file; README.md lists them. They carry no valid
// request, so they never change the traffic the sample describes.
const MALFORMED = [
  [0.03, '203.0.113.77 - - [26/Nov/2026:01:12:09 +0000] "GET /api/prod'], // truncated mid-request
  [0.11, '@@@@@@@@ ~~~ #%&*!? 0xDEADBEEF ;;;; zzzz'], // garbage (ASCII, so that grep still reads the file as text)
  [0.19, '198.51.100.23 - - [26/Nov/2026:25:61:07 +0000] "GET / HTTP/1.1" 200 5412 "-" "curl/8.5.0"'], // bad timestamp: hour 25, minute 61
  [0.27, '192.0.2.199 - - [31/Nov/2026:10:00:00 +0000] "GET /api/cart HTTP/1.1" 200 170 "-" "curl/8.5.0"'], // bad timestamp: 31 November
  [0.35, '198.51.100.8 - - [2026-11-26T17:03:55Z] "GET /api/orders HTTP/1.1" 200 310 "-" "curl/8.5.0"'], // bad timestamp: ISO 8601 instead of time_local
  [0.43, '203.0.113.14 - - [27/Nov/2026:02:41:30 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"'], // TLS handshake on the plain port: no method/path
  [0.51, '203.0.113.14 - - [27/Nov/2026:06:12:44 +0000] "-" 400 0 "-" "-"'], // connection closed before a request
  [0.6, '2026/11/27 09:30:01 [notice] 2291#2291: signal process started'], // an error-log line mixed in
  [0.68, '192.0.2.51 - - [27/Nov/2026:12:17:26 +0000] "GET /api/products/42 HTTP/1.1" 2xx 1530 "-" "curl/8.5.0"'], // status not a number
  [0.77, '198.51.100.61 - - [27/Nov/2026:15:05:02 +0000] "GET /api/products?category=toys HTTP/1.1" 200 4410 "https://shop.exam'], // truncated in the referrer
  [0.86, '198.51.100.61 - - [27/Nov/2026:18:44:'], // truncated in the timestamp
];
for (let i = MALFORMED.length - 1; i >= 0; i--) {
  const [fraction, line] = MALFORMED[i];
  lines.splice(Math.floor(lines.length * fraction), 0, line);
}

const text = `${lines.join('\n')}\n`;
const plain = Buffer.from(text, 'utf8');
const gz = PLAIN ? plain : gzipSync(plain, { level: 9 });
// The gzip header's mtime is already 0 (zlib writes none); pin the OS byte too (3 = Unix), so
// the file is the same whichever platform regenerates it.
if (!PLAIN) gz[9] = 3;
writeFileSync(OUT, gz);

if (PRINT_STATS) {
  const perHour = new Map();
  for (const e of inRange) {
    const h = Math.floor((e.t - START_MS) / HOUR_MS);
    perHour.set(h, (perHour.get(h) ?? 0) + 1);
  }
  let peakHour = 0;
  let peakCount = 0;
  for (const [h, c] of perHour) if (c > peakCount) [peakHour, peakCount] = [h, c];
  const peakStart = new Date(START_MS + peakHour * HOUR_MS).toISOString();
  const peakStarts = sessionStarts.filter((t) => Math.floor((t - START_MS) / HOUR_MS) === peakHour).length;
  thinkTimes.sort((a, b) => a - b);
  const quantile = (p) => thinkTimes[Math.floor(p * (thinkTimes.length - 1))];
  const byEndpoint = new Map();
  for (const e of inRange) {
    const path = e.target.split('?')[0].replace(/\/\d+$/, '/:id');
    const key = `${e.method} ${path}`;
    byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
  }
  const statuses = new Map();
  for (const e of inRange) statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
  const out = [
    `file            ${OUT}`,
    `seed            ${SEED}`,
    `lines           ${lines.length} (${inRange.length} requests + ${MALFORMED.length} malformed)`,
    `size            ${PLAIN ? '(not compressed)' : `${gz.length} bytes gzip`}, ${plain.length} bytes plain`,
    `span            ${new Date(inRange[0].t).toISOString()} .. ${new Date(inRange[inRange.length - 1].t).toISOString()}`,
    `sessions        ${humanSessions} human (${returningSessions} returning visits), ${botSessions} bot`,
    `mean length     ${((inRange.length) / (humanSessions + botSessions)).toFixed(2)} requests/session (generated)`,
    `distinct ips    ${new Set(inRange.map((e) => e.ip)).size}, distinct ip+ua ${new Set(inRange.map((e) => `${e.ip} ${e.ua}`)).size}`,
    `peak hour       ${peakStart} with ${peakCount} requests = ${(peakCount / 3600).toFixed(2)} req/s, ${(peakStarts / 3600).toFixed(3)} human session starts/s`,
    `think time      p50 ${(quantile(0.5) / 1000).toFixed(1)} s, p90 ${(quantile(0.9) / 1000).toFixed(1)} s, p99 ${(quantile(0.99) / 1000).toFixed(1)} s`,
    `quietest hour   ${Math.min(...perHour.values())} requests`,
    'endpoints',
    ...[...byEndpoint].sort((a, b) => b[1] - a[1]).map(([k, c]) => `  ${k.padEnd(28)} ${String(c).padStart(7)}  ${((100 * c) / inRange.length).toFixed(1)}%`),
    'statuses',
    ...[...statuses].sort((a, b) => a[0] - b[0]).map(([k, c]) => `  ${k} ${String(c).padStart(7)}  ${((100 * c) / inRange.length).toFixed(2)}%`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
