import type { Rng } from '../core/rng.js';
import type { SessionPlan } from '../core/types.js';
import type { RateCurve } from './rate-curve.js';

export interface Arrival {
  /** Run time of the session start, ms. */
  timeMs: number;
  stage: string;
  /** A session fixed in advance (verbatim replay); otherwise the synthesizer makes one. */
  plan?: SessionPlan;
}

/**
 * Non-homogeneous Poisson arrivals over a rate curve, by thinning (Lewis & Shedler) within
 * each segment: candidates at the segment's maximum rate, each kept with probability
 * rate(t)/max. Exact for any piecewise-linear curve, and lazy: arrivals are produced as the
 * scheduler asks for them, so a long run holds no list of them.
 */
export function* poissonArrivals(curve: RateCurve, rng: Rng): Generator<Arrival> {
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
      if (rate >= maxPerSec || rng.next() * maxPerSec < rate) yield { timeMs: t, stage: segment.stage };
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
