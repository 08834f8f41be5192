import { describe, expect, it } from 'vitest';
import { StreamingDistribution, round, toShares } from '../../src/model/distribution.js';
import { createRng } from '../../src/core/rng.js';

function exactQuantile(sorted: number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}

describe('StreamingDistribution', () => {
  it('is exact for 1..1000 (type-7 quantiles)', () => {
    const d = new StreamingDistribution();
    for (let i = 1000; i >= 1; i--) d.add(i);
    const out = d.toDistribution(3);
    expect(out).toMatchObject({ count: 1000, mean: 500.5, min: 1, max: 1000, p50: 500.5, p90: 900.1, p95: 950.05, p99: 990.01 });
    expect(out.quantiles).toHaveLength(101);
    expect(out.quantiles[0]).toBe(1);
    expect(out.quantiles[100]).toBe(1000);
    expect(out.quantiles[25]).toBe(250.75);
  });

  it('handles empty, single and constant data', () => {
    expect(new StreamingDistribution().toDistribution(1)).toMatchObject({ count: 0, mean: 0, p50: 0, max: 0 });
    expect(new StreamingDistribution().toDistribution(1).quantiles).toEqual(new Array(101).fill(0));
    const one = new StreamingDistribution();
    one.add(42);
    expect(one.toDistribution(1)).toMatchObject({ count: 1, min: 42, max: 42, p50: 42, p99: 42 });
  });

  it('stays within 1% of the exact quantiles past the exact limit (200,000 log-normal values)', () => {
    const rng = createRng(7);
    const d = new StreamingDistribution();
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      const v = Math.exp(9 + 1.3 * z);
      values.push(v);
      d.add(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(d.quantile(q) - exact) / exact).toBeLessThan(0.01);
    }
    expect(d.quantile(0)).toBe(values[0]);
    expect(d.quantile(1)).toBe(values[values.length - 1]);
  });

  it('is exact for small integers even in histogram mode (session lengths)', () => {
    const d = new StreamingDistribution(100);
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const v = 1 + (i % 7) * (i % 3);
      values.push(v);
      d.add(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0, 0.25, 0.5, 0.75, 0.9, 1]) expect(d.quantile(q)).toBeCloseTo(exactQuantile(values, q), 9);
  });

  it('keeps zeros (think times of 0 ms) apart in histogram mode', () => {
    const d = new StreamingDistribution(10);
    for (let i = 0; i < 600; i++) d.add(0);
    for (let i = 0; i < 400; i++) d.add(100);
    expect(d.quantile(0.5)).toBe(0);
    expect(d.quantile(0.7)).toBe(100);
  });

  it('merges as if all values had been added to one, in any order', () => {
    const a = new StreamingDistribution(50);
    const b = new StreamingDistribution(50);
    const all = new StreamingDistribution(50);
    for (let i = 0; i < 300; i++) {
      (i % 3 === 0 ? a : b).add(i * 1.5);
      all.add(i * 1.5);
    }
    a.merge(b);
    expect(a.toDistribution(3)).toEqual(all.toDistribution(3));
  });

  it('gives the same buckets in its map and array forms, whatever the order and the range', () => {
    const rng = createRng(9);
    // Small integers (a bucket each), zeros, and values filling every bucket of 100 … 800 (so
    // that the buckets move to the array form); a few far outliers widen the range after.
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const r = rng.next();
      values.push(r < 0.05 ? 0 : r < 0.5 ? 1 + Math.floor(rng.next() * 120) : 100 + rng.next() * 700);
    }
    values.push(1e9, 0.001, 3e12, 7);
    const fed = (list: number[]): StreamingDistribution => {
      const d = new StreamingDistribution(128);
      for (const v of list) d.add(v);
      return d;
    };
    // The mean is a floating-point sum, which depends on the order of the values in its last digits.
    const shape = (d: StreamingDistribution): object => ({ ...d.toDistribution(6), mean: round(d.mean(), 0) });
    const ascending = [...values].sort((a, b) => a - b);
    const descending = [...ascending].reverse();
    const reference = shape(fed(values));
    expect((fed(values) as unknown as { dense: unknown }).dense).not.toBeNull();
    expect(shape(fed(ascending))).toEqual(reference);
    expect(shape(fed(descending))).toEqual(reference);
    // A sparse one (one value per octave: stays a map) merged with dense ones.
    const sparse = fed(Array.from({ length: 200 }, (_, i) => 2 ** (i / 4)));
    const merged = fed(values.slice(0, 10_000));
    merged.merge(sparse);
    merged.merge(fed(values.slice(10_000)));
    expect(shape(merged)).toEqual(shape(fed([...values, ...Array.from({ length: 200 }, (_, i) => 2 ** (i / 4))])));
    // Within a bucket's width (< 0.8%) of the exact quantiles.
    for (const q of [0.1, 0.3, 0.5, 0.9, 0.99]) expect(Math.abs(fed(values).quantile(q) / exactQuantile(ascending, q) - 1)).toBeLessThan(0.008);
  });

  it('rounds without -0 and shares sum to exactly 1', () => {
    expect(Object.is(round(-0.00001, 2), 0)).toBe(true);
    const shares = toShares([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(Object.values(shares).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(Object.keys(shares)).toEqual(['a', 'b', 'c']);
  });
});
