import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from '../../src/core/duration.js';
import { ConfigError, InputError, TidemarkError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { MinHeap } from '../../src/core/heap.js';
import { createRng, hashSeed } from '../../src/core/rng.js';
import { VERSION } from '../../src/core/version.js';

describe('rng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });
  it('is uniform enough and exponential has the right mean', () => {
    const rng = createRng(1);
    let sum = 0;
    let expSum = 0;
    const n = 100_000;
    const buckets = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      if (x < 0 || x >= 1) outside++;
      buckets[Math.floor(x * 10)]++;
      sum += x;
      expSum += rng.exponential(250);
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(expSum / n).toBeGreaterThan(245);
    expect(expSum / n).toBeLessThan(255);
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(500);
  });
  it('int is inclusive and hashSeed is stable', () => {
    const rng = createRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(1, 3));
    expect([...seen].sort()).toEqual([1, 2, 3]);
    expect(hashSeed('abc')).toBe(hashSeed('abc'));
    expect(hashSeed('abc')).not.toBe(hashSeed('abd'));
  });
});

describe('durations', () => {
  const cases: [string | number, number][] = [['30s', 30_000], ['1m30s', 90_000], ['250ms', 250], ['2h', 7_200_000], ['1.5s', 1_500], ['45', 45_000], [10, 10_000]];
  for (const [text, ms] of cases) it(`${text} → ${ms} ms`, () => expect(parseDurationMs(text, 'x')).toBe(ms));
  for (const bad of ['', 'soon', '10 s', '5d', '1m30', '-3s']) {
    it(`rejects ${JSON.stringify(bad)}`, () => expect(() => parseDurationMs(bad, '--duration')).toThrow(/--duration: .* is not a duration/));
  }
  it('formats', () => {
    expect(formatDurationMs(500)).toBe('500ms');
    expect(formatDurationMs(30_000)).toBe('30s');
    expect(formatDurationMs(90_000)).toBe('1m30s');
  });
});

describe('errors and exit codes', () => {
  it('keep code, location, hint, problems and cause', () => {
    const cause = new Error('inner');
    const e = new InputError('bad timestamp', { location: 'access.log.gz:1042', hint: 'check --tz', cause });
    expect(e).toBeInstanceOf(TidemarkError);
    expect(e.code).toBe('E_INPUT');
    expect(e.message).toBe('access.log.gz:1042: bad timestamp');
    expect(e.hint).toBe('check --tz');
    expect(e.cause).toBe(cause);
    const c = new ConfigError('2 problems', ['a', 'b']);
    expect(c.problems).toEqual(['a', 'b']);
    expect(ExitCode).toEqual({ OK: 0, UNEXPECTED: 1, INVALID: 2, THRESHOLDS_FAILED: 99, INTERRUPTED: 130 });
  });
  it('VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});

describe('MinHeap', () => {
  it('pops in key order', () => {
    const heap = new MinHeap<number>();
    const rng = createRng(9);
    const keys = Array.from({ length: 1000 }, () => rng.next());
    keys.forEach((k, i) => heap.push(k, i));
    const out: number[] = [];
    while (heap.size > 0) out.push(keys[heap.pop() as number] as number);
    expect(out).toEqual([...keys].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});
