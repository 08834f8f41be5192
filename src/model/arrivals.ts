/**
 * Arrivals: when sessions start and requests come, in the model's day frame (`import --tz`,
 * UTC by default; see time-zone.ts), and how many sessions are in flight at once.
 *
 * Counts are kept per clock hour actually observed (one small record per hour of the log: a year
 * is 8,760 of them), with session starts per minute, so that the busiest hour can be played back
 * with its own minute-by-minute shape; and per minute of the day in two fixed arrays of 1,440.
 * A "clock hour" is an hour of the frame's wall clock: with daylight saving, the night the clocks
 * go back has two clock hours 01:00–02:00 (two records, both of hour-of-day 1) and the night they
 * go forward has none 02:00–03:00.
 *
 * Averages over the days spanned. The *exposure* of a slot (an hour of the day, a weekday × hour,
 * a minute of the day) is how many clock hours (minutes) of that slot the log's span touches,
 * from its first to its last request, partial ones at the edges counting as whole ones. A slot's
 * average is its count divided by its exposure, 0 when the span does not reach it (null for
 * weekday × hour cells, where most slots of a short log are unobserved).
 *
 * - `hourly[h]`: share of all session starts that fall in hour-of-day h (sums to 1 when there is
 *   any session).
 * - `sessionsPerHour[h]`, `requestsPerHour[h]`: average count per clock hour of hour-of-day h
 *   (3 decimals).
 * - `sessionsPerMinuteOfDay[m]`, `requestsPerMinuteOfDay[m]` (m = 60 × hour + minute, 1,440
 *   each): average count per clock minute of minute-of-day m (4 decimals). The exposure is per
 *   minute, so a log that starts at 09:17 leaves 09:00–09:16 of its first day out of the average.
 * - `sessionsPerWeekdayHour[24 × d + h]`, `requestsPerWeekdayHour[…]` (d = 0 Monday … 6 Sunday,
 *   168 each): average count per clock hour of that weekday and hour (3 decimals), null where
 *   the span does not reach; only when the span lasts at least 24 hours (so it touches at least
 *   two dates and every hour of the day), absent otherwise.
 * - `peak`: the clock hour with the most session starts (tie: most requests, then the earliest);
 *   `start`/`end` in UTC, `localStart` with the frame's offset.
 * - span `days`: fractional, (last − first) / 24 h.
 *
 * Concurrency (`concurrency`): a session is in flight from its first to its last request start
 * (its `durationSec`). Each closed session adds, in O(1), its milliseconds in flight to the clock
 * minutes it covers (the partial first and last minutes directly, the whole minutes between as
 * +1/−1 in a difference array, per UTC clock hour), so memory grows with the hours of the log,
 * not with sessions or their length. Then:
 * - `mean`: session-seconds in flight ÷ the span's seconds (the time-average of sessions in flight);
 * - `peak`, `peakAt`: the clock minute with the most sessions in flight on average over that
 *   minute, and its start (ISO 8601 with the frame's offset);
 * - `littlesLaw`: at the peak hour, the concurrency N = λ·W that a replay of the peak will build
 *   (λ the peak hour's session starts per second, W the mean session duration over the whole log)
 *   against the one observed in that hour (session-seconds in flight inside it ÷ 3,600);
 *   `ratio` = observed ÷ predicted (null when nothing is predicted). Over the whole log the law is
 *   an identity (Σ durations ÷ span both ways), so the peak hour is where it says something: a
 *   ratio below 1 means the peak was a rise that had not filled up yet (or the log starts
 *   there), above 1 that sessions at the peak last longer than the average one.
 */
import type { ModelArrivals, ModelConcurrency, PeakWindow } from '../core/types.js';
import { round, sharesSummingToOne } from './distribution.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, UTC_FRAME, localIso, mod, weekdayOfLocalHour, type ZoneFrame } from './time-zone.js';

