/**
 * Concurrency by Little's law: sessions in flight N = λ · W, with λ the session arrival rate
 * and W the mean time a session stays (its duration). It holds for any arrival process and any
 * duration distribution in steady state, so it turns a model's arrivals and session durations
 * into the number of users a test must keep busy at once.
 */
import type { TrafficModel } from '../../core/types.js';

/** N = λ · W (sessions per second × mean session duration in seconds). */
export function littleConcurrency(sessionsPerSec: number, meanDurationSec: number): number {
  if (!(sessionsPerSec > 0) || !(meanDurationSec > 0)) return 0;
  return sessionsPerSec * meanDurationSec;
}

export interface ConcurrencyProfile {
  /** Sessions in flight at the observed peak hour. */
  peak: number;
  /** Sessions in flight in each hour of the average day (24 numbers). */
  hourly: number[];
  meanDurationSec: number;
}

/** Sessions in flight over the day and at the peak hour of a model. */
export function modelConcurrency(model: TrafficModel): ConcurrencyProfile {
  const w = model.sessions.durationSec.mean;
  return {
    peak: littleConcurrency(model.arrivals.peak.sessionsPerSec, w),
    hourly: model.arrivals.sessionsPerHour.map((perHour) => littleConcurrency(perHour / 3600, w)),
    meanDurationSec: w,
  };
}
