import { describe, expect, it } from 'vitest';
import { DistinctCounter, hash32 } from '../../src/model/cardinality.js';

const PREFIXES = ['v', 'id-', 'user', 'sku_', 'x', '/p/', 'q=', 'a', 'page', 'Z', 'item-', 'color=', 'ref', 'utm_', 'lang', 'ab', 'k9', 'order', 'size', 't'];

function counterOf(prefix: string, n: number, repeats = 1): DistinctCounter {
  const c = new DistinctCounter();
  for (let r = 0; r < repeats; r++) for (let i = 0; i < n; i++) c.add(`${prefix}${i}`);
  return c;
}

const relativeError = (estimate: number, n: number): number => Math.abs(estimate - n) / n;

describe('DistinctCounter', () => {
  it('is exact while it holds few values, repeats ignored', () => {
    expect(new DistinctCounter().estimate()).toBe(0);
    expect(counterOf('v', 1, 5).estimate()).toBe(1);
    expect(counterOf('v', 3, 10).estimate()).toBe(3);
    expect(counterOf('v', 64, 2).estimate()).toBe(64);
  });

  it.each([10_000, 100_000])('estimates %i distinct values within 5% on every one of 20 sets, 3% RMS', (n) => {
    const errors = PREFIXES.map((prefix) => relativeError(counterOf(prefix, n).estimate(), n));
    for (const [i, e] of errors.entries()) expect(e, `set ${PREFIXES[i]}`).toBeLessThan(0.05);
    const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    expect(rms).toBeLessThan(0.03);
  });

  it('is not fooled by repeats: 5,000 values seen 20 times each', () => {
    const c = counterOf('sku_', 5000, 20);
    expect(relativeError(c.estimate(), 5000)).toBeLessThan(0.05);
  });

  it('stays accurate in the range between exact and large (no bias hump)', () => {
    for (const n of [100, 500, 2000, 5000]) {
      const errors = PREFIXES.map((prefix) => relativeError(counterOf(prefix, n).estimate(), n));
      const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
      expect(rms, `n = ${n}`).toBeLessThan(0.03);
    }
  });

  it('holds at most 1 KiB', () => {
    expect(counterOf('v', 10).bytes).toBeLessThanOrEqual(256);
    expect(counterOf('v', 1_000_000).bytes).toBe(1024);
  });

  it('merges: the union of two overlapping sets, in every combination of exact and estimating', () => {
    const make = (from: number, to: number): DistinctCounter => {
      const c = new DistinctCounter();
      for (let i = from; i < to; i++) c.add(`id-${i}`);
      return c;
    };
    // exact + exact staying exact, exact + exact becoming estimating
    const a = make(0, 30);
    a.merge(make(20, 50));
    expect(a.estimate()).toBe(50);
    const b = make(0, 50);
    b.merge(make(40, 90));
    expect(b.estimate()).toBeGreaterThan(85);
    expect(b.estimate()).toBeLessThan(95);
    // estimating + exact, exact + estimating, estimating + estimating
    for (const [x, y, union] of [
      [make(0, 20_000), make(19_990, 20_040), 20_040],
      [make(0, 40), make(20, 20_000), 20_000],
      [make(0, 15_000), make(5000, 20_000), 20_000],
    ] as const) {
      x.merge(y);
      expect(relativeError(x.estimate(), union)).toBeLessThan(0.05);
    }
    // Merging is the same as adding everything into one counter.
    const one = make(0, 30_000);
    const two = make(0, 12_000);
    two.merge(make(12_000, 30_000));
    expect(two.estimate()).toBe(one.estimate());
  });

  it('hashes spread: sequential ids fill the registers evenly', () => {
    const buckets = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) (buckets[hash32(`${i}`) >>> 28] as number)++;
    for (const b of buckets) expect(Math.abs(b - 1000)).toBeLessThan(150);
  });
});
