import { InputError } from '../core/errors.js';
import type { TrafficModel } from '../core/types.js';
import { RateCurve, type RateSegment } from './rate-curve.js';

/**
 * The model-driven open model: session starts at `scale × λ_model(t)`.
 *
 * Three knobs, never confused (DESIGN.md):
 * - scale k: k times as many sessions; think times stay real.
 * - speed c: the window's clock runs c times faster: rates × c over 1/c of the time, and
 *   think times ÷ c (the synthesizer's caller applies that part).
 * - window: `peak` (the busiest hour observed, at its real rate), `HH:MM-HH:MM` of the average
 *   day, or `all` (the whole average day).
 *
 * HH:MM is a time of the model's day frame (`arrivals.timeZone`, chosen with `import --tz`): the
 * hours of `sessionsPerHour` are that zone's, so `--window 18:00-20:00` on a model imported with
 * `--tz America/New_York` plays New York's evening.
 */
export interface WindowKnobs {
  scale: number;
  speed: number;
  window: string;
  /** Run length; default: the window's length ÷ speed (for `peak`, one hour ÷ speed). */
  durationMs?: number;
}

export interface WindowPlan {
  curve: RateCurve;
  /** Human description of what is played, for the run report. */
  description: string;
  /** Hour-of-day offset of the window start, minutes (null for peak). */
  windowStartMinute: number | null;
}

const HOUR_MS = 3_600_000;

export function parseWindow(text: string): { kind: 'peak' } | { kind: 'range'; fromMinute: number; toMinute: number } {
  if (text === 'peak') return { kind: 'peak' };
  if (text === 'all') return { kind: 'range', fromMinute: 0, toMinute: 1440 };
  const match = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) {
    throw new InputError(`--window: "${text}" is not a window`, { hint: 'use peak, all, or HH:MM-HH:MM such as 18:00-20:00' });
  }
  const fromMinute = Number(match[1]) * 60 + Number(match[2]);
  let toMinute = Number(match[3]) * 60 + Number(match[4]);
  if (fromMinute >= 1440 || toMinute > 1440 || Number(match[2]) > 59 || Number(match[4]) > 59) {
    throw new InputError(`--window: "${text}" has an hour or minute out of range`, { hint: 'hours 00-24, minutes 00-59' });
  }
  if (toMinute <= fromMinute) toMinute += 1440; // wraps past midnight
  return { kind: 'range', fromMinute, toMinute };
}

export function planModelWindow(model: TrafficModel, knobs: WindowKnobs, stage = 'main'): WindowPlan {
  const { scale, speed } = knobs;
  const window = parseWindow(knobs.window);
  if (window.kind === 'peak') {
    const ratePerSec = model.arrivals.peak.sessionsPerSec * scale * speed;
    const durationMs = knobs.durationMs ?? HOUR_MS / speed;
    return {
      curve: new RateCurve([{ startMs: 0, endMs: durationMs, fromPerSec: ratePerSec, toPerSec: ratePerSec, stage }]),
      description: `peak hour ${model.arrivals.peak.localStart ?? model.arrivals.peak.start} (${model.arrivals.peak.sessionsPerSec.toFixed(3)} sessions/s observed)`,
      windowStartMinute: null,
    };
  }
  // An average day: sessions per hour of day, piecewise constant by hour, played at `speed`.
  const segments: RateSegment[] = [];
  const totalMs = ((window.toMinute - window.fromMinute) * 60_000) / speed;
  const durationMs = knobs.durationMs ?? totalMs;
  let runMs = 0;
  let minute = window.fromMinute;
  while (runMs < durationMs && minute < window.toMinute + 1440 * 1000) {
    const hour = Math.floor(minute / 60) % 24;
    const nextMinute = Math.min((Math.floor(minute / 60) + 1) * 60, minute + 1440 * 1000);
    const pieceMs = ((nextMinute - minute) * 60_000) / speed;
    const ratePerSec = ((model.arrivals.sessionsPerHour[hour] ?? 0) / 3600) * scale * speed;
    const endMs = Math.min(durationMs, runMs + pieceMs);
    segments.push({ startMs: runMs, endMs, fromPerSec: ratePerSec, toPerSec: ratePerSec, stage });
    runMs = endMs;
    minute = nextMinute;
  }
  const hhmm = (m: number): string => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return {
    curve: new RateCurve(segments),
    description: `average day ${hhmm(window.fromMinute)}-${hhmm(window.toMinute % 1440)} ${model.arrivals.timeZone}`,
    windowStartMinute: window.fromMinute,
  };
}
