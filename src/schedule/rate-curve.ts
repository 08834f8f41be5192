/**
 * A session arrival rate over the run's time, as consecutive segments that each ramp linearly
 * from one rate to another (a hold is a ramp between equal rates). Every strategy (the model's
 * window, open stages) compiles to one of these; the arrival process then samples it.
 */
export interface RateSegment {
  /** Run time, ms from the start. */
  startMs: number;
  endMs: number;
  fromPerSec: number;
  toPerSec: number;
  /** Stage name, carried into every measurement (thresholds can be scoped to it). */
  stage: string;
}

export class RateCurve {
  readonly segments: readonly RateSegment[];

  constructor(segments: RateSegment[]) {
    this.segments = segments.filter((s) => s.endMs > s.startMs);
  }

  get durationMs(): number {
    const last = this.segments[this.segments.length - 1];
    return last ? last.endMs : 0;
  }

  segmentAt(tMs: number): RateSegment | undefined {
    for (const segment of this.segments) if (tMs >= segment.startMs && tMs < segment.endMs) return segment;
    return undefined;
  }

  rateAt(tMs: number): number {
    const s = this.segmentAt(tMs);
    if (!s) return 0;
    return s.fromPerSec + ((s.toPerSec - s.fromPerSec) * (tMs - s.startMs)) / (s.endMs - s.startMs);
  }

  stageAt(tMs: number): string {
    return this.segmentAt(tMs)?.stage ?? (this.segments[this.segments.length - 1]?.stage ?? 'main');
  }

  /** Expected number of arrivals (the integral of the rate). */
  expectedArrivals(): number {
    return this.segments.reduce((sum, s) => sum + ((s.fromPerSec + s.toPerSec) / 2) * ((s.endMs - s.startMs) / 1000), 0);
  }

  /** Mean rate over the whole curve, per second. */
  meanRatePerSec(): number {
    return this.durationMs > 0 ? this.expectedArrivals() / (this.durationMs / 1000) : 0;
  }

  stageNames(): string[] {
    return [...new Set(this.segments.map((s) => s.stage))];
  }
}
