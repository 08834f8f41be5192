import { describe, expect, it } from 'vitest';
import { shapeNrmse } from '../../../src/model/fidelity/shape.js';

const day = [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.3, 1.2, 1.2, 1.3, 1.5, 1.8, 2.2, 3.0, 2.1, 1.2, 0.6];

describe('shapeNrmse', () => {
  it('ignores the scale: three times the traffic has the same shape', () => {
    const c = shapeNrmse(day, day.map((v) => v * 3));
    expect(c?.nrmse).toBeCloseTo(0, 12);
    expect(c?.peaksAligned).toBe(true);
    expect(c?.referencePeak).toBe(20);
  });

  it('is the RMS difference of the unit-mean curves', () => {
    const c = shapeNrmse([1, 1, 1, 1], [2, 0, 2, 0]);
    expect(c?.nrmse).toBeCloseTo(1, 12);
    const flat = shapeNrmse([1, 3], [1, 1]);
    // unit mean: [0.5, 1.5] vs [1, 1] → RMS of ±0.5.
    expect(flat?.nrmse).toBeCloseTo(0.5, 12);
    expect(flat?.worst.index).toBe(0);
  });

  it('a flat day against a peaked one fails the shape', () => {
    const c = shapeNrmse(day, new Array(24).fill(1));
    const mean = day.reduce((s, v) => s + v, 0) / 24;
    const expected = Math.sqrt(day.reduce((s, v) => s + (v / mean - 1) ** 2, 0) / 24);
    expect(c?.nrmse).toBeCloseTo(expected, 12);
    expect(c?.nrmse).toBeGreaterThan(0.5);
  });

  it('peaks line up within ±1 bin, circularly', () => {
    const shifted = [...day.slice(22), ...day.slice(0, 22)]; // peak at 22 instead of 20
    expect(shapeNrmse(day, shifted)?.peaksAligned).toBe(false);
    expect(shapeNrmse(day, shifted)?.peakOffset).toBe(2);
    const late = new Array(24).fill(1);
    late[23] = 5;
    const early = new Array(24).fill(1);
    early[0] = 5;
    expect(shapeNrmse(late, early)?.peakOffset).toBe(1);
    expect(shapeNrmse(late, early)?.peaksAligned).toBe(true);
    expect(shapeNrmse(late, early, { circular: false })?.peaksAligned).toBe(false);
  });

  it('has no answer for an empty curve and refuses curves of different lengths', () => {
    expect(shapeNrmse(day, new Array(24).fill(0))).toBeNull();
    expect(() => shapeNrmse([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});
