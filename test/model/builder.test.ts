import { describe, expect, it } from 'vitest';
import { ModelBuilder, buildModel } from '../../src/model/builder.js';
import { parseModel } from '../../src/model/load.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { OPTIONS, SEC, rec } from './records.js';

function shopLog(): LogRecord[] {
  const records: LogRecord[] = [];
  for (let s = 0; s < 50; s++) {
    const client = `198.51.100.${s}`;
    const start = s * 40 * SEC;
    records.push(rec({ at: start, path: '/', client, status: 200, bytes: 5120, durationMs: 12 }));
    records.push(rec({ at: start + 3 * SEC, path: `/api/products/${100 + (s % 7)}`, query: `ref=home&page=${s % 3}`, client, status: s % 10 === 0 ? 404 : 200, bytes: 900, durationMs: 30 + s }));
    if (s % 2 === 0) records.push(rec({ at: start + 9 * SEC, method: 'POST', path: '/api/cart', client, status: 201, durationMs: 55 }));
  }
  return records;
}

describe('ModelBuilder', () => {
  it('produces endpoint statistics: count, share, status classes, latency, bytes, params', async () => {
    const model = await buildModel(shopLog(), OPTIONS);
    expect(model.schemaVersion).toBe(1);
    expect(model.totals).toEqual({ requests: 125, rejected: 0, lines: 125 });
    expect(model.endpoints.map((e) => e.key)).toEqual(['GET /', 'GET /api/products/:id', 'POST /api/cart']);
    const products = model.endpoints[1];
    expect(products).toMatchObject({ method: 'GET', template: '/api/products/:id', count: 50, share: 0.4, statusClasses: { '2xx': 45, '4xx': 5 } });
    expect(products?.latencyMs).toEqual({ p50: 54.5, p90: 74.1, p99: 78.5 });
    expect(products?.bytes).toEqual({ mean: 900, p50: 900, p99: 900 });
    expect(products?.params?.[':id']).toHaveLength(7);
    expect(products?.params?.['?ref']).toEqual(['home']);
    expect(products?.params?.['?page']).toEqual(['0', '1', '2']);
    expect(model.endpoints[2]?.bytes).toBeUndefined();
    expect(model.endpoints.reduce((s, e) => s + e.share, 0)).toBeCloseTo(1, 6);
    expect(() => parseModel(JSON.parse(JSON.stringify(model)), 'model.json')).not.toThrow();
  });

  it('is deterministic: the same input twice gives identical JSON', async () => {
    const a = JSON.stringify(await buildModel(shopLog(), OPTIONS));
    const b = JSON.stringify(await buildModel(shopLog(), OPTIONS));
    expect(a).toBe(b);
  });

  it('accepts async iterables', async () => {
    async function* stream(): AsyncGenerator<LogRecord> {
      yield* shopLog();
    }
    expect(JSON.stringify(await buildModel(stream(), OPTIONS))).toBe(JSON.stringify(await buildModel(shopLog(), OPTIONS)));
  });

  it('puts records back in order within the window, rejects later ones as "out of order"', () => {
    const b = new ModelBuilder({ ...OPTIONS, reorderWindowSec: 60 });
    b.add(rec({ at: 10 * SEC, path: '/b', source: 'a.log:1' }));
    b.add(rec({ at: 0, path: '/a', source: 'a.log:2' })); // 10 s late: fine
    b.add(rec({ at: 200 * SEC, path: '/c', source: 'a.log:3' })); // releases /a and /b
    b.add(rec({ at: 5 * SEC, path: '/late', source: 'a.log:4' })); // before what was released
    b.add(rec({ at: 150 * SEC, path: '/d', source: 'a.log:5' })); // 50 s late: fine
    const model = b.finish();
    expect(model.totals).toEqual({ requests: 4, rejected: 1, lines: 5 });
    expect(model.provenance.rejected).toEqual({ 'out of order': { count: 1, examples: ['a.log:4'] } });
    // One client: the session reads /a, /b, /d, /c in start-time order.
    expect(model.sessions.entry).toEqual({ 'GET /a': 1 });
    expect(model.sessions.transitions).toEqual({
      'GET /a': { 'GET /b': 1 },
      'GET /b': { 'GET /d': 1 },
      'GET /c': { $exit: 1 },
      'GET /d': { 'GET /c': 1 },
    });
  });

  it('counts rejects by reason with up to 5 examples, and notes sources', () => {
    const b = new ModelBuilder(OPTIONS);
    for (let i = 1; i <= 7; i++) b.reject('bad timestamp', `access.log:${i}`);
    b.reject('too few fields', 'access.log:99');
    b.add({ ...rec(), timeMs: Number.NaN, source: 'access.log:100' });
    b.add(rec());
    b.noteSource({ name: 'access.log', format: 'combined', lines: 110, accepted: 1, rejected: 9 });
    const model = b.finish();
    expect(model.totals).toEqual({ requests: 1, rejected: 9, lines: 10 });
    expect(model.provenance.rejected).toEqual({
      'bad record': { count: 1, examples: ['access.log:100'] },
      'bad timestamp': { count: 7, examples: ['access.log:1', 'access.log:2', 'access.log:3', 'access.log:4', 'access.log:5'] },
      'too few fields': { count: 1, examples: ['access.log:99'] },
    });
    expect(model.provenance.sources).toEqual([{ name: 'access.log', format: 'combined', lines: 110, accepted: 1, rejected: 9 }]);
    expect(model.provenance.tidemarkVersion).toBe('0.0.0-test');
    expect(model.provenance.options).toMatchObject({ sessionTimeoutSec: 1800, maxEndpoints: 200, reorderWindowSec: 120, sessionKey: 'ip+ua', salted: false });
  });

  it('checks its options up front, listing every problem', () => {
    try {
      new ModelBuilder({ tidemarkVersion: 'x', sessionTimeoutSec: -1, maxEndpoints: 2.5 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual(['sessionTimeoutSec: expected a positive number, got -1', 'maxEndpoints: expected a positive integer, got 2.5']);
    }
  });

  it('is idempotent at finish() and refuses records after it', () => {
    const b = new ModelBuilder(OPTIONS);
    b.add(rec());
    expect(b.finish()).toBe(b.finish());
    expect(() => b.add(rec())).toThrow(/after finish/);
  });
});

describe('privacy', () => {
  it('keeps no client IP, e-mail, token or secret from paths, queries or headers', async () => {
    const planted = [
      '198.51.100.77',
      '2001:db8::1',
      'jane.doe@example.com',
      'jane.doe%40example.com',
      'abc123secret',
      'AKIAKEYVALUE999',
      'hunter2pass',
      'SessXYZ777',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sigsigsig',
      'Zx81KqPw7Lm2Rt5Yv9Bn3Hd6',
      'resetcode4242',
      '10.20.30.40',
      'refer.example',
      'SecretAgent/1.0',
    ];
    const records: LogRecord[] = [
      rec({ at: 0, client: '198.51.100.77', userAgent: 'SecretAgent/1.0', referrer: 'https://refer.example/x', path: '/users/jane.doe@example.com/profile' }),
      rec({ at: 1 * SEC, client: '198.51.100.77', userAgent: 'SecretAgent/1.0', path: '/users/jane.doe%40example.com/orders' }),
      rec({ at: 2 * SEC, client: '2001:db8::1', path: '/search', query: 'q=shoes&token=abc123secret&api_key=AKIAKEYVALUE999' }),
      rec({ at: 3 * SEC, path: '/login', query: 'password=hunter2pass&sessionId=SessXYZ777&next=%2Fhome' }),
      rec({ at: 4 * SEC, path: '/newsletter', query: 'email=jane.doe%40example.com&contact=jane.doe@example.com' }),
      rec({ at: 5 * SEC, path: '/api/me', query: 'access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sigsigsig' }),
      rec({ at: 6 * SEC, path: '/download/Zx81KqPw7Lm2Rt5Yv9Bn3Hd6' }),
      rec({ at: 7 * SEC, path: '/password/reset/resetcode4242' }),
      rec({ at: 8 * SEC, path: '/geo/10.20.30.40', query: 'ip=10.20.30.40' }),
      rec({ at: 9 * SEC, path: '/cart;jsessionid=SessXYZ777' }),
    ];
    const b = new ModelBuilder({ ...OPTIONS, salt: 'pepper-xyz' });
    for (const r of records) b.add(r);
    const json = JSON.stringify(b.finish());
    for (const secret of [...planted, 'pepper-xyz']) expect(json).not.toContain(secret);
    // …while keeping what is harmless and useful for replay.
    const model = JSON.parse(json);
    const search = model.endpoints.find((e: { key: string }) => e.key === 'GET /search');
    expect(search.params).toEqual({ '?api_key': [], '?q': ['shoes'], '?token': [] });
    const login = model.endpoints.find((e: { key: string }) => e.key === 'GET /login');
    expect(login.params['?next']).toEqual(['/home']);
    const keys = model.endpoints.map((e: { key: string }) => e.key);
    expect(keys).toContain('GET /users/:email/profile');
    expect(keys).toContain('GET /password/reset/:param');
    expect(keys).toContain('GET /geo/:ip');
  });
});

describe('high cardinality', () => {
  it('stays bounded and consistent with 100,000 distinct paths (keys merged mid-stream)', () => {
    const b = new ModelBuilder({ ...OPTIONS, maxRouteNodes: 3000 });
    let maxNodes = 0;
    for (let i = 0; i < 100_000; i++) {
      const session = Math.floor(i / 5);
      const path = i % 5 === 0 ? '/' : i % 5 < 3 ? `/c/cat-${i % 1500}-x/item${i}` : `/p/prod${i}x`;
      b.add(rec({ at: i * 100, path, client: `10.${(session >> 16) & 255}.${(session >> 8) & 255}.${session & 255}` }));
      maxNodes = Math.max(maxNodes, b.memoryStats().routeNodes);
    }
    const model = b.finish();
    expect(maxNodes).toBeLessThanOrEqual(3001);
    expect(Object.fromEntries(model.endpoints.map((e) => [e.key, e.count]))).toEqual({ 'GET /c/:param/:param2': 40_000, 'GET /p/:param': 40_000, 'GET /': 20_000 });
    expect(model.sessions.count).toBe(20_000);
    expect(model.sessions.transitions['GET /']).toEqual({ 'GET /c/:param/:param2': 1 });
    for (const row of Object.values(model.sessions.transitions)) expect(Object.values(row).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    expect(() => parseModel(JSON.parse(JSON.stringify(model)), 'model.json')).not.toThrow();
  });
});
