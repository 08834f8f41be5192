import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { compareMix, expectedSamplingTvd, normalize, tvd } from '../../../src/model/fidelity/mix.js';

describe('tvd', () => {
  it.each([
    ['identical', { a: 0.5, b: 0.5 }, { a: 0.5, b: 0.5 }, 0],
    ['disjoint', { a: 1 }, { b: 1 }, 1],
    ['a key missing on one side counts as 0 there', { a: 0.5, b: 0.5 }, { a: 0.25, b: 0.25, c: 0.5 }, 0.5],
    ['shifted mass', { a: 0.7, b: 0.2, c: 0.1 }, { a: 0.5, b: 0.3, c: 0.2 }, 0.2],
    ['uniform against a skewed mix', { a: 0.4, b: 0.3, c: 0.2, d: 0.1 }, { a: 0.25, b: 0.25, c: 0.25, d: 0.25 }, 0.2],
  ])('%s', (_name, p, q, expected) => {
    expect(tvd(p, q)).toBeCloseTo(expected, 12);
    expect(tvd(q, p)).toBeCloseTo(expected, 12);
  });
});

describe('normalize', () => {
  it('turns counts into shares and drops zeros', () => {
    expect(normalize({ a: 3, b: 1, c: 0 })).toEqual({ a: 0.75, b: 0.25 });
    expect(normalize({})).toEqual({});
    expect(normalize({ a: 0 })).toEqual({});
  });
});

describe('compareMix', () => {
  const production = { 'GET /api/products/:id': 373, 'GET /api/products': 285, 'GET /': 116, 'POST /api/cart/items': 76, 'POST /api/login': 56, 'GET /api/cart': 51, 'GET /api/orders': 19, 'GET /api/orders/:id': 14, 'POST /api/checkout': 11, 'GET /robots.txt': 0.7 };

  it('gives the relative error of every endpoint with at least 1% of the reference', () => {
    const total = Object.values(production).reduce((s, v) => s + v, 0);
    const uniform = Object.fromEntries(Object.keys(production).map((k) => [k, 1]));
    const c = compareMix(production, uniform);
    expect(c.endpoints.map((e) => e.key)).toEqual(Object.keys(production).slice(0, 9)); // robots.txt is below 1%
    const top = c.endpoints[0];
    expect(top?.reference).toBeCloseTo(373 / total, 6);
    expect(top?.candidate).toBeCloseTo(0.1, 12);
    expect(top?.relativeError).toBeCloseTo(0.1 / (373 / total) - 1, 6);
    expect(c.missingInCandidate).toEqual([]);
    expect(c.missingInReference).toEqual([]);
    expect(c.largestDifferences[0]?.key).toBe('GET /api/products/:id');
    // ½ Σ |p − 0.1|
    const expected = Object.values(production).reduce((s, v) => s + Math.abs(v / total - 0.1), 0) / 2;
    expect(c.tvd).toBeCloseTo(expected, 12);
  });

  it('lists endpoints missing on either side', () => {
    const c = compareMix({ a: 80, b: 15, c: 5 }, { a: 70, d: 30 });
    expect(c.missingInCandidate).toEqual([
      { key: 'b', share: 0.15 },
      { key: 'c', share: 0.05 },
    ]);
    expect(c.missingInReference).toEqual([{ key: 'd', share: 0.3 }]);
    expect(c.tvd).toBeCloseTo(0.5 * (0.1 + 0.15 + 0.05 + 0.3), 12);
    expect(c.endpoints.find((e) => e.key === 'b')?.relativeError).toBe(-1);
  });

  it('takes the share threshold as a parameter', () => {
    expect(compareMix({ a: 90, b: 10 }, { a: 1 }, 0.2).endpoints.map((e) => e.key)).toEqual(['a']);
  });
});

describe('expectedSamplingTvd', () => {
  it('matches the normal approximation and the TVD of real samples', () => {
    const p = { a: 0.25, b: 0.25, c: 0.25, d: 0.25 };
    const n = 10_000;
    expect(expectedSamplingTvd(p, n)).toBeCloseTo(2 * Math.sqrt((2 * 0.25 * 0.75) / (Math.PI * n)), 12);
    const rng = createRng(7);
    let sum = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
      for (let i = 0; i < n; i++) counts['abcd'[Math.floor(rng.next() * 4)] as string]! += 1;
      sum += tvd(p, normalize(counts));
    }
    expect(sum / trials).toBeGreaterThan(expectedSamplingTvd(p, n) * 0.8);
    expect(sum / trials).toBeLessThan(expectedSamplingTvd(p, n) * 1.2);
  });
});
