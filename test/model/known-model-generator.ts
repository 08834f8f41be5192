/**
 * Test-only: access-log records generated from a KNOWN traffic model, so that the builder's
 * output can be compared with the truth. Sessions start by an hourly shape over a few days,
 * enter and move by a known transition matrix, think log-normally, and each request gets a
 * concrete path (ids, UUIDs, slugs) that the builder must fold back into its template. Records
 * come in the order nginx writes them (by end time), so start times are slightly out of order.
 */
import { createRng, type Rng } from '../../src/core/rng.js';
import type { LogRecord } from '../../src/core/types.js';

export interface KnownEndpoint {
  key: string;
  method: string;
  path: (rng: Rng) => string;
  query?: (rng: Rng) => string;
}

export interface KnownModel {
  endpoints: KnownEndpoint[];
  /** Probability of entering at each endpoint. */
  entry: number[];
  /** transitions[i][j]: from endpoint i to endpoint j; the rest of the row is the exit. */
  transitions: number[][];
  /** Think time: log-normal with this median and log-sd, capped at 20 minutes. */
  thinkTime: { medianMs: number; sigma: number };
  /** Relative session-start rate for each hour of the day (UTC). */
  hourly: number[];
  days: number;
  sessions: number;
  startMs: number;
}

const SLUGS = Array.from({ length: 300 }, (_, i) => `how-to-${['bake', 'knit', 'sail', 'code', 'grow'][i % 5]}-part-${i}`);

function uuid(rng: Rng): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rng.next() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

export const SHOP: KnownModel = {
  endpoints: [
    { key: 'GET /', method: 'GET', path: () => '/' },
    { key: 'GET /api/products/:id', method: 'GET', path: (rng) => `/api/products/${rng.int(1, 5000)}` },
    { key: 'GET /api/products/sale', method: 'GET', path: () => '/api/products/sale' },
    { key: 'GET /blog/:param', method: 'GET', path: (rng) => `/blog/${SLUGS[Math.floor(Math.pow(rng.next(), 2) * SLUGS.length)]}` },
    { key: 'GET /search', method: 'GET', path: () => '/search', query: (rng) => `q=${['shoes', 'socks', 'hats'][rng.int(0, 2)]}&page=${rng.int(1, 3)}` },
    { key: 'POST /api/cart', method: 'POST', path: () => '/api/cart' },
    { key: 'GET /api/orders/:uuid', method: 'GET', path: (rng) => `/api/orders/${uuid(rng)}` },
    { key: 'POST /api/checkout', method: 'POST', path: () => '/api/checkout' },
  ],
  entry: [0.45, 0.2, 0.05, 0.2, 0.1, 0, 0, 0],
  //            /     prod  sale  blog  srch  cart  ordr  chk   (exit = rest)
  transitions: [
    [0.05, 0.4, 0.15, 0.1, 0.2, 0, 0, 0],
    [0.05, 0.45, 0.05, 0, 0.1, 0.2, 0, 0],
    [0.1, 0.6, 0, 0, 0.05, 0.1, 0, 0],
    [0.1, 0.1, 0, 0.55, 0.05, 0, 0, 0],
    [0, 0.6, 0.05, 0, 0.2, 0, 0, 0],
    [0, 0.3, 0, 0, 0.05, 0.1, 0, 0.45],
    [0.1, 0.2, 0, 0, 0, 0, 0.3, 0],
    [0, 0, 0, 0, 0, 0, 0.8, 0],
  ],
  thinkTime: { medianMs: 8000, sigma: 1.1 },
  hourly: [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.3, 1.2, 1.2, 1.3, 1.5, 1.8, 2.2, 3.0, 2.1, 1.2, 0.6],
  days: 3,
  sessions: 31_000,
  startMs: Date.UTC(2026, 10, 27),
};

function pick(weights: readonly number[], rng: Rng): number {
  let x = rng.next() * weights.reduce((s, w) => s + w, 0);
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

export interface Generated {
  records: LogRecord[];
  /** What was actually generated (the realization of the model). */
  truth: { sessions: number; requests: number; counts: Map<string, number>; thinkTimesMs: number[] };
}

export function generate(model: KnownModel, seed: number): Generated {
  const rng = createRng(seed);
  const n = model.endpoints.length;
  const timed: { endMs: number; record: LogRecord }[] = [];
  const counts = new Map<string, number>();
  const thinkTimesMs: number[] = [];
  const agents = ['Mozilla/5.0 (Windows NT 10.0)', 'Mozilla/5.0 (Macintosh)', 'Mozilla/5.0 (iPhone)', 'Mozilla/5.0 (Linux; Android 14)'];
  for (let s = 0; s < model.sessions; s++) {
    const day = rng.int(0, model.days - 1);
    const hour = pick(model.hourly, rng);
    let t = model.startMs + day * 86_400_000 + hour * 3_600_000 + Math.floor(rng.next() * 3_600_000);
    const client = `10.${(s >> 16) & 255}.${(s >> 8) & 255}.${s & 255}`;
    const userAgent = agents[s % agents.length] as string;
    let at = pick(model.entry, rng);
    for (;;) {
      const e = model.endpoints[at] as KnownEndpoint;
      const durationMs = 5 + Math.floor(rng.next() * 800);
      const record: LogRecord = {
        timeMs: t,
        method: e.method,
        path: e.path(rng),
        query: e.query ? e.query(rng) : '',
        status: rng.next() < 0.02 ? 500 : 200,
        bytes: 200 + Math.floor(rng.next() * 5000),
        durationMs,
        client,
        userAgent,
        referrer: '',
        host: 'shop.example',
        source: 'gen.log:0',
      };
      timed.push({ endMs: t + durationMs, record });
      counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
      const row = model.transitions[at] as number[];
      const exit = Math.max(0, 1 - row.reduce((a, b) => a + b, 0));
      const next = pick([...row, exit], rng);
      if (next === n) break;
      const think = Math.min(20 * 60_000, Math.round(model.thinkTime.medianMs * Math.exp(model.thinkTime.sigma * normal(rng))));
      thinkTimesMs.push(think);
      t += think;
      at = next;
    }
  }
  // nginx writes a line when the request ends: the log is in end-time order.
  timed.sort((a, b) => a.endMs - b.endMs);
  const records = timed.map(({ record }, i) => ({ ...record, source: `gen.log:${i + 1}` }));
  return { records, truth: { sessions: model.sessions, requests: records.length, counts, thinkTimesMs } };
}

/** Expected visits per session to each endpoint: v = entry · (I − Q)⁻¹ (Gauss–Jordan). */
export function expectedVisits(model: KnownModel): number[] {
  const n = model.endpoints.length;
  // Solve (I − Q)ᵀ v = entry.
  const a = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - ((model.transitions[j] as number[])[i] as number)), model.entry[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs((a[r] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number)) pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const p = (a[col] as number[])[col] as number;
    for (let c = col; c <= n; c++) (a[col] as number[])[c] = ((a[col] as number[])[c] as number) / p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = (a[r] as number[])[col] as number;
      for (let c = col; c <= n; c++) (a[r] as number[])[c] = ((a[r] as number[])[c] as number) - f * ((a[col] as number[])[c] as number);
    }
  }
  return a.map((row) => row[n] as number);
}
