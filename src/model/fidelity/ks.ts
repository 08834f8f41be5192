/**
 * Two-sample Kolmogorov–Smirnov on the model's quantile summaries.
 *
 * A `Distribution` keeps K evenly spaced quantiles (values at probabilities 0, 1/(K−1), …, 1);
 * joining them with straight lines gives a piecewise-linear quantile function, whose inverse is
 * a piecewise-linear CDF (with a jump wherever several quantiles share a value, as they do for
 * integer data such as session lengths). D = sup_x |F_R(x) − F_C(x)|. Between two consecutive
 * points of the union of both quantile sets both CDFs are linear, so their difference is too and
 * the supremum is reached at one of those points, either at the point itself or just before it
 * (the left limit, for jumps): evaluating both there is exact for these CDFs.
 *
 * The 5% critical value of the test is 1.358·√((n+m)/(nm)); with the millions of samples of a
 * production log every D is "significant", so a gate should use D itself and quantile ratios,
 * and report the critical value for information only.
 */
import type { Distribution } from '../../core/types.js';

/** F(x) = P(X ≤ x) of the piecewise-linear CDF through the quantiles (right-continuous). */
export function quantileCdf(quantiles: readonly number[], x: number): number {
  const k = quantiles.length;
  if (k === 0) return 0;
  const first = quantiles[0] as number;
  const last = quantiles[k - 1] as number;
  if (x < first) return 0;
  if (x >= last || k === 1) return 1;
  // Last index j with q_j ≤ x (exists since x ≥ q_0, and j < k−1 since x < q_{k−1}).
  let lo = 0;
  let hi = k - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((quantiles[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  const qj = quantiles[lo] as number;
  const qn = quantiles[lo + 1] as number;
  const step = 1 / (k - 1);
  return lo * step + ((x - qj) / (qn - qj)) * step;
}

/** F(x−) = P(X < x): the left limit of `quantileCdf` at x. */
export function quantileCdfBefore(quantiles: readonly number[], x: number): number {
  const k = quantiles.length;
  if (k === 0) return 0;
  const first = quantiles[0] as number;
  const last = quantiles[k - 1] as number;
  if (x <= first) return 0;
  if (x > last || k === 1) return 1;
  // First index j with q_j ≥ x (j ≥ 1 since x > q_0).
  let lo = 0;
  let hi = k - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((quantiles[mid] as number) >= x) hi = mid;
    else lo = mid;
  }
  const qp = quantiles[hi - 1] as number;
  const qj = quantiles[hi] as number;
  const step = 1 / (k - 1);
  return (hi - 1) * step + ((x - qp) / (qj - qp)) * step;
}

export interface QuantileRatios {
  /** candidate / reference at p50, p90, p99 (1 when both are 0; Infinity when only the reference is 0). */
  p50: number;
  p90: number;
  p99: number;
}

export interface KsResult {
  /** sup |F_R − F_C|, in [0, 1]. */
  d: number;
  /** Where the largest difference is (a value of the distributions). */
  at: number;
  /** True when the largest difference is just below `at` (P(X < at)), false when at it (P(X ≤ at)). */
  below: boolean;
  /** F_R and F_C there. */
  referenceCdf: number;
  candidateCdf: number;
  n: number;
  m: number;
  /** 1.358·√((n+m)/(nm)); Infinity when a side has no samples. */
  critical5: number;
  /** D above the 5% critical value (informational: at large n everything is). */
  significant: boolean;
  ratios: QuantileRatios;
}

/** The critical value of the two-sample KS statistic at the 5% level. */
export function ksCritical5(n: number, m: number): number {
  if (!(n > 0) || !(m > 0)) return Infinity;
  return 1.358 * Math.sqrt((n + m) / (n * m));
}

export function quantileRatio(reference: number, candidate: number): number {
  if (reference === 0) return candidate === 0 ? 1 : Infinity;
  return candidate / reference;
}

/** Two-sample KS between a reference and a candidate distribution summary, with quantile ratios. */
export function ksTwoSample(reference: Distribution, candidate: Distribution): KsResult {
  const r = reference.quantiles;
  const c = candidate.quantiles;
  const points = [...new Set([...r, ...c])].sort((a, b) => a - b);
  let d = 0;
  let at = points[0] ?? 0;
  let referenceCdf = 0;
  let candidateCdf = 0;
  let below = false;
  const consider = (x: number, left: boolean, fr: number, fc: number): void => {
    const diff = Math.abs(fr - fc);
    if (diff > d + 1e-12) {
      d = diff;
      at = x;
      below = left;
      referenceCdf = fr;
      candidateCdf = fc;
    }
  };
  for (const x of points) {
    consider(x, true, quantileCdfBefore(r, x), quantileCdfBefore(c, x));
    consider(x, false, quantileCdf(r, x), quantileCdf(c, x));
  }
  const critical5 = ksCritical5(reference.count, candidate.count);
  return {
    d: Math.min(1, d),
    at,
    below,
    referenceCdf,
    candidateCdf,
    n: reference.count,
    m: candidate.count,
    critical5,
    significant: d > critical5,
    ratios: {
      p50: quantileRatio(reference.p50, candidate.p50),
      p90: quantileRatio(reference.p90, candidate.p90),
      p99: quantileRatio(reference.p99, candidate.p99),
    },
  };
}
