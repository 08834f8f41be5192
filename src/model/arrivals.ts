/**
 * Arrivals: when sessions start and requests come, by clock hour (UTC for now).
 *
 * Counts are kept per clock hour actually observed (one small record per hour of the log: a year
 * is 8,760 of them), with session starts per minute, so that the busiest hour can be played back
 * with its own minute-by-minute shape.
 *
 * - `hourly[h]`: share of all session starts that fall in hour-of-day h (sums to 1 when there is
 *   any session).
 * - `sessionsPerHour[h]`, `requestsPerHour[h]`: counts in hour-of-day h divided by the number of
 *   clock hours of hour-of-day h that the log's span touches (first to last record, partial hours
 *   at the edges counting as whole ones), i.e. the average over the days spanned. An hour of day
 *   the span does not reach is 0.
 * - `peak`: the clock hour with the most session starts (tie: most requests, then the earliest).
 * - span `days`: fractional, (last − first) / 24 h.
 */
import type { ModelArrivals, PeakWindow } from '../core/types.js';
import { round } from './distribution.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

interface HourBucket {
  hour: number;
  sessions: number;
  requests: number;
  perMinute: Uint32Array | null;
}

export class ArrivalCounter {
  firstMs = Infinity;
  lastMs = -Infinity;
  private readonly hours = new Map<number, HourBucket>();
  private current: HourBucket | null = null;

  /** One request at `timeMs` (requests come in time order, so the current hour is cached). */
  request(timeMs: number, sessionStart: boolean): void {
    if (timeMs < this.firstMs) this.firstMs = timeMs;
    if (timeMs > this.lastMs) this.lastMs = timeMs;
    const hour = Math.floor(timeMs / HOUR_MS);
    let b = this.current;
    if (b === null || b.hour !== hour) {
      b = this.hours.get(hour) ?? null;
      if (b === null) {
        b = { hour, sessions: 0, requests: 0, perMinute: null };
        this.hours.set(hour, b);
      }
      this.current = b;
    }
    b.requests++;
    if (sessionStart) {
      b.sessions++;
      const minute = Math.floor((timeMs - hour * HOUR_MS) / MINUTE_MS);
      const perMinute = (b.perMinute ??= new Uint32Array(60));
      perMinute[minute] = (perMinute[minute] as number) + 1;
    }
  }

  span(): { start: string; end: string; days: number } {
    if (this.firstMs > this.lastMs) return { start: iso(0), end: iso(0), days: 0 };
    return { start: iso(this.firstMs), end: iso(this.lastMs), days: round((this.lastMs - this.firstMs) / (24 * HOUR_MS), 4) };
  }

  finish(): ModelArrivals {
    const sessions = new Array<number>(24).fill(0);
    const requests = new Array<number>(24).fill(0);
    let totalSessions = 0;
    let peak: HourBucket | null = null;
    for (const hour of [...this.hours.keys()].sort((a, b) => a - b)) {
      const b = this.hours.get(hour) as HourBucket;
      const h = hourOfDay(hour);
      sessions[h] = (sessions[h] as number) + b.sessions;
      requests[h] = (requests[h] as number) + b.requests;
      totalSessions += b.sessions;
      if (peak === null || b.sessions > peak.sessions || (b.sessions === peak.sessions && b.requests > peak.requests)) peak = b;
    }
    const exposure = new Array<number>(24).fill(0);
    if (this.firstMs <= this.lastMs) {
      const firstHour = Math.floor(this.firstMs / HOUR_MS);
      const lastHour = Math.floor(this.lastMs / HOUR_MS);
      const hoursSpanned = lastHour - firstHour + 1;
      const fullDays = Math.floor(hoursSpanned / 24);
      for (let h = 0; h < 24; h++) exposure[h] = fullDays;
      for (let hour = firstHour + fullDays * 24; hour <= lastHour; hour++) {
        const h = hourOfDay(hour);
        exposure[h] = (exposure[h] as number) + 1;
      }
    }
    const perHour = (counts: number[]): number[] => counts.map((c, h) => ((exposure[h] as number) > 0 ? round(c / (exposure[h] as number), 3) : 0));
    const hourly = totalSessions > 0 ? normalize(sessions) : new Array<number>(24).fill(0);
    return {
      hourly,
      sessionsPerHour: perHour(sessions),
      requestsPerHour: perHour(requests),
      peak: peakWindow(peak),
      timeZone: 'UTC',
    };
  }
}

function peakWindow(b: HourBucket | null): PeakWindow {
  if (b === null) {
    return { start: iso(0), end: iso(HOUR_MS), hourOfDay: 0, sessions: 0, requests: 0, sessionsPerSec: 0, requestsPerSec: 0, sessionsPerMinute: new Array<number>(60).fill(0) };
  }
  return {
    start: iso(b.hour * HOUR_MS),
    end: iso((b.hour + 1) * HOUR_MS),
    hourOfDay: hourOfDay(b.hour),
    sessions: b.sessions,
    requests: b.requests,
    sessionsPerSec: round(b.sessions / 3600, 6),
    requestsPerSec: round(b.requests / 3600, 6),
    sessionsPerMinute: b.perMinute ? [...b.perMinute] : new Array<number>(60).fill(0),
  };
}

/** Shares rounded to 6 places whose sum is exactly 1 (the rounding error goes to the largest). */
function normalize(counts: number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  const shares = counts.map((c) => round(c / total, 6));
  let largest = 0;
  for (let i = 1; i < counts.length; i++) if ((counts[i] as number) > (counts[largest] as number)) largest = i;
  const sum = shares.reduce((s, c) => s + c, 0);
  shares[largest] = round((shares[largest] as number) + (1 - sum), 6);
  return shares;
}

function hourOfDay(clockHour: number): number {
  return ((clockHour % 24) + 24) % 24;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
