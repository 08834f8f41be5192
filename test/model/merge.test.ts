import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import type { Distribution, LogRecord, TrafficModel } from '../../src/core/types.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { parseModel } from '../../src/model/load.js';
import { mergeModels, mixDistributions } from '../../src/model/merge.js';
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

function build(records: LogRecord[], name: string, options: { timeZone?: string; maxEndpoints?: number } = {}): TrafficModel {
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
