import { describe, it, expect } from 'vitest';
import { BoundedMap } from '../../src/demo/bounded-map.js';

describe('BoundedMap', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map.get('a')).toBe(1); // a is now the most recent
    map.set('d', 4);
    expect(map.size).toBe(3);
    expect(map.has('b')).toBe(false);
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([1, 3, 4]);
  });

  it('overwrites without growing', () => {
    const map = new BoundedMap<number, string>(2);
    map.set(1, 'x').set(1, 'y');
    expect(map.size).toBe(1);
    expect(map.get(1)).toBe('y');
    expect(map.delete(1)).toBe(true);
    expect(map.size).toBe(0);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
