import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { constantPoisson, poissonArrivals, uniformArrivals, type Arrival } from '../../src/schedule/arrivals.js';
import { RateCurve } from '../../src/schedule/rate-curve.js';
import { parseWindow } from '../../src/schedule/model-window.js';

describe('poissonArrivals', () => {
  it('follows a ramp: counts per second track the rate', () => {
    const curve = new RateCurve([
      { startMs: 0, endMs: 100_000, fromPerSec: 0, toPerSec: 200, stage: 'ramp' },
      { startMs: 100_000, endMs: 150_000, fromPerSec: 200, toPerSec: 200, stage: 'hold' },
    ]);
    expect(curve.expectedArrivals()).toBe(10_000 + 10_000);
    const arrivals = [...poissonArrivals(curve, createRng(11))];
    expect(Math.abs(arrivals.length - 20_000)).toBeLessThan(3 * Math.sqrt(20_000));
    const firstHalf = arrivals.filter((a) => a.timeMs < 50_000).length; // ∫0..50 of 2t = 2,500
    expect(Math.abs(firstHalf - 2_500)).toBeLessThan(3 * Math.sqrt(2_500));
    expect(arrivals.every((a, i) => i === 0 || a.timeMs >= (arrivals[i - 1] as { timeMs: number }).timeMs)).toBe(true);
    expect(arrivals.filter((a) => a.stage === 'hold').length).toBeGreaterThan(9_500);
  });
  it('has Poisson dispersion (variance ≈ mean of counts per second)', () => {
    const curve = new RateCurve([{ startMs: 0, endMs: 2_000_000, fromPerSec: 20, toPerSec: 20, stage: 'x' }]);
    const counts = new Array(2000).fill(0);
    for (const a of poissonArrivals(curve, createRng(3))) counts[Math.floor(a.timeMs / 1000)]++;
    const mean = counts.reduce((s, c) => s + c, 0) / counts.length;
    const variance = counts.reduce((s, c) => s + (c - mean) ** 2, 0) / counts.length;
    expect(mean).toBeCloseTo(20, 0);
    expect(variance / mean).toBeGreaterThan(0.9);
    expect(variance / mean).toBeLessThan(1.1);
  });
  it('constantPoisson stays inside its interval', () => {
    const times = [...constantPoisson(10, -5_000, 0, createRng(1))];
    expect(times.every((t) => t >= -5_000 && t < 0)).toBe(true);
    expect(times.length).toBeGreaterThan(25);
  });
});

describe('shares of one schedule', () => {
  const curve = new RateCurve([
    { startMs: 0, endMs: 3_000, fromPerSec: 50, toPerSec: 400, stage: 'ramp' },
    { startMs: 3_000, endMs: 5_000, fromPerSec: 400, toPerSec: 400, stage: 'hold' },
  ]);
  const key = (a: Arrival): string => `${a.index}@${a.timeMs}/${a.stage}`;
  const cases: [string, (share?: { index: number; count: number }) => Arrival[]][] = [
    ['poisson', (share) => [...poissonArrivals(curve, createRng(9), share)]],
    ['uniform', (share) => [...uniformArrivals(curve, share)]],
  ];
  it.each(cases)('%s: the shares i/N together are exactly the whole stream, each arrival once, numbered as in it', (_name, draw) => {
    const whole = draw();
    expect(whole.length).toBeGreaterThan(1_000);
    expect(whole.map((a) => a.index)).toEqual(whole.map((_, i) => i));
    for (const count of [2, 3, 4]) {
      const shares = Array.from({ length: count }, (_, index) => draw({ index, count }));
      for (const [index, share] of shares.entries()) expect(share.every((a) => (a.index as number) % count === index)).toBe(true);
      const union = shares.flat().sort((a, b) => (a.index as number) - (b.index as number));
      expect(union.map(key)).toEqual(whole.map(key));
    }
  });
  it('uniform arrivals: the n-th at ∫λ = n, evenly spaced on a hold', () => {
    const hold = [...uniformArrivals(new RateCurve([{ startMs: 0, endMs: 2_000, fromPerSec: 500, toPerSec: 500, stage: 'x' }]))];
    expect(hold.length).toBe(1_000);
    expect(hold[0]?.timeMs).toBeCloseTo(2, 6);
    expect(hold[999]?.timeMs).toBeCloseTo(2_000, 6);
  });
});

describe('parseWindow', () => {
  it('reads peak, all and ranges (wrapping midnight)', () => {
    expect(parseWindow('peak')).toEqual({ kind: 'peak' });
    expect(parseWindow('all')).toEqual({ kind: 'range', fromMinute: 0, toMinute: 1440 });
    expect(parseWindow('18:00-20:30')).toEqual({ kind: 'range', fromMinute: 1080, toMinute: 1230 });
    expect(parseWindow('23:00-01:00')).toEqual({ kind: 'range', fromMinute: 1380, toMinute: 1500 });
    expect(() => parseWindow('evening')).toThrow(/not a window/);
    expect(() => parseWindow('25:00-26:00')).toThrow(/out of range/);
  });
});
