import { describe, expect, it } from 'vitest';
import { transitionDistance } from '../../../src/model/fidelity/transitions.js';

describe('transitionDistance', () => {
  const reference = {
    visits: { A: 300, B: 100 },
    transitions: { A: { B: 0.5, $exit: 0.5 }, B: { $exit: 1 } },
  };

  it('is 0 for the same chain, whatever the candidate visits', () => {
    expect(transitionDistance(reference, { visits: { A: 1, B: 9 }, transitions: reference.transitions })?.distance).toBe(0);
  });

  it('weights each row TVD by the reference visit frequency', () => {
    const candidate = { visits: {}, transitions: { A: { B: 0.25, $exit: 0.75 }, B: { A: 0.5, $exit: 0.5 } } };
    const c = transitionDistance(reference, candidate);
    // row A: ½(0.25 + 0.25) = 0.25, weight 0.75; row B: ½(0.5 + 0.5) = 0.5, weight 0.25.
    expect(c?.distance).toBeCloseTo(0.75 * 0.25 + 0.25 * 0.5, 12);
    expect(c?.states.map((s) => [s.key, s.weight, s.distance])).toEqual([
      ['A', 0.75, 0.25],
      ['B', 0.25, 0.5],
    ]);
    expect(c?.states[1]?.largest).toEqual({ to: '$exit', reference: 1, candidate: 0.5 });
  });

  it('counts a state the candidate never leaves as entirely different', () => {
    const c = transitionDistance(reference, { visits: {}, transitions: { A: reference.transitions.A } });
    expect(c?.distance).toBeCloseTo(0.25, 12);
  });

  it('normalizes rows that do not sum to 1 and is null without reference transitions', () => {
    const c = transitionDistance(reference, { visits: {}, transitions: { A: { B: 2, $exit: 2 }, B: { $exit: 5 } } });
    expect(c?.distance).toBeCloseTo(0, 12);
    expect(transitionDistance({ visits: { A: 1 }, transitions: {} }, reference)).toBeNull();
  });
});
