import { describe, expect, it } from 'vitest';
import { TopValues } from '../../src/model/top-values.js';

describe('TopValues', () => {
  it('is exact while it fits, most frequent first, ties in the order first seen', () => {
    const t = new TopValues(10);
    for (const v of ['b', 'a', 'c', 'a', 'b', 'a', 'z', 'd']) t.add(v);
    expect(t.topEntries(10)).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
      ['z', 1],
      ['d', 1],
    ]);
    expect(t.top(2)).toEqual(['a', 'b']);
  });

  it('keeps the frequent values among a million distinct ones, in bounded memory', () => {
    const t = new TopValues(200);
    let maxSize = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const w = t.sampleWeight();
      if (w > 0) t.add(i % 10 === 0 ? `hot${i % 50}` : `id${i}`, w);
      maxSize = Math.max(maxSize, t.size);
    }
    expect(maxSize).toBeLessThan(400);
    expect(new Set(t.top(5).map((v) => v.slice(0, 3)))).toEqual(new Set(['hot']));
  });

  it('is deterministic and merges', () => {
    const make = (): TopValues => {
      const t = new TopValues(5);
      for (let i = 0; i < 1000; i++) t.add(`v${(i * 7) % 23}`);
      return t;
    };
    expect(make().topEntries(5)).toEqual(make().topEntries(5));
    const a = new TopValues(5);
    a.add('x', 3);
    const b = new TopValues(5);
    b.add('x', 2);
    b.add('y', 4);
    a.merge(b);
    expect(a.topEntries(2)).toEqual([
      ['x', 5],
      ['y', 4],
    ]);
  });
});
