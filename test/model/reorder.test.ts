import { describe, expect, it } from 'vitest';
import { PairReorderBuffer, ReorderBuffer } from '../../src/model/reorder.js';
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

  it('mixes in-order records (FIFO) and late ones (heap) in (time, arrival) order, growing past its first slots', () => {
    const out: [number, number, number][] = [];
    const buffer = new PairReorderBuffer(1_000, (t, a, b) => out.push([t, a, b]));
    const rng = createRng(5);
    const pushed: [number, number, number][] = [];
    let t = 0;
    let accepted = true;
    for (let i = 0; i < 20_000; i++) {
      t += Math.floor(rng.next() * 3);
      // A third of the records are late by up to 500 ms; many times repeat (ties).
      const at = rng.next() < 0.33 ? Math.max(0, t - Math.floor(rng.next() * 500)) : t;
      if (at < buffer.releasedMs) accepted = false;
      buffer.push(at, i, i * 2);
      pushed.push([at, i, i * 2]);
    }
    buffer.drain();
    expect(accepted).toBe(true);
    expect(buffer.size).toBe(0);
    const sorted = [...pushed].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(out).toEqual(sorted);
  });

  it('holds at most maxHeld records: past it the oldest leaves early', () => {
    const out: number[] = [];
    const buffer = new ReorderBuffer<{ timeMs: number }>(1e9, (item) => out.push(item.timeMs), 100);
    for (let i = 0; i < 1_000; i++) {
      expect(buffer.push({ timeMs: 1_000 - i })).toBe(i < 100 || 1_000 - i >= buffer.releasedMs);
      expect(buffer.size).toBeLessThanOrEqual(100);
    }
    // Descending times: once full, each new record is the oldest and leaves at once; nothing
    // earlier than a released record is taken afterwards.
    buffer.drain();
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThanOrEqual(out[i - 1] as number);
  });
});
