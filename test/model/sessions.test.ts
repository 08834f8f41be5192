import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { EXIT_ID, IdentityTable, Sessionizer, UserAgentCodes, identityHash } from '../../src/model/sessions.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { MIN, OPTIONS, SEC, rec } from './records.js';

function build(records: LogRecord[]): TrafficModel {
  const b = new ModelBuilder(OPTIONS);
  for (const r of records) b.add(r);
  return b.finish();
}

function sumRow(row: Record<string, number>): number {
  return Object.values(row).reduce((s, p) => s + p, 0);
}

describe('sessionization', () => {
  it('splits a client at a gap longer than 30 minutes, not at 30 minutes exactly', () => {
    const model = build([
      rec({ at: 0, path: '/' }),
      rec({ at: 30 * MIN, path: '/a' }), // exactly the timeout: same session
      rec({ at: 60 * MIN + 1, path: '/b' }), // 30 min + 1 ms later: a new session
      rec({ at: 61 * MIN, path: '/c' }),
    ]);
    expect(model.sessions.count).toBe(2);
    expect(model.sessions.length).toMatchObject({ count: 2, min: 2, max: 2 });
    expect(model.sessions.durationSec).toMatchObject({ min: 59.999, max: 1800 });
    expect(model.sessions.thinkTimeMs).toMatchObject({ count: 2, min: 59999, max: 1800000 });
    expect(model.sessions.entry).toEqual({ 'GET /': 0.5, 'GET /b': 0.5 });
    expect(model.sessions.transitions).toEqual({
      'GET /': { 'GET /a': 1 },
      'GET /a': { $exit: 1 },
      'GET /b': { 'GET /c': 1 },
      'GET /c': { $exit: 1 },
    });
  });

  it('keys sessions by client IP + user agent', () => {
    const model = build([
      rec({ at: 0, client: '10.0.0.1', userAgent: 'A' }),
      rec({ at: SEC, client: '10.0.0.1', userAgent: 'B' }), // same IP, other browser
      rec({ at: 2 * SEC, client: '10.0.0.2', userAgent: 'A' }), // other IP, same browser
      rec({ at: 3 * SEC, client: '10.0.0.1', userAgent: 'A' }),
    ]);
    expect(model.sessions.count).toBe(3);
    expect(model.sessions.length.max).toBe(2);
    expect(model.sessions.key).toBe('ip+ua');
  });

  it('transitions sum to 1 per state (with $exit) and entry shares sum to 1', () => {
    const paths = ['/', '/a', '/b', '/c'];
    const records: LogRecord[] = [];
    for (let s = 0; s < 300; s++) {
      const n = 1 + (s % 5);
      for (let k = 0; k < n; k++) records.push(rec({ at: s * 7 * SEC + k * SEC, client: `10.9.${s >> 8}.${s & 255}`, path: paths[(s + k * k) % 4] as string }));
    }
    records.sort((a, b) => a.timeMs - b.timeMs);
    const model = build(records);
    expect(sumRow(model.sessions.entry)).toBeCloseTo(1, 9);
    for (const row of Object.values(model.sessions.transitions)) expect(sumRow(row)).toBeCloseTo(1, 9);
    expect(model.sessions.count).toBe(300);
    expect(model.sessions.length.mean).toBe(3);
    // Keys are sorted so that models diff cleanly.
    const keys = Object.keys(model.sessions.transitions);
    expect(keys).toEqual([...keys].sort());
    for (const row of Object.values(model.sessions.transitions)) expect(Object.keys(row)).toEqual(Object.keys(row).sort());
  });

  it('closes idle sessions as the log clock moves on (memory stays bounded)', () => {
    const b = new ModelBuilder({ ...OPTIONS, reorderWindowSec: 10 });
    let maxOpen = 0;
    // 20,000 one-request visitors, one every 2 seconds, over 11 hours.
    for (let i = 0; i < 20_000; i++) {
      b.add(rec({ at: i * 2 * SEC, client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
      maxOpen = Math.max(maxOpen, b.memoryStats().openSessions);
    }
    // At most ~31 minutes of visitors (timeout + sweep interval) are open at any time.
    expect(maxOpen).toBeLessThanOrEqual(31 * 30 + 10);
    expect(b.memoryStats().buffered).toBeLessThanOrEqual(6);
    expect(b.finish().sessions.count).toBe(20_000);
  });

  it('Sessionizer counts exits and remaps merged keys', () => {
    const s = new Sessionizer(30 * MIN);
    s.observe(1, 0, 5);
    s.observe(1, 1000, 6);
    s.observe(2, 2000, 7);
    s.remap((id) => (id === 6 ? 5 : id));
    s.closeAll();
    expect([...s.entries()]).toEqual([
      [5, 1],
      [7, 1],
    ]);
    expect(s.transitionCounts().get(5)).toEqual(
      new Map([
        [5, 1],
        [EXIT_ID, 1],
      ]),
    );
  });

  it('identity hashes depend on the salt and on both client and user agent', () => {
    expect(identityHash(1, 2, '10.0.0.1', 0)).toBe(identityHash(1, 2, '10.0.0.1', 0));
    expect(identityHash(1, 2, '10.0.0.1', 0)).not.toBe(identityHash(3, 4, '10.0.0.1', 0));
    expect(identityHash(1, 2, '10.0.0.1', 0)).not.toBe(identityHash(1, 2, '10.0.0.1', 1));
    expect(identityHash(1, 2, '10.0.0.1', 0)).not.toBe(identityHash(1, 2, '10.0.0.2', 0));
    expect(Number.isSafeInteger(identityHash(1, 2, 'x', -12345))).toBe(true);
    const codes = new UserAgentCodes(2);
    expect([codes.code('A'), codes.code('B'), codes.code('A')]).toEqual([0, 1, 0]);
    expect(codes.code('C')).toBeLessThan(0);
    expect(codes.code('C')).toBe(codes.code('C'));
    // Past the capacity: 52-bit hashes, distinct for distinct agents, and identities tell them apart.
    const hashed = new Set(Array.from({ length: 5_000 }, (_, i) => codes.code(`bench-client/${i}`)));
    expect(hashed.size).toBe(5_000);
    expect([...hashed].every((c) => c < 0 && Number.isSafeInteger(c))).toBe(true);
    const identities = new Set([...hashed].map((c) => identityHash(1, 2, '10.0.0.1', c)));
    expect(identities.size).toBe(5_000);
  });

  it('user agent codes: the cache answers as the map would, collisions included', () => {
    const codes = new UserAgentCodes(5_000);
    const expected = new Map<string, number>();
    const rng = createRng(11);
    // 3,000 distinct agents (many share a length and characters: the cache's slots collide),
    // asked for in random order, each as a fresh string built from parts.
    const agent = (i: number): string => ['Mozilla/5.0 (X11; Linux) ', 'bench-client/', ''][i % 3] + String(i);
    const got: number[] = [];
    const want: number[] = [];
    for (let k = 0; k < 30_000; k++) {
      const i = Math.floor(rng.next() * 3_000);
      const ua = agent(i).split('').join('');
      got.push(codes.code(ua));
      if (!expected.has(ua)) expected.set(ua, expected.size);
      want.push(expected.get(ua) as number);
    }
    expect(got).toEqual(want);
  });

  it('IdentityTable behaves as a Map through growth, deletions (with displaced entries) and shrinking', () => {
    const table = new IdentityTable(16);
    const map = new Map<number, number>();
    const rng = createRng(21);
    // Few distinct keys, many sharing low bits (same home slot), so that probing chains form.
    const keyOf = (i: number): number => (i % 7) * 2 ** 40 + Math.floor(i / 7) * 16 + (i % 3);
    let mismatches = 0;
    for (let k = 0; k < 60_000; k++) {
      const key = keyOf(Math.floor(rng.next() * (k < 30_000 ? 3_000 : 200)));
      const r = rng.next();
      if (r < 0.45) {
        table.set(key, k);
        map.set(key, k);
      } else if (r < 0.8) {
        if (table.delete(key) !== map.delete(key)) mismatches++;
      } else if (table.get(key) !== (map.get(key) ?? -1)) mismatches++;
      if (table.size !== map.size) mismatches++;
    }
    expect(mismatches).toBe(0);
    const values: number[] = [];
    table.forEach((v) => values.push(v));
    expect(values.sort((a, b) => a - b)).toEqual([...map.values()].sort((a, b) => a - b));
    for (const [key, value] of map) expect(table.get(key)).toBe(value);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get(keyOf(1))).toBe(-1);
  });
});
