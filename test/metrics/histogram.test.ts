import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { createCoarseHistogram, createHistogram, meanOf, recordMs, summarizeMs } from '../../src/metrics/histogram.js';

describe('meanOf', () => {
  it('is exactly the library mean, for full and coarse histograms over several decades', () => {
    const rng = createRng(5);
    for (let k = 0; k < 20; k++) {
      const h = k % 2 === 0 ? createHistogram() : createCoarseHistogram();
      const n = 1 + rng.int(0, 3000);
      for (let i = 0; i < n; i++) recordMs(h, rng.next() ** 3 * 10 ** (1 + (k % 5)));
      expect(meanOf(h)).toBe(h.mean);
    }
    expect(meanOf(createHistogram())).toBe(0);
  });
  it('summarizeMs reports it', () => {
    const h = createHistogram();
    for (const ms of [1, 2, 3, 10]) recordMs(h, ms);
    expect(summarizeMs(h).mean).toBe(4);
  });
});
