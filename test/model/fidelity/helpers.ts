import type { Distribution } from '../../../src/core/types.js';

/** A Distribution whose 101 quantiles are `inverseCdf(i / 100)`; count as given. */
export function distributionOf(inverseCdf: (p: number) => number, count = 1000): Distribution {
  const quantiles = Array.from({ length: 101 }, (_, i) => inverseCdf(i / 100));
  const at = (p: number): number => inverseCdf(p);
  return {
    count,
    mean: quantiles.reduce((s, q) => s + q, 0) / quantiles.length,
    min: quantiles[0] as number,
    max: quantiles[100] as number,
    p50: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    quantiles,
  };
}