export const MINUTES_PER_DAY = 1440;
export const WEEKDAY_HOURS = 168;
/** Decimals of the averaged arrays (they let `merge` recover the counts: see merge.ts). */
export const PER_HOUR_DECIMALS = 3;
export const PER_MINUTE_DECIMALS = 4;

interface HourBucket {
  /** UTC start of the clock hour; also its key. */
  startMs: number;
  hourOfDay: number;
  weekday: number;
  sessions: number;
  requests: number;
  perMinute: Uint32Array | null;
}

/** How many clock hours / minutes of each slot a span touches (see the comment at the top). */
export interface Exposure {
  hours: number[];
  weekdayHours: number[];
  minutes: number[];
  /** Distinct local dates touched. */
  dates: number;
}

export class ArrivalCounter {
  firstMs = Infinity;
  lastMs = -Infinity;
  private readonly hours = new Map<number, HourBucket>();
  private current: HourBucket | null = null;
  /** End of the current bucket or of its offset, whichever is first. */
  private currentEndMs = -Infinity;
  private readonly sessionsByMinute = new Float64Array(MINUTES_PER_DAY);
  private readonly requestsByMinute = new Float64Array(MINUTES_PER_DAY);
  /** UTC clock hour → [60 ms in flight added directly, 60 whole-minute +1/−1 steps]. */
  private readonly inFlight = new Map<number, Float64Array>();
  private sessionMs = 0;
  private closedSessions = 0;

  constructor(private readonly frame: ZoneFrame = UTC_FRAME) {}

  /** One request at `timeMs` (requests come in time order, so the current hour is cached). */
  request(timeMs: number, sessionStart: boolean): void {
    if (timeMs < this.firstMs) this.firstMs = timeMs;
    if (timeMs > this.lastMs) this.lastMs = timeMs;
    let b = this.current;
    if (b === null || timeMs < b.startMs || timeMs >= this.currentEndMs) b = this.bucketFor(timeMs);
    b.requests++;
    const minute = Math.floor((timeMs - b.startMs) / MINUTE_MS);
    const ofDay = b.hourOfDay * 60 + minute;
    (this.requestsByMinute[ofDay] as number)++;
    if (sessionStart) {
      b.sessions++;
      (this.sessionsByMinute[ofDay] as number)++;
      const perMinute = (b.perMinute ??= new Uint32Array(60));
      perMinute[minute] = (perMinute[minute] as number) + 1;
    }
  }

  /** A closed session, in flight from `firstMs` to `lastMs` (its first and last request starts). */
  session(firstMs: number, lastMs: number): void {
    this.closedSessions++;
    const d = lastMs - firstMs;
    if (!(d > 0)) return;
    this.sessionMs += d;
    const ma = Math.floor(firstMs / MINUTE_MS);
    const mb = Math.floor(lastMs / MINUTE_MS);
    if (ma === mb) {
      this.addInFlight(ma, 0, d);
      return;
    }
    this.addInFlight(ma, 0, (ma + 1) * MINUTE_MS - firstMs);
    this.addInFlight(mb, 0, lastMs - mb * MINUTE_MS);
    if (mb > ma + 1) {
      this.addInFlight(ma + 1, 60, 1);
      this.addInFlight(mb, 60, -1);
    }
  }

  span(): { start: string; end: string; days: number } {
    if (this.firstMs > this.lastMs) return { start: iso(0), end: iso(0), days: 0 };
    return { start: iso(this.firstMs), end: iso(this.lastMs), days: round((this.lastMs - this.firstMs) / DAY_MS, 4) };
  }

