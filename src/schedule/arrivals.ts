import type { Rng } from '../core/rng.js';
import type { SessionPlan } from '../core/types.js';
import type { RateCurve } from './rate-curve.js';

export interface Arrival {
  /** Run time of the session start, ms. */
  timeMs: number;
  stage: string;
  /** A session fixed in advance (verbatim replay); otherwise the synthesizer makes one. */
  plan?: SessionPlan;
  /**
   * The arrival's number in the whole schedule (0, 1, 2, ...), which names its session. Set by
   * the generators below; with a share, only the arrivals numbered `index` modulo `count` come out.
   */
  index?: number;
}

/**
 * A deterministic share of one schedule: the arrivals numbered `index` modulo `count`. Every
 * process draws the whole stream from the same seed, so the shares of 0..count-1 are exactly
 * the one-process schedule; the draws of the others' arrivals cost a few arithmetic operations
 * each and never reach the scheduler.
 */
export interface Share {
  index: number;
  count: number;
}

/**
 * Non-homogeneous Poisson arrivals over a rate curve, by thinning (Lewis & Shedler) within
 * each segment: candidates at the segment's maximum rate, each kept with probability
 * rate(t)/max. Exact for any piecewise-linear curve, and lazy: arrivals are produced as the
 * scheduler asks for them, so a long run holds no list of them.
 */
export function* poissonArrivals(curve: RateCurve, rng: Rng, share: Share = { index: 0, count: 1 }): Generator<Arrival> {
  let n = 0;
  for (const segment of curve.segments) {
    const maxPerSec = Math.max(segment.fromPerSec, segment.toPerSec);
    if (maxPerSec <= 0) continue;
    const meanGapMs = 1000 / maxPerSec;
    const spanMs = segment.endMs - segment.startMs;
    let t = segment.startMs;
    for (;;) {
      t += rng.exponential(meanGapMs);
      if (t >= segment.endMs) break;
      const rate = segment.fromPerSec + ((segment.toPerSec - segment.fromPerSec) * (t - segment.startMs)) / spanMs;
      if (rate >= maxPerSec || rng.next() * maxPerSec < rate) {
        const index = n++;
        if (index % share.count === share.index) yield { timeMs: t, stage: segment.stage, index };
      }
    }
  }
}

/**
 * Evenly spaced arrivals along a rate curve (k6's constant-arrival-rate): the n-th at ∫λ = n,
 * integrated in 1 ms steps (a ramp's rate is taken at each step's start).
 */
export function* uniformArrivals(curve: RateCurve, share: Share = { index: 0, count: 1 }): Generator<Arrival> {
  let owed = 0;
  let n = 0;
  for (const s of curve.segments) {
    const stepMs = 1;
    for (let t = s.startMs; t < s.endMs; t += stepMs) {
      const rate = s.fromPerSec + ((s.toPerSec - s.fromPerSec) * (t - s.startMs)) / (s.endMs - s.startMs);
      owed += (rate * stepMs) / 1000;
      // The tolerance keeps float drift (0.3 added 2,000 times) from losing the last arrival.
      while (owed >= 1 - 1e-9) {
        owed -= 1;
        const index = n++;
        if (index % share.count === share.index) yield { timeMs: t + stepMs - (owed * 1000) / Math.max(rate, 1e-9), stage: s.stage, index };
      }
    }
  }
}

/** Homogeneous Poisson arrivals at `ratePerSec` over [fromMs, toMs) (used for warm starts). */
export function* constantPoisson(ratePerSec: number, fromMs: number, toMs: number, rng: Rng): Generator<number> {
  if (ratePerSec <= 0) return;
  const meanGapMs = 1000 / ratePerSec;
  let t = fromMs;
  for (;;) {
    t += rng.exponential(meanGapMs);
    if (t >= toMs) return;
    yield t;
  }
}
