import { describe, expect, it } from 'vitest';
import { ksCritical5, ksTwoSample, quantileCdf, quantileCdfBefore } from '../../../src/model/fidelity/ks.js';
import { distributionOf } from './helpers.js';

const uniform = (a: number, b: number) => (p: number) => a + (b - a) * p;
const exponential = (rate: number) => (p: number) => -Math.log(1 - Math.min(p, 0.9999)) / rate;

describe('quantileCdf', () => {
  const q = [1, 1, 1, 2, 4];
  it.each([
    [0.5, 0, 0],
    [1, 0, 0.5],
    [1.5, 0.625, 0.625],
    [2, 0.75, 0.75],
    [3, 0.875, 0.875],
    [4, 1, 1],
    [5, 1, 1],
  ])('F(%s−) = %s, F(%s) = %s', (x, before, at) => {
    expect(quantileCdfBefore(q, x)).toBeCloseTo(before, 12);
    expect(quantileCdf(q, x)).toBeCloseTo(at, 12);
  });
});

describe('ksTwoSample', () => {
  it('is 0 for the same distribution', () => {
    const r = ksTwoSample(distributionOf(exponential(1)), distributionOf(exponential(1)));
    expect(r.d).toBe(0);
    expect(r.ratios).toEqual({ p50: 1, p90: 1, p99: 1 });
  });

  it('U(0,1) against U(0.5,1.5): D = 0.5 at x = 0.5', () => {
    const r = ksTwoSample(distributionOf(uniform(0, 1)), distributionOf(uniform(0.5, 1.5)));
    expect(r.d).toBeCloseTo(0.5, 12);
    expect(r.at).toBeCloseTo(0.5, 12);
    expect(r.ratios.p50).toBeCloseTo(2, 12);
  });

  it('U(0,1) against U(0,2): D = 0.5 at x = 1', () => {
    const r = ksTwoSample(distributionOf(uniform(0, 1)), distributionOf(uniform(0, 2)));
    expect(r.d).toBeCloseTo(0.5, 12);
    expect(r.at).toBeCloseTo(1, 12);
    expect(r.ratios.p90).toBeCloseTo(2, 12);
  });

  it('Exp(1) against Exp(2): D = 1/4 at x = ln 2', () => {
    const r = ksTwoSample(distributionOf(exponential(1)), distributionOf(exponential(2)));
    expect(r.d).toBeCloseTo(0.25, 2);
    expect(r.at).toBeCloseTo(Math.LN2, 1);
    expect(r.ratios.p50).toBeCloseTo(0.5, 12);
  });

  it('point masses: every request session against two-request sessions gives D = 1', () => {
    const r = ksTwoSample(distributionOf(() => 1), distributionOf(() => 2));
    expect(r.d).toBe(1);
  });

  it('a jump: half ones and half twos against all ones gives D = 0.5 at x = 1', () => {
    const half = distributionOf((p) => (p <= 0.5 ? 1 : 2));
    const r = ksTwoSample(half, distributionOf(() => 1));
    expect(r.d).toBeCloseTo(0.5, 12);
    expect(r.at).toBe(1);
  });

  it('reports the 5% critical value 1.358·√((n+m)/(nm))', () => {
    expect(ksCritical5(100, 100)).toBeCloseTo(1.358 * Math.sqrt(0.02), 12);
    expect(ksCritical5(0, 100)).toBe(Infinity);
    const r = ksTwoSample(distributionOf(uniform(0, 1), 100), distributionOf(uniform(0, 2), 100));
    expect(r.critical5).toBeCloseTo(0.19205, 4);
    expect(r.significant).toBe(true);
    const small = ksTwoSample(distributionOf(uniform(0, 1), 10), distributionOf(uniform(0, 1.2), 10));
    expect(small.significant).toBe(false);
  });

  it('ratios: 1 when both are 0, Infinity when only the reference is', () => {
    const zero = distributionOf(() => 0);
    expect(ksTwoSample(zero, zero).ratios.p50).toBe(1);
    expect(ksTwoSample(zero, distributionOf(() => 3)).ratios.p50).toBe(Infinity);
  });
});