  finish(): ModelArrivals {
    const sessions = new Array<number>(24).fill(0);
    const requests = new Array<number>(24).fill(0);
    const weekSessions = new Array<number>(WEEKDAY_HOURS).fill(0);
    const weekRequests = new Array<number>(WEEKDAY_HOURS).fill(0);
    let peak: HourBucket | null = null;
    for (const key of [...this.hours.keys()].sort((a, b) => a - b)) {
      const b = this.hours.get(key) as HourBucket;
      sessions[b.hourOfDay] = (sessions[b.hourOfDay] as number) + b.sessions;
      requests[b.hourOfDay] = (requests[b.hourOfDay] as number) + b.requests;
      const cell = b.weekday * 24 + b.hourOfDay;
      weekSessions[cell] = (weekSessions[cell] as number) + b.sessions;
      weekRequests[cell] = (weekRequests[cell] as number) + b.requests;
      if (isBusier(b, peak)) peak = b;
    }
    const seen = this.firstMs <= this.lastMs;
    const exp = seen ? exposure([[this.firstMs, this.lastMs]], this.frame) : emptyExposure();
    const weekly = seen && hasWeekdays(this.firstMs, this.lastMs, exp);
    const peakWindow = peakOf(peak, this.frame);
    return {
      hourly: hourlyShares(sessions),
      sessionsPerHour: averages(sessions, exp.hours, PER_HOUR_DECIMALS),
      requestsPerHour: averages(requests, exp.hours, PER_HOUR_DECIMALS),
      peak: peakWindow,
      timeZone: this.frame.name,
      sessionsPerMinuteOfDay: averages([...this.sessionsByMinute], exp.minutes, PER_MINUTE_DECIMALS),
      requestsPerMinuteOfDay: averages([...this.requestsByMinute], exp.minutes, PER_MINUTE_DECIMALS),
      ...(weekly
        ? {
            sessionsPerWeekdayHour: weekdayAverages(weekSessions, exp.weekdayHours),
            requestsPerWeekdayHour: weekdayAverages(weekRequests, exp.weekdayHours),
          }
        : {}),
      concurrency: this.concurrency(peak),
    };
  }

  private bucketFor(timeMs: number): HourBucket {
    const span = this.frame.offsetSpan(timeMs);
    const localHour = Math.floor((timeMs + span.offsetMs) / HOUR_MS);
    const startMs = localHour * HOUR_MS - span.offsetMs;
    let b = this.hours.get(startMs);
    if (b === undefined) {
      b = { startMs, hourOfDay: mod(localHour, 24), weekday: weekdayOfLocalHour(localHour), sessions: 0, requests: 0, perMinute: null };
      this.hours.set(startMs, b);
    }
    this.current = b;
    this.currentEndMs = Math.min(startMs + HOUR_MS, span.toMs);
    return b;
  }

  private addInFlight(minute: number, at: number, value: number): void {
    const hour = Math.floor(minute / 60);
    let slot = this.inFlight.get(hour);
    if (slot === undefined) this.inFlight.set(hour, (slot = new Float64Array(120)));
    slot[at + mod(minute, 60)] = (slot[at + mod(minute, 60)] as number) + value;
  }

  /** One walk over the clock minutes that have sessions in flight (see the comment at the top). */
  private concurrency(peakHour: HourBucket | null): ModelConcurrency {
    const spanMs = this.lastMs - this.firstMs;
    const windowFrom = peakHour === null ? 0 : peakHour.startMs / MINUTE_MS;
    const windowTo = windowFrom + 60;
    let peakMs = 0;
    let peakMinute = Number.NaN;
    let windowMs = 0;
    const consider = (minute: number, ms: number): void => {
      if (ms > peakMs) {
        peakMs = ms;
        peakMinute = minute;
      }
    };
    let level = 0;
    let previousHour = Number.NaN;
    for (const hour of [...this.inFlight.keys()].sort((a, b) => a - b)) {
      // Hours between two slots: whole minutes only, all at the same level.
      if (level !== 0 && hour > previousHour + 1) {
        const from = (previousHour + 1) * 60;
        const to = hour * 60;
        consider(from, level * MINUTE_MS);
        windowMs += level * MINUTE_MS * Math.max(0, Math.min(to, windowTo) - Math.max(from, windowFrom));
      }
      const slot = this.inFlight.get(hour) as Float64Array;
      for (let i = 0; i < 60; i++) {
        level += slot[60 + i] as number;
        const ms = (slot[i] as number) + level * MINUTE_MS;
        const minute = hour * 60 + i;
        consider(minute, ms);
        if (minute >= windowFrom && minute < windowTo) windowMs += ms;
      }
      previousHour = hour;
    }
    const meanDurationSec = this.closedSessions > 0 ? this.sessionMs / this.closedSessions / 1000 : 0;
    const arrivalRatePerSec = peakHour === null ? 0 : peakHour.sessions / 3600;
    const observed = peakHour === null ? 0 : windowMs / HOUR_MS;
    const peakAtMs = Number.isNaN(peakMinute) ? (Number.isFinite(this.firstMs) ? this.firstMs : 0) : peakMinute * MINUTE_MS;
    return concurrencyRecord({ mean: spanMs > 0 ? this.sessionMs / spanMs : 0, peak: peakMs / MINUTE_MS, peakAtMs, arrivalRatePerSec, meanDurationSec, observed }, this.frame);
  }
}

