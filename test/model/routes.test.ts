import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import { RouteTree, classifySegment } from '../../src/model/routes.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { OPTIONS, SEC, rec } from './records.js';

function build(records: LogRecord[], options: Partial<typeof OPTIONS & { maxEndpoints: number; maxRouteNodes: number }> = {}): TrafficModel {
  const b = new ModelBuilder({ ...OPTIONS, ...options });
  for (const r of records) b.add(r);
  return b.finish();
}

function counts(model: TrafficModel): Record<string, number> {
  return Object.fromEntries(model.endpoints.map((e) => [e.key, e.count]));
}

describe('classifySegment (shape folding)', () => {
  it.each([
    ['123', ':id'],
    ['0', ':id'],
    ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', ':uuid'],
    ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b', ':hash'],
    ['507f1f77bcf86cd799439011', ':hash'],
    ['2026-11-27', ':date'],
    ['jane.doe@example.com', ':email'],
    ['jane.doe%40example.com', ':email'],
    ['192.168.10.4', ':ip'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', ':token'],
    ['Zx81KqPw7Lm2Rt5Yv9Bn3Hd6', ':token'],
    [':id', ':param'],
    ['x'.repeat(101), ':param'],
  ])('%s → %s', (segment, shape) => {
    expect(classifySegment(segment)).toBe(shape);
  });

  it.each(['products', 'sale', 'v2', 'how-to-bake-bread-2024', 'index.html', 'deadbeef', 'api'])('%s stays literal', (segment) => {
    expect(classifySegment(segment)).toBeNull();
  });
});

describe('route templating', () => {
  it('folds values by shape and names the parameters', () => {
    const model = build([
      rec({ path: '/api/products/123' }),
      rec({ path: '/api/products/456' }),
      rec({ path: '/api/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301' }),
      rec({ path: '/api/users/17/orders/42/' }),
      rec({ method: 'post', path: '/api/products/9' }),
      rec({ path: '/reports/2026-11-27' }),
    ]);
    expect(counts(model)).toEqual({
      'GET /api/products/:id': 2,
      'POST /api/products/:id': 1,
      'GET /api/orders/:uuid': 1,
      'GET /api/users/:id/orders/:id2': 1,
      'GET /reports/:date': 1,
    });
    const products = model.endpoints.find((e) => e.key === 'GET /api/products/:id');
    expect(products?.params?.[':id']).toEqual(['123', '456', '9']);
    expect(model.endpoints.find((e) => e.key === 'GET /api/users/:id/orders/:id2')?.params).toEqual({ ':id': ['17'], ':id2': ['42'] });
  });

  it('folds 200 distinct slugs under /blog/ into /blog/:param, keeping a frequent sibling literal', () => {
    const records: LogRecord[] = [];
    for (let i = 0; i < 200; i++) {
      for (let k = 0; k <= i % 3; k++) records.push(rec({ at: records.length * SEC, path: `/blog/post-about-topic-${i}`, client: `10.0.${i}.${k}` }));
    }
    for (let i = 0; i < 80; i++) records.push(rec({ at: records.length * SEC, path: '/blog/feed', client: `10.1.0.${i}` }));
    const model = build(records);
    expect(counts(model)).toEqual({ 'GET /blog/:param': 399, 'GET /blog/feed': 80 });
    const pool = model.endpoints.find((e) => e.key === 'GET /blog/:param')?.params?.[':param'] ?? [];
    expect(pool).toHaveLength(50);
    expect(pool[0]).toMatch(/^post-about-topic-\d+$/);
  });

  it('keeps /api/products/sale literal among numeric siblings', () => {
    const records: LogRecord[] = [];
    for (let i = 0; i < 500; i++) records.push(rec({ at: i * SEC, path: `/api/products/${1000 + i}`, client: `10.0.0.${i % 200}` }));
    for (let i = 0; i < 40; i++) records.push(rec({ at: (500 + i) * SEC, path: '/api/products/sale', client: `10.0.1.${i}` }));
    for (let i = 0; i < 3; i++) records.push(rec({ at: (600 + i) * SEC, path: '/api/products/featured', client: `10.0.2.${i}` }));
    expect(counts(build(records))).toEqual({ 'GET /api/products/:id': 500, 'GET /api/products/sale': 40, 'GET /api/products/featured': 3 });
  });

  it('keeps a position with few distinct literals literal (below the threshold)', () => {
    const records = ['users', 'orders', 'cart', 'search'].flatMap((name, i) => [rec({ at: i * SEC, path: `/api/${name}` })]);
    expect(Object.keys(counts(build(records))).sort()).toEqual(['GET /api/cart', 'GET /api/orders', 'GET /api/search', 'GET /api/users']);
  });

  it('folds the subtrees below a parameter position together (/users/:param/posts)', () => {
    const records: LogRecord[] = [];
    for (let i = 0; i < 120; i++) {
      records.push(rec({ at: i * 10 * SEC, path: `/users/member${String.fromCharCode(97 + (i % 26))}${i}/posts`, client: `10.2.0.${i}` }));
      records.push(rec({ at: (i * 10 + 1) * SEC, path: `/users/member${String.fromCharCode(97 + (i % 26))}${i}`, client: `10.2.0.${i}` }));
    }
    expect(counts(build(records))).toEqual({ 'GET /users/:param/posts': 120, 'GET /users/:param': 120 });
  });

  it('caps endpoints: the rest goes into per-method /:other buckets, counts preserved', () => {
    const records: LogRecord[] = [];
    const names = 'abcdefghij'.split('');
    names.forEach((name, i) => {
      for (let k = 0; k < 20 - i; k++) records.push(rec({ at: records.length * SEC, path: `/${name}`, client: `10.3.${i}.${k}` }));
    });
    records.push(rec({ at: records.length * SEC, method: 'POST', path: '/z', client: '10.4.0.1' }));
    const model = build(records, { maxEndpoints: 5 });
    expect(model.endpoints).toHaveLength(5);
    expect(counts(model)).toEqual({ 'GET /a': 20, 'GET /b': 19, 'GET /c': 18, 'GET /:other': 17 + 16 + 15 + 14 + 13 + 12 + 11, 'POST /:other': 1 });
    expect(model.endpoints.reduce((s, e) => s + e.count, 0)).toBe(records.length);
    expect(model.endpoints.find((e) => e.key === 'GET /:other')?.params?.[':other']).toEqual(['/d', '/e', '/f', '/g', '/h', '/i', '/j']);
    // Every transition and entry names an endpoint that exists.
    const keys = new Set(model.endpoints.map((e) => e.key));
    for (const [from, row] of Object.entries(model.sessions.transitions)) {
      expect(keys.has(from)).toBe(true);
      for (const to of Object.keys(row)) expect(to === '$exit' || keys.has(to)).toBe(true);
    }
    for (const key of Object.keys(model.sessions.entry)) expect(keys.has(key)).toBe(true);
  });

  it('drops matrix parameters, fragments, absolute-URL prefixes; normalizes method case and junk', () => {
    const model = build([
      rec({ path: '/cart;jsessionid=ABC123SECRET' }),
      rec({ path: 'http://shop.example/cart' }),
      rec({ path: '/cart#top' }),
      rec({ method: '\x16\x03\x01', path: '/' }),
    ]);
    expect(counts(model)).toEqual({ 'GET /cart': 3, 'OTHER /': 1 });
    expect(JSON.stringify(model)).not.toContain('ABC123SECRET');
  });
});

describe('RouteTree memory bound', () => {
  it('stays bounded with 200,000 distinct paths, and remaps provisional keys consistently', () => {
    const merges: [number, number][] = [];
    let created = 0;
    const tree = new RouteTree(
      { maxNodes: 2000 },
      () => {
        created++;
      },
      (into, from) => merges.push([into, from]),
    );
    let maxNodes = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      // Unique slugs at two levels plus a few real routes.
      const path = i % 10 === 0 ? '/api/cart' : `/c/cat${i % 700}x/item-${i}-z`;
      seen.add(tree.keyFor('GET', path));
      maxNodes = Math.max(maxNodes, tree.nodeCount);
    }
    expect(maxNodes).toBeLessThanOrEqual(2001);
    expect(created).toBeLessThan(5000);
    const routes = tree.finalize();
    expect(routes.map((r) => r.template).sort()).toEqual(['/api/cart', '/c/:param/:param2']);
    for (const id of seen) expect(routes.some((r) => r.keyId === tree.find(id))).toBe(true);
  });
});

describe('scanner noise', () => {
  it('folds never-successful probes into /:param but keeps the real pages literal', () => {
    const records: LogRecord[] = [];
    const pages = Array.from({ length: 20 }, (_, i) => `page${String.fromCharCode(97 + i)}`);
    for (let i = 0; i < 400; i++) records.push(rec({ at: records.length * SEC, path: `/${pages[i % 20]}`, client: `10.5.0.${i % 250}` }));
    for (let i = 0; i < 300; i++) records.push(rec({ at: records.length * SEC, path: `/probe-${i}.php`, status: 404, client: '10.6.6.6' }));
    const model = build(records);
    const c = counts(model);
    expect(Object.keys(c)).toHaveLength(21);
    for (const page of pages) expect(c[`GET /${page}`]).toBe(20);
    expect(c['GET /:param']).toBe(300);
    expect(model.endpoints.find((e) => e.key === 'GET /:param')?.statusClasses).toEqual({ '4xx': 300 });
  });
});
