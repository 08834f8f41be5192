import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import type { LogRecord } from '../../src/core/types.js';
import { HOUR, MIN, OPTIONS, T0, rec } from './records.js';

describe('arrivals', () => {
  it('hourly shares sum to 1, per-hour rates average over the days spanned, the peak is the busiest clock hour', () => {
    const records: LogRecord[] = [];
    let n = 0;
    const session = (atMs: number, requests: number): void => {
      n++;
      for (let k = 0; k < requests; k++) records.push(rec({ at: atMs + k * 10_000, client: `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}` }));
    };
    // Day 1: 10 sessions at 09:xx, 30 at 20:xx. Day 2: 10 at 09:xx, 40 at 20:xx (the peak), 5 at 03:xx.
    for (let i = 0; i < 10; i++) session(9 * HOUR + i * MIN, 2);
    for (let i = 0; i < 30; i++) session(20 * HOUR + i * MIN, 3);
    for (let i = 0; i < 5; i++) session(24 * HOUR + 3 * HOUR + i * MIN, 1);
    for (let i = 0; i < 10; i++) session(24 * HOUR + 9 * HOUR + i * MIN, 2);
    for (let i = 0; i < 40; i++) session(24 * HOUR + 20 * HOUR + (i % 20) * MIN, 3);
    // Same session count in one more hour, fewer requests: the tie goes to requests.
    for (let i = 0; i < 40; i++) session(24 * HOUR + 22 * HOUR + i * MIN, 1);
    records.sort((a, b) => a.timeMs - b.timeMs);
    const b = new ModelBuilder(OPTIONS);
    for (const r of records) b.add(r);
    const { arrivals, span } = b.finish();

    expect(arrivals.timeZone).toBe('UTC');
    expect(arrivals.hourly).toHaveLength(24);
    expect(arrivals.hourly.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    expect(arrivals.hourly[20]).toBeCloseTo(70 / 135, 5);
    expect(arrivals.hourly[3]).toBeCloseTo(5 / 135, 5);
    // Span 09:00 day 1 → 22:xx day 2: hour 9 and 20..22 are seen on two days, hour 3 on one.
    expect(arrivals.sessionsPerHour[9]).toBe(10);
    expect(arrivals.sessionsPerHour[20]).toBe(35);
    expect(arrivals.sessionsPerHour[3]).toBe(5);
    expect(arrivals.sessionsPerHour[22]).toBe(20);
    expect(arrivals.requestsPerHour[20]).toBe(105);
    expect(arrivals.sessionsPerHour[23]).toBe(0);

    expect(arrivals.peak).toMatchObject({
      start: new Date(T0 + 44 * HOUR).toISOString(),
      end: new Date(T0 + 45 * HOUR).toISOString(),
      hourOfDay: 20,
      sessions: 40,
      requests: 120,
      sessionsPerSec: Number((40 / 3600).toFixed(6)),
      requestsPerSec: Number((120 / 3600).toFixed(6)),
    });
    expect(arrivals.peak.sessionsPerMinute).toHaveLength(60);
    expect(arrivals.peak.sessionsPerMinute.slice(0, 20)).toEqual(new Array(20).fill(2));
    expect(arrivals.peak.sessionsPerMinute.slice(20).every((c) => c === 0)).toBe(true);

    expect(span.start).toBe(new Date(T0 + 9 * HOUR).toISOString());
    expect(span.end).toBe(new Date(T0 + 46 * HOUR + 39 * MIN).toISOString());
    expect(span.days).toBeCloseTo((37 * HOUR + 39 * MIN) / (24 * HOUR), 4);
  });

  it('an empty log gives a valid, all-zero shape', () => {
    const model = new ModelBuilder(OPTIONS).finish();
    expect(model.arrivals.hourly).toEqual(new Array(24).fill(0));
    expect(model.arrivals.peak.sessions).toBe(0);
    expect(model.totals).toEqual({ requests: 0, rejected: 0, lines: 0 });
  });
});
