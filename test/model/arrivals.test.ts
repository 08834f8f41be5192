import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { createRng } from '../../src/core/rng.js';
import { HOUR, MIN, OPTIONS, SEC, T0, rec } from './records.js';

const DAY = 24 * HOUR;

function build(records: LogRecord[], options: { timeZone?: string } = {}): TrafficModel {
  const b = new ModelBuilder({ ...OPTIONS, ...options });
  for (const r of [...records].sort((x, y) => x.timeMs - y.timeMs)) b.add(r);
  return b.finish();
}

let clientSeq = 0;
/** A session of `requests` requests `gapMs` apart, from its own client (so sessions never join). */
function session(timeMs: number, requests = 1, gapMs = SEC): LogRecord[] {
  clientSeq++;
  const client = `10.${(clientSeq >> 16) & 255}.${(clientSeq >> 8) & 255}.${clientSeq & 255}`;
  return Array.from({ length: requests }, (_, k) => rec({ at: timeMs - T0 + k * gapMs, client }));
}

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

describe('arrivals per minute of the day and per weekday × hour', () => {
  // Three whole days from Friday 2026-11-27 00:00 UTC: f(d, m) sessions start in minute m of day d,
  // each of 1 + (m mod 2) requests, one second apart (so in the same minute).
  const f = (d: number, m: number): number => 1 + ((d * 7 + m * 13) % 5) + (Math.floor(m / 60) === 20 ? 3 : 0);
  const records: LogRecord[] = [];
  for (let d = 0; d < 3; d++) {
    for (let m = 0; m < 1440; m++) for (let k = 0; k < f(d, m); k++) records.push(...session(T0 + d * DAY + m * MIN + k * 100, 1 + (m % 2)));
  }
  // The span must reach the very end of the third day.
  records.push(...session(T0 + 3 * DAY - 1));
  const model = build(records);
  const a = model.arrivals;

  it('averages each minute of the day over the three days', () => {
    expect(a.sessionsPerMinuteOfDay).toHaveLength(1440);
    expect(a.requestsPerMinuteOfDay).toHaveLength(1440);
    for (const m of [0, 1, 59, 60, 61, 719, 1200, 1201, 1438]) {
      const sessions = f(0, m) + f(1, m) + f(2, m);
      expect(a.sessionsPerMinuteOfDay?.[m], `minute ${m}`).toBeCloseTo(sessions / 3, 4);
      expect(a.requestsPerMinuteOfDay?.[m], `minute ${m}`).toBeCloseTo((sessions * (1 + (m % 2))) / 3, 4);
    }
    // The extra session in the last millisecond.
    expect(a.sessionsPerMinuteOfDay?.[1439]).toBeCloseTo((f(0, 1439) + f(1, 1439) + f(2, 1439) + 1) / 3, 4);
    // Per minute × 60 adds up to per hour (whole hours, same exposure).
    const hour20 = (a.sessionsPerMinuteOfDay ?? []).slice(1200, 1260).reduce((x, y) => x + y, 0);
    expect(hour20).toBeCloseTo(a.sessionsPerHour[20] as number, 2);
  });

  it('keeps Friday, Saturday and Sunday apart and leaves the other weekdays null', () => {
    const cells = a.sessionsPerWeekdayHour as (number | null)[];
    expect(cells).toHaveLength(168);
    for (const [weekday, d] of [[4, 0], [5, 1], [6, 2]] as const) {
      for (const h of [0, 9, 20, 23]) {
        let expected = 0;
        for (let m = h * 60; m < h * 60 + 60; m++) expected += f(d, m);
        if (d === 2 && h === 23) expected += 1;
        expect(cells[weekday * 24 + h], `weekday ${weekday} hour ${h}`).toBe(expected);
      }
    }
    for (let weekday = 0; weekday < 4; weekday++) expect(cells.slice(weekday * 24, weekday * 24 + 24)).toEqual(new Array(24).fill(null));
    const requests = a.requestsPerWeekdayHour as (number | null)[];
    let fridayNoon = 0;
    for (let m = 720; m < 780; m++) fridayNoon += f(0, m) * (1 + (m % 2));
    expect(requests[4 * 24 + 12]).toBe(fridayNoon);
  });

  it('counts a minute only over the days the log reaches it (a log that starts at 09:17)', () => {
    const late = build([...session(T0 + 9 * HOUR + 17 * MIN), ...session(T0 + 9 * HOUR + 5 * MIN + DAY), ...session(T0 + 9 * HOUR + 17 * MIN + DAY), ...session(T0 + 2 * DAY + 9 * HOUR + MIN)]);
    // From day 0 09:17 to day 2 09:01: 09:05 is reached on one day only (day 1), 09:17 on two.
    expect(late.arrivals.sessionsPerMinuteOfDay?.[9 * 60 + 5]).toBe(1);
    expect(late.arrivals.sessionsPerMinuteOfDay?.[9 * 60 + 17]).toBe(1);
    expect(late.arrivals.sessionsPerMinuteOfDay?.[9 * 60 + 16]).toBe(0);
    expect(late.arrivals.sessionsPerMinuteOfDay?.[9 * 60 + 1]).toBe(0.5);
    // Hours count partial edges as whole: 09:00-10:00 is touched on three days.
    expect(late.arrivals.sessionsPerHour[9]).toBe(1.333);
  });

  it('has no weekday × hour arrays for a log shorter than 24 hours', () => {
    const short = build([...session(T0 + HOUR), ...session(T0 + 23 * HOUR)]);
    expect(short.arrivals.sessionsPerWeekdayHour).toBeUndefined();
    expect(short.arrivals.requestsPerWeekdayHour).toBeUndefined();
    expect(short.arrivals.sessionsPerMinuteOfDay?.[60]).toBe(1);
  });
});

