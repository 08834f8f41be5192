import type { Rng } from '../core/rng.js';
import type { Distribution } from '../core/types.js';

/** Inverse-CDF sample from a distribution summary: linear between the points it knows (see knotsOf). */
export function sampleDistribution(dist: Distribution, rng: Rng): number {
  const knots = knotsOf(dist);
  if (knots.p.length === 0) return dist.mean;
  if (knots.p.length === 1) return knots.v[0] as number;
  // Inverse transform: the segment of the piecewise-linear CDF the uniform draw falls in.
  const u = rng.next();
  let lo = 0;
  let hi = knots.p.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((knots.p[mid] as number) <= u) lo = mid;
    else hi = mid;
  }
  const p0 = knots.p[lo] as number;
  const p1 = knots.p[hi] as number;
  const v0 = knots.v[lo] as number;
  const v1 = knots.v[hi] as number;
  return p1 > p0 ? v0 + ((v1 - v0) * (u - p0)) / (p1 - p0) : v0;
}

/** Probabilities and values of a distribution summary's known points, in order. */
interface Knots {
  p: number[];
  v: number[];
}

const knotCache = new WeakMap<Distribution, Knots>();

/**
 * Every point a summary knows: its evenly spaced quantiles (quantiles[i] at i/(n-1)) and its p50,
 * p90, p95 and p99 at their own probabilities. A summary of 11 quantiles (the model's think time
 * per transition) alone would spread its top tenth evenly from p90 to the maximum: drawn think
 * times at p99 near 0.9× the maximum, several times production's p99 (3-6× in the Artillery
 * fidelity runs). Values are kept non-decreasing (a merged summary may be off by a rounding).
 */
function knotsOf(dist: Distribution): Knots {
  let knots = knotCache.get(dist);
  if (knots !== undefined) return knots;
  const q = dist.quantiles;
  const points: [number, number][] = q.length === 1 ? [[0, q[0] as number]] : q.map((v, i) => [i / (q.length - 1), v]);
  if (q.length > 1) {
    for (const [prob, v] of [[0.5, dist.p50], [0.9, dist.p90], [0.95, dist.p95], [0.99, dist.p99]] as const) {
      // Only a point that fits between the quantiles around it (any summary the model builds).
      const below = q[Math.floor(prob * (q.length - 1) + 1e-9)] as number;
      const above = q[Math.ceil(prob * (q.length - 1) - 1e-9)] as number;
      if (!Number.isFinite(v) || v < below || v > above) continue;
      const at = points.findIndex(([p]) => Math.abs(p - prob) < 1e-9);
      if (at >= 0) (points[at] as [number, number])[1] = v;
      else points.push([prob, v]);
    }
  }
  points.sort((a, b) => a[0] - b[0]);
  knots = { p: [], v: [] };
  let floor = -Infinity;
  for (const [p, v] of points) {
    floor = Math.max(floor, v);
    knots.p.push(p);
    knots.v.push(floor);
  }
  knotCache.set(dist, knots);
  return knots;
}

/** Picks a key of a probability table (values need not sum exactly to 1). */
export function pickWeighted(table: ReadonlyArray<readonly [string, number]>, total: number, rng: Rng): string | undefined {
  let x = rng.next() * total;
  for (const [key, weight] of table) {
    x -= weight;
    if (x < 0) return key;
  }
  return table.length > 0 ? (table[table.length - 1] as readonly [string, number])[0] : undefined;
}
