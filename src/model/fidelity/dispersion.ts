/**
 * Burstiness: the index of dispersion of counts, Var[N(τ)] / E[N(τ)], where N(τ) is the number
 * of events in a window of τ bins. A Poisson process gives 1 at every τ; bursty traffic (flash
 * crowds, retries, batch jobs) gives more, and more so at larger τ; a metronome gives less.
 */

export interface DispersionPoint {
  /** Window length, in bins of the input (e.g. minutes for per-minute counts). */
  window: number;
  /** How many whole windows the counts held. */
  windows: number;
  mean: number;
  /** Var / Mean (population variance); null with fewer than two windows or a zero mean. */
  index: number | null;
}

/**
 * Index of dispersion of `counts` (events per bin) over non-overlapping windows of each size
 * in `windowSizes` (bins; default 1, 2, 5, 10). A trailing partial window is left out.
 */
export function dispersionIndex(counts: readonly number[], windowSizes: readonly number[] = [1, 2, 5, 10]): DispersionPoint[] {
  return windowSizes.map((size) => {
    const window = Math.max(1, Math.floor(size));
    const sums: number[] = [];
    for (let start = 0; start + window <= counts.length; start += window) {
      let s = 0;
      for (let i = start; i < start + window; i++) s += counts[i] as number;
      sums.push(s);
    }
    const mean = sums.length > 0 ? sums.reduce((a, b) => a + b, 0) / sums.length : 0;
    if (sums.length < 2 || !(mean > 0)) return { window, windows: sums.length, mean, index: null };
    const variance = sums.reduce((a, b) => a + (b - mean) * (b - mean), 0) / sums.length;
    return { window, windows: sums.length, mean, index: variance / mean };
  });
}