describe('arrivals in a time zone (--tz)', () => {
  /** `n` sessions in the clock hour starting at `utcMs`. */
  const burst = (utcMs: number, n: number): LogRecord[] => Array.from({ length: n }, (_, i) => session(utcMs + i * 30 * SEC)).flat();

  it('moves the peak hour by the zone’s offset, summer (−4 h) and winter (−5 h)', () => {
    const summer = [...burst(Date.UTC(2026, 6, 1, 12), 5), ...burst(Date.UTC(2026, 6, 1, 18), 20)];
    const winter = [...burst(Date.UTC(2026, 11, 1, 12), 5), ...burst(Date.UTC(2026, 11, 1, 18), 20)];
    expect(build(summer).arrivals.peak.hourOfDay).toBe(18);
    const ny = build(summer, { timeZone: 'America/New_York' });
    expect(ny.arrivals.timeZone).toBe('America/New_York');
    expect(ny.provenance.options.timeZone).toBe('America/New_York');
    expect(ny.arrivals.peak).toMatchObject({ hourOfDay: 14, start: '2026-07-01T18:00:00.000Z', localStart: '2026-07-01T14:00:00.000-04:00', sessions: 20 });
    expect(ny.arrivals.sessionsPerHour[14]).toBe(20);
    expect(ny.arrivals.sessionsPerHour[18]).toBe(0);
    expect(ny.arrivals.hourly[14]).toBeCloseTo(0.8, 6);
    expect(ny.arrivals.sessionsPerMinuteOfDay?.[14 * 60]).toBe(2);
    const nyWinter = build(winter, { timeZone: 'America/New_York' });
    expect(nyWinter.arrivals.peak).toMatchObject({ hourOfDay: 13, localStart: '2026-12-01T13:00:00.000-05:00' });
    // 18:00 UTC is 23:30 in India: in the clock hour 23:00–00:00 that starts at 17:30 UTC.
    expect(build(winter, { timeZone: '+05:30' }).arrivals.peak).toMatchObject({ hourOfDay: 23, localStart: '2026-12-01T23:00:00.000+05:30', start: '2026-12-01T17:30:00.000Z' });
  });

  it('gives the night the clocks go back two clock hours 01:00, and the peak its own', () => {
    // 2026-11-01 in New York: 05:00 UTC is 01:00 EDT, 06:00 UTC is 01:00 EST.
    const day = Date.UTC(2026, 10, 1);
    const records = [...burst(day + 3 * HOUR, 4), ...burst(day + 5 * HOUR, 6), ...burst(day + 6 * HOUR, 10), ...burst(day + 7 * HOUR, 2)];
    const m = build(records, { timeZone: 'America/New_York' });
    const a = m.arrivals;
    expect(a.peak).toMatchObject({ hourOfDay: 1, sessions: 10, start: '2026-11-01T06:00:00.000Z', localStart: '2026-11-01T01:00:00.000-05:00', sessionsPerSec: Number((10 / 3600).toFixed(6)) });
    // Hour 1 was seen twice (exposure 2): (6 + 10) / 2; hour 23 (03:00 UTC, the day before) once.
    expect(a.sessionsPerHour[1]).toBe(8);
    expect(a.sessionsPerHour[23]).toBe(4);
    expect(a.sessionsPerHour[2]).toBe(2);
    expect(a.hourly[1]).toBeCloseTo(16 / 22, 6);
    // Both clock hours 01:00 fill the same minutes of the day (two sessions a minute, 6 then 10
    // sessions), each minute seen twice.
    expect(a.sessionsPerMinuteOfDay?.[60]).toBe(2);
    expect(a.sessionsPerMinuteOfDay?.[63]).toBe(1);
    expect(a.sessionsPerMinuteOfDay?.[65]).toBe(0);
    // UTC would put the peak at 06:00.
    expect(build(records).arrivals.peak.hourOfDay).toBe(6);
  });

  it('has no 02:00 the night the clocks go forward', () => {
    // 2026-03-08 in New York: 06:30 UTC is 01:30 EST, 07:30 UTC is 03:30 EDT.
    const day = Date.UTC(2026, 2, 8);
    const m = build([...burst(day + 6 * HOUR, 3), ...burst(day + 7 * HOUR, 5)], { timeZone: 'America/New_York' });
    expect(m.arrivals.sessionsPerHour.slice(0, 5)).toEqual([0, 3, 0, 5, 0]);
    expect(m.arrivals.peak).toMatchObject({ hourOfDay: 3, localStart: '2026-03-08T03:00:00.000-04:00' });
  });

  it('labels weekdays in the zone: 02:00 UTC on a Saturday is Friday evening in New York', () => {
    const sat2am = Date.UTC(2026, 10, 28, 2);
    const m = build([...burst(sat2am, 3), ...burst(sat2am + 30 * HOUR, 1)], { timeZone: 'America/New_York' });
    const cells = m.arrivals.sessionsPerWeekdayHour as (number | null)[];
    expect(cells[4 * 24 + 21]).toBe(3); // Friday 21:00 EST
    expect(cells[6 * 24 + 3]).toBe(1); // Sunday 08:00 UTC, Sunday 03:00 EST
    expect(cells[5 * 24 + 2]).toBe(0); // Saturday 02:00 EST: seen, quiet
  });

  it('refuses an unknown zone with every other problem of the options', () => {
    expect(() => new ModelBuilder({ ...OPTIONS, timeZone: 'Nowhere/Special', maxEndpoints: 0 })).toThrow(/maxEndpoints: expected a positive integer.*timeZone: unknown time zone "Nowhere\/Special"/);
  });
});

