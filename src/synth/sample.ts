import type { Rng } from '../core/rng.js';
import type { Distribution } from '../core/types.js';

/** Inverse-CDF sample from a distribution's evenly spaced quantiles, interpolating linearly. */
export function sampleDistribution(dist: Distribution, rng: Rng): number {
  const q = dist.quantiles;
  if (q.length === 0) return dist.mean;
  if (q.length === 1) return q[0] as number;
  const position = rng.next() * (q.length - 1);
  const lower = Math.floor(position);
  const lo = q[lower] as number;
  const hi = q[Math.min(lower + 1, q.length - 1)] as number;
  return lo + (hi - lo) * (position - lower);
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
