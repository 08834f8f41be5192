import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from '../../src/model/reorder.js';
import { createRng } from '../../src/core/rng.js';

describe('ReorderBuffer', () => {
  it('releases in time order, ties in arrival order, holding only the window', () => {
    const out: { timeMs: number; id: number }[] = [];
    const buffer = new ReorderBuffer<{ timeMs: number; id: number }>(100, (item) => out.push(item));
    const rng = createRng(3);
    let maxHeld = 0;
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      // Written at the end of a request up to 80 ms long: start times are out of order.
      if (!buffer.push({ timeMs: i * 10 - Math.floor(rng.next() * 8) * 10, id: i })) refused++;
      maxHeld = Math.max(maxHeld, buffer.size);
    }
    buffer.drain();
    expect(refused).toBe(0);
    expect(out).toHaveLength(10_000);
    let inOrder = true;
    for (let i = 1; i < out.length; i++) {
      const a = out[i - 1] as { timeMs: number; id: number };
      const b = out[i] as { timeMs: number; id: number };
      if (!(a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.id < b.id))) inOrder = false;
    }
    expect(inOrder).toBe(true);
    expect(maxHeld).toBeLessThanOrEqual(20);
  });

  it('refuses an item older than what it already released', () => {
    const out: number[] = [];
    const buffer = new ReorderBuffer<{ timeMs: number }>(10, (item) => out.push(item.timeMs));
    buffer.push({ timeMs: 100 });
    buffer.push({ timeMs: 200 }); // releases 100
    expect(buffer.push({ timeMs: 99 })).toBe(false);
    expect(buffer.push({ timeMs: 100 })).toBe(true); // equal to the last released: still in order
    buffer.drain();
    expect(out).toEqual([100, 100, 200]);
  });
});
