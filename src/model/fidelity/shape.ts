/**
 * Daily shape: do two rate curves rise and fall alike?
 *
 * Each curve is scaled to unit mean first (a test at 3× production, or one that ran for a
 * different number of days, has the same shape), then NRMSE = √(mean((r_i − c_i)²)): the RMS
 * difference as a fraction of the mean rate. Peaks line up when the busiest bins are at most
 * `toleranceBins` apart (circularly for a day: 23:00 and 00:00 are neighbours).
 */

export interface ShapeComparison {
  nrmse: number;
  referencePeak: number;
  candidatePeak: number;
  /** Bins between the peaks (circular when `circular`). */
  peakOffset: number;
  peaksAligned: boolean;
  /** The bin with the largest difference, and both scaled values there. */
  worst: { index: number; reference: number; candidate: number };
}

export interface ShapeOptions {
  /** Peaks this many bins apart still line up (default 1: ±1 hour for hourly curves). */
  toleranceBins?: number;
  /** The curve wraps around (hours of a day); default true. */
  circular?: boolean;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

function unitMean(values: readonly number[]): number[] | null {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (!(mean > 0)) return null;
  return values.map((v) => v / mean);
}

/**
 * Compares two curves of the same length (e.g. 24 hourly rates). Returns null when either is
 * empty or all zero (no shape to compare).
 */
export function shapeNrmse(reference: readonly number[], candidate: readonly number[], options: ShapeOptions = {}): ShapeComparison | null {
  if (reference.length !== candidate.length) throw new RangeError(`shapeNrmse: curves of different lengths (${reference.length} and ${candidate.length})`);
  if (reference.length === 0) return null;
  const r = unitMean(reference);
  const c = unitMean(candidate);
  if (r === null || c === null) return null;
  let sum = 0;
  let worst = { index: 0, reference: r[0] as number, candidate: c[0] as number };
  for (let i = 0; i < r.length; i++) {
    const d = (r[i] as number) - (c[i] as number);
    sum += d * d;
    if (Math.abs(d) > Math.abs(worst.reference - worst.candidate)) worst = { index: i, reference: r[i] as number, candidate: c[i] as number };
  }
  const referencePeak = argmax(reference);
  const candidatePeak = argmax(candidate);
  const direct = Math.abs(referencePeak - candidatePeak);
  const peakOffset = options.circular === false ? direct : Math.min(direct, reference.length - direct);
  return {
    nrmse: Math.sqrt(sum / r.length),
    referencePeak,
    candidatePeak,
    peakOffset,
    peaksAligned: peakOffset <= (options.toleranceBins ?? 1),
    worst,
  };
}
