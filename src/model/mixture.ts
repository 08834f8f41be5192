/**
 * Mixtures of distributions, for `import --merge` (merge.ts says what is exact and what is
 * approximate): each input is a piecewise-linear CDF through its quantiles, weighted by its
 * count; the merged quantiles are the inverse of the mixture.
 */
import type { Distribution } from '../core/types.js';
import { QUANTILE_POINTS, round } from './distribution.js';

export interface Cdf {
  weight: number;
  /** Not decreasing. */
  values: number[];
  /** Increasing from 0 to 1, one per value. */
  probs: number[];
}

/**
 * The count-weighted mixture of distributions, rounded to `decimals`, with `points` quantiles
 * (101, as the builder writes; 11 for the per-transition think times). One input with data is
 * copied as is.
 */
export function mixDistributions(parts: readonly Distribution[], decimals: number, points = QUANTILE_POINTS): Distribution {
  const live = parts.filter((d) => d.count > 0 && d.quantiles.length >= 2);
  if (live.length === 1) return { ...(live[0] as Distribution), quantiles: [...(live[0] as Distribution).quantiles] };
  const count = sum(live.map((d) => d.count));
  if (live.length === 0 || count === 0) {
    return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0, quantiles: new Array<number>(points).fill(0) };
  }
  const cdfs: Cdf[] = live.map((d) => ({ weight: d.count, values: d.quantiles, probs: d.quantiles.map((_, k) => k / (d.quantiles.length - 1)) }));
  const q = (p: number): number => round(mixQuantile(cdfs, p), decimals);
  const quantiles: number[] = [];
  for (let k = 0; k < points; k++) quantiles.push(q(k / (points - 1)));
  for (let k = 1; k < quantiles.length; k++) if ((quantiles[k] as number) < (quantiles[k - 1] as number)) quantiles[k] = quantiles[k - 1] as number;
  return {
    count,
    mean: round(sum(live.map((d) => d.count * d.mean)) / count, decimals),
    min: round(Math.min(...live.map((d) => d.min)), decimals),
    max: round(Math.max(...live.map((d) => d.max)), decimals),
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
    quantiles,
  };
}

/** The smallest x at which the mixture's CDF reaches p. */
export function mixQuantile(cdfs: readonly Cdf[], p: number): number {
  const knots = [...new Set(cdfs.flatMap((c) => c.values))].sort((a, b) => a - b);
  const total = sum(cdfs.map((c) => c.weight));
  const at = (x: number, left: boolean): number => sum(cdfs.map((c) => c.weight * cdfAt(c, x, left))) / total;
  if (p <= 0) return knots[0] as number;
  let j = 0;
  while (j < knots.length - 1 && at(knots[j] as number, false) < p) j++;
  const u = knots[j] as number;
  if (j === 0) return u;
  const before = knots[j - 1] as number;
  const fBefore = at(before, false);
  const fLeft = at(u, true);
  if (p > fLeft || fLeft <= fBefore) return u;
  return before + ((p - fBefore) / (fLeft - fBefore)) * (u - before);
}

/** F(x) (right-continuous) or, with `left`, its limit from the left. */
function cdfAt(c: Cdf, x: number, left: boolean): number {
  const { values, probs } = c;
  const n = values.length;
  if (left ? x <= (values[0] as number) : x < (values[0] as number)) return 0;
  if (left ? x > (values[n - 1] as number) : x >= (values[n - 1] as number)) return 1;
  // left: first k with values[k] ≥ x; right: last k with values[k] ≤ x.
  let lo = 0;
  let hi = n - 1;
  if (left) {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[mid] as number) >= x) hi = mid;
      else lo = mid + 1;
    }
    if (values[lo] === x) return probs[lo] as number;
    return interpolate(values, probs, lo - 1, x);
  }
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((values[mid] as number) <= x) lo = mid;
    else hi = mid - 1;
  }
  if (values[lo] === x) return probs[lo] as number;
  return interpolate(values, probs, lo, x);
}

function interpolate(values: number[], probs: number[], k: number, x: number): number {
  const x0 = values[k] as number;
  const x1 = values[k + 1] as number;
  const p0 = probs[k] as number;
  const p1 = probs[k + 1] as number;
  return x1 > x0 ? p0 + ((x - x0) / (x1 - x0)) * (p1 - p0) : p1;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