/** The busiest hour rule: most session starts, then most requests, then the earliest. */
export function isBusier(b: { sessions: number; requests: number }, than: { sessions: number; requests: number } | null): boolean {
  return than === null || b.sessions > than.sessions || (b.sessions === than.sessions && b.requests > than.requests);
}

/**
 * `arrivals.concurrency` as the model writes it (rounded), with Little's law at the peak hour:
 * predicted = arrival rate × mean duration, against the observed concurrency. Also merge.ts's.
 */
export function concurrencyRecord(
  c: { mean: number; peak: number; peakAtMs: number; arrivalRatePerSec: number; meanDurationSec: number; observed: number },
  frame: ZoneFrame,
): ModelConcurrency {
  const predicted = c.arrivalRatePerSec * c.meanDurationSec;
  return {
    mean: round(c.mean, 3),
    peak: round(c.peak, 3),
    peakAt: localIso(c.peakAtMs, frame),
    littlesLaw: {
      arrivalRatePerSec: round(c.arrivalRatePerSec, 6),
      meanDurationSec: round(c.meanDurationSec, 3),
      predicted: round(predicted, 3),
      observed: round(c.observed, 3),
      ratio: predicted > 0 ? round(c.observed / predicted, 4) : null,
    },
  };
}

function peakOf(b: HourBucket | null, frame: ZoneFrame): PeakWindow {
  if (b === null) {
    return { start: iso(0), end: iso(HOUR_MS), localStart: localIso(0, frame), hourOfDay: 0, sessions: 0, requests: 0, sessionsPerSec: 0, requestsPerSec: 0, sessionsPerMinute: new Array<number>(60).fill(0) };
  }
  return {
    start: iso(b.startMs),
    end: iso(b.startMs + HOUR_MS),
    localStart: localIso(b.startMs, frame),
    hourOfDay: b.hourOfDay,
    sessions: b.sessions,
    requests: b.requests,
    sessionsPerSec: round(b.sessions / 3600, 6),
    requestsPerSec: round(b.requests / 3600, 6),
    sessionsPerMinute: b.perMinute ? [...b.perMinute] : new Array<number>(60).fill(0),
  };
}

/**
 * The exposure of a set of spans (each `[firstMs, lastMs]`, both included) in `frame`. Spans less
 * than `JOIN_GAP_MS` apart are joined first (see there). Cost: O(1) per span in a fixed frame,
 * one Intl lookup per week spanned in an IANA one.
 */
