import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { dispersionIndex } from '../../../src/model/fidelity/dispersion.js';
import { littleConcurrency } from '../../../src/model/fidelity/concurrency.js';

function poisson(mean: number, rng: ReturnType<typeof createRng>): number {
  // Knuth: fine for small means.
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

describe('dispersionIndex', () => {
  it('is 0 for a metronome', () => {
    expect(dispersionIndex([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [1, 2, 5]).map((d) => d.index)).toEqual([0, 0, 0]);
  });

  it('alternating bursts: 5 at one bin, 0 at two bins', () => {
    const counts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0 : 10));
    const [one, two] = dispersionIndex(counts, [1, 2]);
    expect(one).toEqual({ window: 1, windows: 20, mean: 5, index: 5 });
    expect(two?.index).toBe(0);
  });

  it('is about 1 for Poisson counts at every window size', () => {
    const rng = createRng(3);
    const counts = Array.from({ length: 6000 }, () => poisson(4, rng));
    for (const point of dispersionIndex(counts, [1, 2, 5, 10])) {
      expect(point.index).toBeGreaterThan(0.85);
      expect(point.index).toBeLessThan(1.15);
    }
  });

  it('leaves out trailing partial windows and needs two windows', () => {
    expect(dispersionIndex([1, 2, 3], [2])).toEqual([{ window: 2, windows: 1, mean: 3, index: null }]);
  });
});

describe('littleConcurrency', () => {
  it('N = λ · W', () => {
    expect(littleConcurrency(2, 30)).toBe(60);
    expect(littleConcurrency(0.327, 120)).toBeCloseTo(39.24, 10);
    expect(littleConcurrency(0, 30)).toBe(0);
  });
});
