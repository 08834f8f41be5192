import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import type { Distribution, LogRecord, ModelSessionClass, TrafficModel } from '../../src/core/types.js';
import { ModelBuilder, type ModelOptions } from '../../src/model/builder.js';
import { parseModel } from '../../src/model/load.js';
import { mergeModels, mixDistributions } from '../../src/model/merge.js';
import { visits } from '../../src/model/merge-sessions.js';
import { parseRoutesFile } from '../../src/model/user-routes.js';
import { HOUR, MIN, OPTIONS, T0, rec } from './records.js';

const DAY = 24 * HOUR;
const PATHS = ['/', '/api/products', '/api/products/:id', '/api/cart', '/api/login'];
/** Next page after each page (index into PATHS, −1 = leave), picked with the weights given. */
const NEXT: [number, number][][] = [
  [[1, 5], [2, 3], [-1, 2]],
  [[2, 6], [1, 1], [-1, 3]],
  [[2, 3], [3, 3], [1, 2], [-1, 2]],
  [[4, 4], [-1, 6]],
  [[-1, 1]],
];

/**
 * One day of a shop (day `d` after T0, a Friday): sessions arrive at a rate that follows the hour
 * of the day (none from 22:40), walk PATHS by NEXT with think times of 2–60 s, and end before
 * midnight, so that no session spans two days. Latency varies by path and doubles on day 1. `clientPrefix`
 * keeps two sources of the same day apart.
 */
function dayLog(d: number, seed: number, clientPrefix = '10'): LogRecord[] {
  const rng = createRng(seed);
  const records: LogRecord[] = [];
  let n = 0;
  for (let h = 0; h < 23; h++) {
    const sessions = 20 + Math.round(60 * Math.sin((Math.PI * h) / 23)) + (d === 1 && h === 19 ? 40 : 0);
    for (let s = 0; s < sessions; s++) {
      n++;
      const client = `${clientPrefix}.${d}.${n >> 8}.${n & 255}`;
      let t = T0 + d * DAY + h * HOUR + rng.next() * 40 * MIN;
      let page = rng.next() < 0.6 ? 0 : 2;
      for (let step = 0; step < 30 && page >= 0; step++) {
        const path = PATHS[page] === '/api/products/:id' ? `/api/products/${1 + Math.floor(rng.next() * 400)}` : (PATHS[page] as string);
        records.push(rec({ at: t - T0, client, path, method: page >= 3 ? 'POST' : 'GET', status: rng.next() < 0.03 ? 500 : 200, durationMs: ((page + 1) * 10 + rng.next() * 50 * (page + 1)) * (1 + d), bytes: 500 + Math.floor(rng.next() * 5000) }));
        t += 2000 + rng.next() * 58_000;
        const options = NEXT[page] as [number, number][];
        let pick = rng.next() * options.reduce((sum, [, w]) => sum + w, 0);
        page = -1;
        for (const [to, w] of options) {
          if ((pick -= w) < 0) {
            page = to;
            break;
          }
        }
      }
    }
  }
  return records;
}

function build(records: LogRecord[], name: string, options: Partial<ModelOptions> = {}): TrafficModel {
  const b = new ModelBuilder({ ...OPTIONS, ...options });
  for (const r of [...records].sort((x, y) => x.timeMs - y.timeMs)) b.add(r);
  b.noteSource({ name, format: 'test', lines: records.length, accepted: records.length, rejected: 0 });
  return JSON.parse(JSON.stringify(b.finish())) as TrafficModel;
}

/** A quantile of `merged` is within `points` percentile points (of rank) of the reference's (± rounding `slack`). */
function expectQuantilesWithin(merged: Distribution, reference: Distribution, points: number, what: string, slack: number): void {
  const q = reference.quantiles;
  for (let k = 0; k < merged.quantiles.length; k++) {
    const low = q[Math.max(0, k - points)] as number;
    const high = q[Math.min(q.length - 1, k + points)] as number;
    const v = merged.quantiles[k] as number;
    expect(v >= low - slack && v <= high + slack, `${what} quantile ${k}: ${v} not in [${low}, ${high}]`).toBe(true);
  }
}