export function exposure(spans: ReadonlyArray<readonly [number, number]>, frame: ZoneFrame): Exposure {
  const out = emptyExposure();
  const dates: [number, number][] = [];
  for (const [from, to] of joinSpans(spans)) {
    for (const { from: a, to: b, offsetMs } of pieces(from, to, frame)) {
      const la = Math.floor((a + offsetMs) / HOUR_MS);
      const lb = Math.floor((b + offsetMs) / HOUR_MS);
      addRange(out.hours, la, lb);
      // 72 = 3 days × 24: the local epoch is a Thursday, index 3 of a week from Monday.
      addRange(out.weekdayHours, la + 72, lb + 72);
      addRange(out.minutes, Math.floor((a + offsetMs) / MINUTE_MS), Math.floor((b + offsetMs) / MINUTE_MS));
      dates.push([Math.floor((a + offsetMs) / DAY_MS), Math.floor((b + offsetMs) / DAY_MS)]);
    }
  }
  dates.sort((x, y) => x[0] - y[0]);
  let end = -Infinity;
  for (const [a, b] of dates) {
    if (b <= end) continue;
    out.dates += b - Math.max(a, end + 1) + 1;
    end = b;
  }
  return out;
}

/** Weekday × hour averages are written when the span lasts at least 24 hours (two dates or more). */
export function hasWeekdays(firstMs: number, lastMs: number, exp: Exposure): boolean {
  return lastMs - firstMs >= DAY_MS && exp.dates >= 2;
}

export function emptyExposure(): Exposure {
  return { hours: new Array<number>(24).fill(0), weekdayHours: new Array<number>(WEEKDAY_HOURS).fill(0), minutes: new Array<number>(MINUTES_PER_DAY).fill(0), dates: 0 };
}

/**
 * Spans of several models (`import --merge`) are joined when less than a day apart: the quiet
 * night between two daily logs was observed (one import of both would count it), a gap of a day
 * or more is data that is missing (a Monday and a Thursday say nothing about Tuesday).
 */
export const JOIN_GAP_MS = DAY_MS;

/** Spans sorted, overlapping ones and those less than `JOIN_GAP_MS` apart joined. */
export function joinSpans(spans: ReadonlyArray<readonly [number, number]>): [number, number][] {
  const sorted = spans.filter(([a, b]) => a <= b).map(([a, b]): [number, number] => [a, b]).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a - last[1] < JOIN_GAP_MS) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** `[from, to]` cut where the frame's offset changes (pieces of equal offset joined). */
function pieces(from: number, to: number, frame: ZoneFrame): { from: number; to: number; offsetMs: number }[] {
  const out: { from: number; to: number; offsetMs: number }[] = [];
  let t = from;
  while (t <= to) {
    const span = frame.offsetSpan(t);
    const end = Math.min(to, span.toMs - 1);
    const last = out[out.length - 1];
    if (last !== undefined && last.offsetMs === span.offsetMs && last.to === t - 1) last.to = end;
    else out.push({ from: t, to: end, offsetMs: span.offsetMs });
    t = end + 1;
  }
  return out;
}

/** Adds 1 to `counts[i mod length]` for every i in [from, to]. */
function addRange(counts: number[], from: number, to: number): void {
  const period = counts.length;
  const n = to - from + 1;
  if (n <= 0) return;
  const full = Math.floor(n / period);
  if (full > 0) for (let i = 0; i < period; i++) counts[i] = (counts[i] as number) + full;
  for (let i = 0, rest = n - full * period; i < rest; i++) {
    const slot = mod(from + i, period);
    counts[slot] = (counts[slot] as number) + 1;
  }
}

/** Count ÷ exposure per slot, 0 where the span does not reach. */
export function averages(counts: readonly number[], exp: readonly number[], decimals: number): number[] {
  return counts.map((c, i) => ((exp[i] as number) > 0 ? round(c / (exp[i] as number), decimals) : 0));
}

export function weekdayAverages(counts: readonly number[], exp: readonly number[]): (number | null)[] {
  return counts.map((c, i) => ((exp[i] as number) > 0 ? round(c / (exp[i] as number), PER_HOUR_DECIMALS) : null));
}

/** Shares of session starts per hour of day, rounded to 6 places, summing to exactly 1. */
export function hourlyShares(counts: number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return total > 0 ? sharesSummingToOne(counts) : new Array<number>(counts.length).fill(0);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