describe('concurrency and Little’s law', () => {
  it('adds each session’s time in flight to the minutes it covers', () => {
    const at = (h: number, m: number, s: number): number => T0 + h * HOUR + m * MIN + s * SEC;
    const records = [rec({ at: at(10, 0, 30) - T0, client: '10.0.0.1' }), rec({ at: at(10, 3, 30) - T0, client: '10.0.0.1' }), rec({ at: at(10, 1, 0) - T0, client: '10.0.0.2' }), rec({ at: at(10, 2, 0) - T0, client: '10.0.0.2' })];
    const c = build(records).arrivals.concurrency;
    // A: 10:00:30–10:03:30 (180 s); B: 10:01:00–10:02:00 (60 s). Minute 10:01 has both, whole.
    expect(c).toEqual({
      mean: 1.333,
      peak: 2,
      peakAt: new Date(at(10, 1, 0)).toISOString(),
      littlesLaw: { arrivalRatePerSec: Number((2 / 3600).toFixed(6)), meanDurationSec: 120, predicted: Number(((2 / 3600) * 120).toFixed(3)), observed: Number((240 / 3600).toFixed(3)), ratio: 1 },
    });
  });

  it('predicts the sessions in flight at the peak hour within 5% on a Poisson log of known rate and durations', () => {
    const rng = createRng(7);
    const ratePerSec = 0.5;
    const records: LogRecord[] = [];
    // Six hours of Poisson arrivals; each session: 3 requests, gaps uniform in [10 s, 50 s] (mean duration 60 s).
    for (let t = T0 + rng.exponential(1000 / ratePerSec); t < T0 + 6 * HOUR; t += rng.exponential(1000 / ratePerSec)) {
      clientSeq++;
      const client = `10.9.${(clientSeq >> 8) & 255}.${clientSeq & 255}`;
      let time = t;
      for (let k = 0; k < 3; k++) {
        records.push(rec({ at: time - T0, client }));
        time += 10_000 + rng.next() * 40_000;
      }
    }
    const m = build(records);
    const c = m.arrivals.concurrency;
    if (c === undefined) throw new Error('no concurrency');
    expect(m.sessions.count).toBeGreaterThan(10_000);
    expect(c.littlesLaw.meanDurationSec).toBeCloseTo(m.sessions.durationSec.mean, 2);
    expect(Math.abs(c.littlesLaw.meanDurationSec - 60)).toBeLessThan(1.5);
    expect(c.littlesLaw.arrivalRatePerSec).toBe(m.arrivals.peak.sessionsPerSec);
    expect(Math.abs(c.littlesLaw.arrivalRatePerSec / ratePerSec - 1)).toBeLessThan(0.1);
    expect(Math.abs((c.littlesLaw.ratio as number) - 1)).toBeLessThan(0.05);
    // Over the whole log: N = λ·W with the true rate, a few % off for the edges and Poisson noise.
    expect(Math.abs(c.mean / (ratePerSec * 60) - 1)).toBeLessThan(0.05);
    expect(c.peak).toBeGreaterThan(c.mean);
    expect(Date.parse(c.peakAt)).toBeGreaterThanOrEqual(T0);
  });
});