describe('mergeModels', () => {
  const day1 = dayLog(0, 1);
  const day2 = dayLog(1, 2);
  const m1 = build(day1, 'friday.log');
  const m2 = build(day2, 'saturday.log');
  const both = build([...day1, ...day2], 'both');
  const merged = mergeModels(
    [
      { name: 'friday.json', model: m1 },
      { name: 'saturday.json', model: m2 },
    ],
    { tidemarkVersion: '0.0.0-test' },
  );

  it('is a valid model', () => {
    expect(() => parseModel(JSON.parse(JSON.stringify(merged)), 'merged.json')).not.toThrow();
  });

  it('gives the counts of one import of both days, exactly', () => {
    expect(both.sessions.count).toBe(m1.sessions.count + m2.sessions.count); // no session spans the two days
    expect(merged.totals).toEqual(both.totals);
    expect(merged.span).toEqual(both.span);
    expect(merged.sessions.count).toBe(both.sessions.count);
    expect(merged.endpoints.map((e) => [e.key, e.count, e.statusClasses])).toEqual(both.endpoints.map((e) => [e.key, e.count, e.statusClasses]));
    for (const d of ['length', 'durationSec', 'thinkTimeMs'] as const) {
      expect(merged.sessions[d].count).toBe(both.sessions[d].count);
      expect(merged.sessions[d].min).toBe(both.sessions[d].min);
      expect(merged.sessions[d].max).toBe(both.sessions[d].max);
    }
  });

  it('gives its shares within 1e-6: endpoint mix, entries, transitions', () => {
    const close = (a: Record<string, number>, b: Record<string, number>, what: string): void => {
      expect(Object.keys(a).sort(), what).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(b)) expect(Math.abs((a[k] as number) - (b[k] as number)), `${what} ${k}`).toBeLessThanOrEqual(1e-6);
    };
    close(Object.fromEntries(merged.endpoints.map((e) => [e.key, e.share])), Object.fromEntries(both.endpoints.map((e) => [e.key, e.share])), 'mix');
    close(merged.sessions.entry, both.sessions.entry, 'entry');
    expect(Object.keys(merged.sessions.transitions).sort()).toEqual(Object.keys(both.sessions.transitions).sort());
    for (const from of Object.keys(both.sessions.transitions)) close(merged.sessions.transitions[from] ?? {}, both.sessions.transitions[from] ?? {}, from);
  });

  it('gives its arrivals exactly: hourly, per minute of the day, weekday × hour, the peak', () => {
    const a = merged.arrivals;
    const b = both.arrivals;
    expect(a.hourly).toEqual(b.hourly);
    expect(a.sessionsPerHour).toEqual(b.sessionsPerHour);
    expect(a.requestsPerHour).toEqual(b.requestsPerHour);
    expect(a.sessionsPerMinuteOfDay).toEqual(b.sessionsPerMinuteOfDay);
    expect(a.requestsPerMinuteOfDay).toEqual(b.requestsPerMinuteOfDay);
    // One-day models have no weekday × hour arrays: they come from their per-minute counts.
    expect(m1.arrivals.sessionsPerWeekdayHour).toBeUndefined();
    expect(b.sessionsPerWeekdayHour).toHaveLength(168);
    expect(a.sessionsPerWeekdayHour).toEqual(b.sessionsPerWeekdayHour);
    expect(a.requestsPerWeekdayHour).toEqual(b.requestsPerWeekdayHour);
    expect(a.peak).toEqual(b.peak);
    expect(a.peak.hourOfDay).toBe(19);
  });

  it('mixes distributions to within one percentile point of rank, with exact means', () => {
    for (const [d, decimals] of [['length', 2], ['durationSec', 3], ['thinkTimeMs', 1]] as const) {
      // Each mean was rounded to `decimals` before it was weighted.
      expect(Math.abs(merged.sessions[d].mean - both.sessions[d].mean), d).toBeLessThanOrEqual(10 ** -decimals + 1e-9);
      expectQuantilesWithin(merged.sessions[d], both.sessions[d], 1, d, 10 ** -decimals / 2 + 1e-9);
    }
    // Endpoint latencies keep only p50/p90/p99: their mixture is within 10%.
    for (const e of both.endpoints) {
      const m = merged.endpoints.find((x) => x.key === e.key);
      for (const p of ['p50', 'p90', 'p99'] as const) expect(Math.abs((m?.latencyMs?.[p] as number) / (e.latencyMs?.[p] as number) - 1), `${e.key} ${p}`).toBeLessThan(0.1);
      // Each mean was rounded to 0.1 before it was weighted.
      expect(Math.abs((m?.bytes?.mean as number) - (e.bytes?.mean as number))).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });

  it('gives the concurrency of one import to within 0.1%, and Little’s law at the same peak hour', () => {
    const a = merged.arrivals.concurrency;
    const b = both.arrivals.concurrency;
    if (a === undefined || b === undefined) throw new Error('no concurrency');
    expect(Math.abs(a.mean / b.mean - 1)).toBeLessThan(0.001);
    expect(a.peak).toBe(b.peak);
    expect(a.peakAt).toBe(b.peakAt);
    expect(a.littlesLaw.arrivalRatePerSec).toBe(b.littlesLaw.arrivalRatePerSec);
    expect(a.littlesLaw.observed).toBe(b.littlesLaw.observed);
    expect(Math.abs(a.littlesLaw.meanDurationSec - b.littlesLaw.meanDurationSec)).toBeLessThanOrEqual(0.002);
  });

  it('concatenates sources and records how many models were merged', () => {
    expect(merged.provenance.sources.map((s) => s.name)).toEqual(['friday.log', 'saturday.log']);
    expect(merged.provenance.options).toMatchObject({ timeZone: 'UTC', mergedModels: 2, maxEndpoints: 200, sessionTimeoutSec: 1800 });
    expect(merged.provenance.tidemarkVersion).toBe('0.0.0-test');
  });

  it('adds up two sources of the same day: arrivals as one import of both, not a doubled exposure', () => {
    const a = dayLog(0, 3, '10');
    const b = dayLog(0, 4, '172');
    const m = mergeModels(
      [
        { name: 'a.json', model: build(a, 'a') },
        { name: 'b.json', model: build(b, 'b') },
      ],
      { tidemarkVersion: 't' },
    );
    const together = build([...a, ...b], 'both');
    expect(m.totals).toEqual(together.totals);
    expect(m.arrivals.sessionsPerHour).toEqual(together.arrivals.sessionsPerHour);
    expect(m.arrivals.requestsPerMinuteOfDay).toEqual(together.arrivals.requestsPerMinuteOfDay);
    expect(m.arrivals.hourly).toEqual(together.arrivals.hourly);
  });

  it('applies the endpoint cap again: the smallest endpoints go to METHOD /:other, transitions follow', () => {
    const capped = mergeModels(
      [
        { name: 'friday.json', model: m1 },
        { name: 'saturday.json', model: m2 },
      ],
      { tidemarkVersion: 't', maxEndpoints: 3 },
    );
    expect(capped.endpoints).toHaveLength(3);
    expect(capped.endpoints.map((e) => e.key)).toContain('POST /:other');
    expect(capped.endpoints.reduce((s, e) => s + e.count, 0)).toBe(both.totals.requests);
    expect(capped.endpoints.find((e) => e.key === 'POST /:other')?.params?.[':other']).toEqual(expect.arrayContaining(['/api/cart', '/api/login']));
    const keys = new Set(capped.endpoints.map((e) => e.key));
    for (const [from, row] of Object.entries(capped.sessions.transitions)) {
      expect(keys.has(from)).toBe(true);
      for (const to of Object.keys(row)) expect(to === '$exit' || keys.has(to)).toBe(true);
      expect(Object.values(row).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
    }
    expect(() => parseModel(JSON.parse(JSON.stringify(capped)), 'capped.json')).not.toThrow();
  });

  it('refuses models of different time zones, schema versions or sessions, listing every difference', () => {
    const ny = build(day2, 'saturday.log', { timeZone: 'America/New_York' });
    const v2 = { ...m2, schemaVersion: 2 } as unknown as TrafficModel;
    const short = { ...m2, sessions: { ...m2.sessions, timeoutSec: 600 } };
    let error: unknown;
    try {
      mergeModels(
        [
          { name: 'friday.json', model: m1 },
          { name: 'ny.json', model: ny },
          { name: 'v2.json', model: v2 },
          { name: 'short.json', model: short },
        ],
        { tidemarkVersion: 't' },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([
      'ny.json: time zone America/New_York, but friday.json has UTC',
      'v2.json: schemaVersion 2, but friday.json has 1',
      'short.json: session timeout 600s, but friday.json has 1800s',
    ]);
    expect((error as InputError).hint).toContain('--tz');
  });
});

describe('mixDistributions', () => {
  const quantiles = (values: number[]): number[] => {
    const sorted = [...values].sort((a, b) => a - b);
    return Array.from({ length: 101 }, (_, k) => {
      const rank = (k / 100) * (sorted.length - 1);
      const lo = Math.floor(rank);
      return (sorted[lo] as number) + ((sorted[Math.min(lo + 1, sorted.length - 1)] as number) - (sorted[lo] as number)) * (rank - lo);
    });
  };
  const dist = (values: number[]): Distribution => {
    const q = quantiles(values);
    return { count: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length, min: q[0] as number, max: q[100] as number, p50: q[50] as number, p90: q[90] as number, p95: q[95] as number, p99: q[99] as number, quantiles: q };
  };

  it('copies a single distribution and ignores empty ones', () => {
    const d = dist([1, 2, 3, 4, 10]);
    expect(mixDistributions([d, { ...d, count: 0 }], 3)).toEqual(d);
  });

  it('weights by count: the quantiles of two samples are those of their union, within a percentile point', () => {
    const rng = createRng(3);
    const a = Array.from({ length: 3000 }, () => rng.exponential(100));
    const b = Array.from({ length: 1000 }, () => 500 + rng.next() * 1000);
    const mixed = mixDistributions([dist(a), dist(b)], 6);
    const union = dist([...a, ...b]);
    expect(mixed.count).toBe(4000);
    expect(mixed.mean).toBeCloseTo(union.mean, 6);
    expect(mixed.min).toBeCloseTo(union.min, 6);
    expect(mixed.max).toBeCloseTo(union.max, 6);
    expectQuantilesWithin(mixed, union, 1, 'mix', 1e-6);
    // Three quarters of the mass is below ~140: the median is in a's range, p90 in b's.
    expect(mixed.p50).toBeLessThan(200);
    expect(mixed.p90).toBeGreaterThan(500);
  });
});

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const SEARCH_WORDS = ['shoes', 'socks', 'hat', 'coat', 'scarf', 'gloves'];
/** A skewed parameter of 15 values: more than a `top` list (10) holds, so each day's list is cut. */
const REF_VALUES = Array.from({ length: 15 }, (_, i) => `r${i}`);
/** Mean think time (ms) before a request to each page, so that each transition has its own. */
const THINK_BEFORE = [8_000, 6_000, 30_000, 3_000, 12_000];

/**
 * A richer day (`d` after T0): people identified by a `sid` cookie (one in ten without one), who
 * load `/` with its stylesheet and script, list products with query strings, search (sometimes
 * with a token, and once a day with 22 parameters, more than `query` lists), and take think
 * times that depend on the page they go to; Googlebot crawls product pages a second apart, a
 * `curl` monitor polls /health. Every session ends before midnight.
 */
function richDayLog(d: number, seed: number): LogRecord[] {
  const rng = createRng(seed);
  const records: LogRecord[] = [];
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rng.next() * values.length)] as T;
  let n = 0;
  for (let h = 0; h < 23; h++) {
    const sessions = 10 + Math.round(20 * Math.sin((Math.PI * h) / 23));
    for (let s = 0; s < sessions; s++) {
      n++;
      const client = `10.${d}.${n >> 8}.${n & 255}`;
      const sessionKey = rng.next() < 0.1 ? '' : `sid-${d}-${n}`;
      const person = (at: number, path: string, fields: Partial<LogRecord> = {}): void => {
        records.push(rec({ at: at - T0, client, userAgent: BROWSER, sessionKey, path, durationMs: 20 + rng.next() * 80, bytes: 300 + Math.floor(rng.next() * 3000), ...fields }));
      };
      let t = T0 + d * DAY + h * HOUR + rng.next() * 40 * MIN;
      let page = rng.next() < 0.6 ? 0 : 1;
      for (let step = 0; step < 30 && page >= 0; step++) {
        if (page === 0) {
          person(t, '/');
          person(t + 80 + rng.next() * 40, '/assets/app.css');
          person(t + 200 + rng.next() * 100, '/assets/app.js');
          t += 400;
        } else if (page === 1) {
          const query = `sort=${pick(['price', 'name', 'new'])}&page=${1 + Math.floor(rng.next() * 4)}` + (rng.next() < 0.5 ? `&ref=${REF_VALUES[Math.floor(REF_VALUES.length * rng.next() ** 2)]}` : '');
          person(t, '/api/products', { query });
        } else if (page === 2) person(t, `/api/products/${1 + Math.floor(rng.next() * 300)}`);
        else if (page === 3) person(t, '/api/cart', { method: 'POST' });
        else person(t, '/api/search', { query: `q=${pick(SEARCH_WORDS)}` + (rng.next() < 0.2 ? '&token=0123456789abcdef0123456789abcdef' : '') });
        const options = NEXT[page] as [number, number][];
        let w = rng.next() * options.reduce((sum, [, x]) => sum + x, 0);
        let next = -1;
        for (const [to, x] of options) {
          if ((w -= x) < 0) {
            next = to;
            break;
          }
        }
        // From the cart, some go on to search.
        if (page === 3 && next < 0 && rng.next() < 0.5) next = 4;
        page = next;
        if (page >= 0) t += (THINK_BEFORE[page] as number) * (0.5 + rng.next());
      }
    }
    // Googlebot: two crawls an hour, robots.txt then ten product pages a second apart.
    for (let c = 0; c < 2; c++) {
      const client = `66.249.${d}.${h * 2 + c}`;
      let t = T0 + d * DAY + h * HOUR + (c * 20 + rng.next() * 10) * MIN;
      records.push(rec({ at: t - T0, client, userAgent: GOOGLEBOT, sessionKey: '', path: '/robots.txt', durationMs: 2, bytes: 80 }));
      for (let i = 0; i < 10; i++) {
        t += 800 + rng.next() * 400;
        records.push(rec({ at: t - T0, client, userAgent: GOOGLEBOT, sessionKey: '', path: `/api/products/${1 + Math.floor(rng.next() * 300)}`, durationMs: 30 + rng.next() * 50, bytes: 2000 }));
      }
    }
    // A monitor: three polls 10 s apart at the start of each hour.
    for (let i = 0; i < 3; i++) records.push(rec({ at: d * DAY + h * HOUR + i * 10_000, client: '192.0.2.9', userAgent: 'curl/8.4.0', sessionKey: '', path: '/health', query: 'probe=1', durationMs: 1, bytes: 2 }));
  }
  // Once a day, a search with 22 parameters: 20 names are listed, the rest summed up in queryOther.
  const at = d * DAY + 12 * HOUR + 7 * MIN;
  records.push(rec({ at, client: `10.${d}.250.1`, userAgent: BROWSER, sessionKey: `sid-${d}-many`, path: '/api/search', query: Array.from({ length: 22 }, (_, k) => `a${k}=${k}`).join('&') }));
  return records;
}

/** Each quantile of `merged` lies between the reference's `steps` neighbours either side, widened by `relative` of it. */
function expectBetweenNeighbours(merged: Distribution, reference: Distribution, steps: number, relative: number, what: string): void {
  const q = reference.quantiles;
  expect(merged.quantiles, what).toHaveLength(q.length);
  for (let k = 0; k < q.length; k++) {
    const low = (q[Math.max(0, k - steps)] as number) * (1 - relative) - 0.5;
    const high = (q[Math.min(q.length - 1, k + steps)] as number) * (1 + relative) + 0.5;
    const v = merged.quantiles[k] as number;
    expect(v >= low && v <= high, `${what} quantile ${k}: ${v} not in [${low}, ${high}]`).toBe(true);
  }
}

function expectSharesClose(a: Record<string, number> | undefined, b: Record<string, number> | undefined, what: string): void {
  expect(Object.keys(a ?? {}).sort(), what).toEqual(Object.keys(b ?? {}).sort());
  for (const k of Object.keys(b ?? {})) expect(Math.abs((a?.[k] as number) - (b?.[k] as number)), `${what} ${k}`).toBeLessThanOrEqual(1e-6);
}

describe('mergeModels: every field of the model (people and bots, query strings, static assets, a session key)', () => {
  const options: Partial<ModelOptions> = { sessionKey: 'cookie:sid', userRoutes: parseRoutesFile('GET /api/products/:id\n', 'routes.txt') };
  const day1 = richDayLog(0, 11);
  const day2 = richDayLog(1, 12);
  const m1 = build(day1, 'friday.log', options);
  const m2 = build(day2, 'saturday.log', options);
  const both = build([...day1, ...day2], 'both', options);
  const merged = mergeModels(
    [
      { name: 'friday.json', model: m1 },
      { name: 'saturday.json', model: m2 },
    ],
    { tidemarkVersion: '0.0.0-test' },
  );
  const endpoint = (m: TrafficModel, key: string): NonNullable<TrafficModel['endpoints'][number]> => {
    const e = m.endpoints.find((x) => x.key === key);
    if (e === undefined) throw new Error(`no endpoint ${key}`);
    return e;
  };

  it('is a valid model, with the parts the inputs have', () => {
    expect(() => parseModel(JSON.parse(JSON.stringify(merged)), 'merged.json')).not.toThrow();
    expect(both.sessions.count).toBe(m1.sessions.count + m2.sessions.count); // no session spans the two days
    for (const m of [m1, m2]) {
      expect(m.sessions.classes?.bot.thinkTimeByTransition, 'both classes have their own statistics').toBeDefined();
      expect(m.sessions.keyMissing).toBeGreaterThan(0);
    }
  });

  it('gives the counts of one import of both days exactly: classes, keyMissing, static flags', () => {
    expect(merged.totals).toEqual(both.totals);
    expect(merged.endpoints.map((e) => [e.key, e.count, e.statusClasses, e.static])).toEqual(both.endpoints.map((e) => [e.key, e.count, e.statusClasses, e.static]));
    expect(merged.endpoints.filter((e) => e.static === true).map((e) => e.key).sort()).toEqual(['GET /assets/app.css', 'GET /assets/app.js', 'GET /robots.txt']);
    expect(merged.sessions.keyMissing).toBe(both.sessions.keyMissing);
    expect(merged.sessions.key).toBe('cookie:sid');
    for (const c of ['human', 'bot'] as const) {
      expect(merged.sessions.classes?.[c].count, c).toBe(both.sessions.classes?.[c].count);
      expect(merged.sessions.classes?.[c].requests, c).toBe(both.sessions.classes?.[c].requests);
    }
  });

  it('gives the query statistics of one import: shares within 1e-6, complete top lists exactly, distinct as a lower bound', () => {
    for (const b of both.endpoints) {
      const m = endpoint(merged, b.key);
      expect(Object.keys(m.query ?? {}).sort(), b.key).toEqual(Object.keys(b.query ?? {}).sort());
      for (const [name, q] of Object.entries(b.query ?? {})) {
        const mq = m.query?.[name];
        if (mq === undefined) throw new Error(`${b.key} ?${name} missing`);
        const what = `${b.key} ?${name}`;
        expect(Math.abs(mq.share - q.share), what).toBeLessThanOrEqual(1e-6);
        // The sketches are not in the model: the largest input's estimate, never above the truth.
        const inputs = [m1, m2].map((x) => x.endpoints.find((e) => e.key === b.key)?.query?.[name]?.distinct ?? 0);
        expect(mq.distinct, what).toBe(Math.max(...inputs));
        expect(mq.distinct, what).toBeLessThanOrEqual(q.distinct);
        const complete = [m1, m2].every((x) => (x.endpoints.find((e) => e.key === b.key)?.query?.[name]?.otherShare ?? 0) === 0);
        const byValue = (top: [string, number][]): [string, number][] => [...top].sort((x, y) => (x[0] < y[0] ? -1 : 1));
        if (complete) {
          expect(byValue(mq.top), what).toEqual(byValue(q.top));
          expect(mq.otherShare, what).toBe(q.otherShare);
        } else {
          // A value a day's list cut off is missing from that day's count: merged counts are lower bounds.
          const truth = new Map(q.top);
          for (const [value, count] of mq.top) if (truth.has(value)) expect(count, `${what}=${value}`).toBeLessThanOrEqual(truth.get(value) as number);
          expect(Math.abs(mq.otherShare - q.otherShare), what).toBeLessThan(0.05);
        }
      }
      if (b.queryOther === undefined) expect(m.queryOther, b.key).toBeUndefined();
      else {
        expect(m.queryOther?.names, b.key).toBe(b.queryOther.names);
        expect(Math.abs((m.queryOther?.share as number) - b.queryOther.share), b.key).toBeLessThanOrEqual(1e-6);
      }
    }
    // What the data was built to cover: sensitive values never kept, a cut list, a listing past 20 names.
    const search = endpoint(merged, 'GET /api/search');
    expect(search.query?.token).toMatchObject({ top: [], otherShare: 1 });
    expect(search.queryOther).toEqual({ names: 4, share: expect.any(Number) as number });
    expect(endpoint(merged, 'GET /api/products').query?.ref?.otherShare).toBeGreaterThan(0);
    expect(endpoint(merged, 'GET /api/products').query?.sort?.top).toHaveLength(3);
  });

  it('gives the entry and transition tables of one import within 1e-6, for all traffic and each class', () => {
    expectSharesClose(merged.sessions.entry, both.sessions.entry, 'entry');
    expect(Object.keys(merged.sessions.transitions).sort()).toEqual(Object.keys(both.sessions.transitions).sort());
    for (const from of Object.keys(both.sessions.transitions)) expectSharesClose(merged.sessions.transitions[from], both.sessions.transitions[from], from);
    for (const c of ['human', 'bot'] as const) {
      const a = merged.sessions.classes?.[c] as ModelSessionClass;
      const b = both.sessions.classes?.[c] as ModelSessionClass;
      expectSharesClose(a.entry, b.entry, `${c} entry`);
      expect(Object.keys(a.transitions ?? {}).sort(), c).toEqual(Object.keys(b.transitions ?? {}).sort());
      for (const from of Object.keys(b.transitions ?? {})) expectSharesClose(a.transitions?.[from], b.transitions?.[from], `${c} ${from}`);
      for (const [d, decimals] of [['length', 2], ['durationSec', 3], ['thinkTimeMs', 1]] as const) {
        const x = a[d] as Distribution;
        const y = b[d] as Distribution;
        expect([x.count, x.min, x.max], `${c} ${d}`).toEqual([y.count, y.min, y.max]);
        expectQuantilesWithin(x, y, 1, `${c} ${d}`, 10 ** -decimals / 2 + 1e-9);
      }
    }
  });

  it('mixes the think times of each transition: the same transitions, counts exact, deciles within a decile of rank (±3%)', () => {
    const tables: [string, TrafficModel['sessions']['thinkTimeByTransition'], TrafficModel['sessions']['thinkTimeByTransition']][] = [
      ['all', merged.sessions.thinkTimeByTransition, both.sessions.thinkTimeByTransition],
      ['human', merged.sessions.classes?.human.thinkTimeByTransition, both.sessions.classes?.human.thinkTimeByTransition],
      ['bot', merged.sessions.classes?.bot.thinkTimeByTransition, both.sessions.classes?.bot.thinkTimeByTransition],
    ];
    let checked = 0;
    for (const [what, a, b] of tables) {
      expect(Object.keys(a ?? {}).sort(), what).toEqual(Object.keys(b ?? {}).sort());
      for (const [from, row] of Object.entries(b ?? {})) {
        expect(Object.keys(a?.[from] ?? {}).sort(), `${what} ${from}`).toEqual(Object.keys(row).sort());
        for (const [to, d] of Object.entries(row)) {
          const m = a?.[from]?.[to] as Distribution;
          const label = `${what} ${from} → ${to}`;
          // Every transition written here had its 30 gaps on each day: its count is exact.
          expect([m.count, m.min, m.max], label).toEqual([d.count, d.min, d.max]);
          expect(Math.abs(m.mean - d.mean), label).toBeLessThanOrEqual(1);
          expectBetweenNeighbours(m, d, 1, 0.03, label);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    expect(merged.sessions.thinkTimeByTransition?.['GET /']?.['GET /assets/app.css']).toBeDefined();
    expect(merged.sessions.classes?.bot.thinkTimeByTransition?.['GET /api/products/:id']?.['GET /api/products/:id']).toBeDefined();
  });

  it('merges provenance: user routes (sources once, matched summed), options', () => {
    expect(merged.provenance.userRoutes).toEqual(both.provenance.userRoutes);
    expect(merged.provenance.userRoutes?.matched).toBeGreaterThan(0);
    expect(merged.provenance.options).toMatchObject({ sessionKey: 'cookie:sid', mergedModels: 2 });
    expect(merged.provenance.excluded).toBeUndefined();
  });

  it('adds up requests left out with --exclude-static, and totals.lines with them', () => {
    const x1 = build(day1, 'friday.log', { ...options, excludeStatic: true });
    const x2 = build(day2, 'saturday.log', { ...options, excludeStatic: true });
    const together = build([...day1, ...day2], 'both', { ...options, excludeStatic: true });
    const m = mergeModels(
      [
        { name: 'a.json', model: x1 },
        { name: 'b.json', model: x2 },
      ],
      { tidemarkVersion: 't' },
    );
    expect(m.provenance.excluded).toEqual(together.provenance.excluded);
    expect(m.provenance.excluded?.static).toBe((x1.provenance.excluded?.static as number) + (x2.provenance.excluded?.static as number));
    expect(m.totals).toEqual(together.totals);
    expect(m.endpoints.some((e) => e.static === true)).toBe(false);
    expect(() => parseModel(JSON.parse(JSON.stringify(m)), 'm.json')).not.toThrow();
  });

  it('folds query statistics and think times into METHOD /:other when the cap is applied again', () => {
    const capped = mergeModels(
      [
        { name: 'friday.json', model: m1 },
        { name: 'saturday.json', model: m2 },
      ],
      { tidemarkVersion: 't', maxEndpoints: 4 },
    );
    expect(() => parseModel(JSON.parse(JSON.stringify(capped)), 'capped.json')).not.toThrow();
    const other = capped.endpoints.find((e) => e.key === 'GET /:other');
    if (other === undefined) throw new Error('no GET /:other');
    // /api/search (with its token and 22-name request) and /health were folded into the bucket.
    expect(other.query?.q?.share).toBeGreaterThan(0);
    expect(other.query?.probe?.top).toEqual([['1', 3 * 23 * 2]]);
    // 5 names are left out (a5 … a9); the search's 4 were only counted, and could have been
    // `probe`, listed now: the lower bound is 4 − 1 + the 1 known (a5).
    expect(other.queryOther?.names).toBe(4);
    const keys = new Set(capped.endpoints.map((e) => e.key));
    for (const table of [capped.sessions.thinkTimeByTransition, capped.sessions.classes?.human.thinkTimeByTransition, capped.sessions.classes?.bot.thinkTimeByTransition]) {
      for (const [from, row] of Object.entries(table ?? {})) {
        expect(keys.has(from), from).toBe(true);
        for (const to of Object.keys(row)) expect(keys.has(to), to).toBe(true);
      }
    }
  });

  it('leaves out classes when an input was written before them, and keeps per-transition think times of the others', () => {
    const older = structuredClone(m2) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete older.sessions.classes;
    delete older.sessions.thinkTimeByTransition;
    delete older.sessions.keyMissing;
    const m = mergeModels(
      [
        { name: 'friday.json', model: m1 },
        { name: 'old.json', model: older as unknown as TrafficModel },
      ],
      { tidemarkVersion: 't' },
    );
    expect(m.sessions.classes).toBeUndefined();
    expect(m.sessions.keyMissing).toBe(m1.sessions.keyMissing);
    expect(m.sessions.thinkTimeByTransition).toEqual(m1.sessions.thinkTimeByTransition);
    expect(() => parseModel(JSON.parse(JSON.stringify(m)), 'm.json')).not.toThrow();
  });

  it('refuses models of different session identities', () => {
    const ipua = build(day2, 'saturday.log', { userRoutes: options.userRoutes });
    expect(() =>
      mergeModels(
        [
          { name: 'friday.json', model: m1 },
          { name: 'ipua.json', model: ipua },
        ],
        { tidemarkVersion: 't' },
      ),
    ).toThrow(expect.objectContaining({ problems: ['ipua.json: session identity ip+ua, but friday.json has cookie:sid'] }));
  });
});

describe('visits', () => {
  it('recovers the requests of each endpoint from entry and transition shares', () => {
    // 10 sessions: A entered 6 times, B 4; A → B 3, A → exit 5; B → A 2, B → exit 5: A 8 requests, B 7.
    const v = visits(10, { entry: { A: 0.6, B: 0.4 }, transitions: { A: { B: 0.375, $exit: 0.625 }, B: { A: 0.285714, $exit: 0.714286 } } });
    expect(v.get('A')).toBeCloseTo(8, 4);
    expect(v.get('B')).toBeCloseTo(7, 4);
    expect(visits(0, { entry: {}, transitions: {} }).size).toBe(0);
  });
});

describe('mergeModels: aggregated reports', () => {
  it('unites provenance.parts part by part', () => {
    const report = (source: string, summary: Parameters<ModelBuilder['addAggregate']>[1]): TrafficModel => {
      const b = new ModelBuilder(OPTIONS);
      b.addAggregate(source, summary);
      b.noteSource({ name: source, format: 'ga-csv', lines: 10, accepted: 10, rejected: 0 });
      return JSON.parse(JSON.stringify(b.finish())) as TrafficModel;
    };
    const pages = report('pages.csv', { pageMix: [{ page: '/', pageviews: 100 }, { page: '/about', pageviews: 20 }], pagesPerSession: 2, dateRange: { start: '2026-11-27', end: '2026-11-27' } });
    const hours = report('hours.csv', { pageMix: [{ page: '/', pageviews: 50 }], sessionsByHour: Array.from({ length: 24 }, (_, h) => (h < 8 ? 1 : 3)), dateRange: { start: '2026-11-28', end: '2026-11-28' } });
    expect(pages.provenance.parts).toBeDefined();
    const m = mergeModels(
      [
        { name: 'pages.json', model: pages },
        { name: 'hours.json', model: hours },
      ],
      { tidemarkVersion: 't' },
    );
    const expected: Record<string, string[]> = {};
    for (const model of [pages, hours]) for (const [part, names] of Object.entries(model.provenance.parts ?? {})) expected[part] = [...new Set([...(expected[part] ?? []), ...names])];
    expect(m.provenance.parts).toEqual(expected);
    expect(m.provenance.parts?.endpoints).toEqual(['pages.csv', 'hours.csv']);
    expect(m.endpoints.find((e) => e.key === 'GET /')?.count).toBe(150);
    expect(() => parseModel(JSON.parse(JSON.stringify(m)), 'm.json')).not.toThrow();
  });
});
