import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { hasStaticExtension, isStaticAsset, isStaticContentType } from '../../src/model/static.js';
import { OPTIONS, MIN, SEC, rec } from './records.js';

describe('static asset classification', () => {
  it.each<[string, boolean]>([
    ['/assets/app.3f9a8b.js', true],
    ['/css/site.CSS', true],
    ['/favicon.ico', true],
    ['/img/logo.svg', true],
    ['/fonts/inter.woff2', true],
    ['/static/app.js.map', true],
    ['/robots.txt', true],
    ['/video/intro.mp4;jsessionid=abc', true],
    ['https://cdn.example.com/lib/react.mjs', true],
    ['/', false],
    ['/api/products/12', false],
    ['/index.html', false],
    ['/api/data.json', false],
    ['/sitemap.xml', false],
    ['/v1.2/items', false],
    ['/downloads.', false],
    ['/a.js/edit', false],
    ['https://cdn.example.com', false],
  ])('%s by extension: %s', (path, expected) => {
    expect(hasStaticExtension(path)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['text/css; charset=utf-8', true],
    ['application/javascript', true],
    ['image/webp', true],
    ['IMAGE/SVG+XML', true],
    ['font/woff2', true],
    ['video/mp4', true],
    ['text/html; charset=utf-8', false],
    ['application/json', false],
    ['text/plain', false],
    ['', false],
  ])('%s by content type: %s', (type, expected) => {
    expect(isStaticContentType(type)).toBe(expected);
  });

  it('is static when either the extension or the content type says so', () => {
    expect(isStaticAsset('/img/42', 'image/png')).toBe(true);
    expect(isStaticAsset('/favicon.ico', 'text/html')).toBe(true);
    expect(isStaticAsset('/api/items', 'application/json')).toBe(false);
    expect(isStaticAsset('/api/items')).toBe(false);
  });
});

describe('static assets in the model', () => {
  const ASSETS = ['/css/site.css', '/js/app.js', '/js/vendor.js', '/img/logo.png', '/fonts/inter.woff2'];

  /**
   * 30 visitors, each viewing 3 pages a minute apart; every page view pulls in 20 assets in the
   * next second (the 5 above and 15 product images), as a browser does.
   */
  function pageViews(): LogRecord[] {
    const out: LogRecord[] = [];
    for (let v = 0; v < 30; v++) {
      const client = `10.1.0.${v}`;
      for (let p = 0; p < 3; p++) {
        const at = v * 10 * MIN + p * MIN;
        out.push(rec({ at, path: p === 0 ? '/' : `/products/${v * 3 + p}`, client }));
        for (let a = 0; a < 20; a++) {
          const path = a < ASSETS.length ? (ASSETS[a] as string) : `/img/products/${(v * 7 + a) % 80}.webp`;
          out.push(rec({ at: at + 50 + a * 40, path, client }));
        }
      }
    }
    return out;
  }

  function build(records: LogRecord[], excludeStatic?: boolean) {
    const b = new ModelBuilder({ ...OPTIONS, ...(excludeStatic !== undefined ? { excludeStatic } : {}) });
    for (const r of records) b.add(r);
    return b.finish();
  }

  it('marks static endpoints and keeps them by default', () => {
    const model = build(pageViews());
    const byKey = new Map(model.endpoints.map((e) => [e.key, e]));
    for (const path of ASSETS) expect(byKey.get(`GET ${path}`)?.static, path).toBe(true);
    expect(byKey.get('GET /img/products/:param')?.static).toBe(true);
    expect(byKey.get('GET /')?.static).toBeUndefined();
    const staticRequests = model.endpoints.filter((e) => e.static).reduce((s, e) => s + e.count, 0);
    expect(staticRequests).toBe(30 * 3 * 20);
    expect(model.totals.requests).toBe(30 * 3 * 21);
    // A session is a page and its assets: 63 requests.
    expect(model.sessions.count).toBe(30);
    expect(model.sessions.length.mean).toBe(63);
    expect(model.provenance.excluded).toBeUndefined();
    expect(model.provenance.options.excludeStatic).toBe(false);
  });

  it('--exclude-static drops them: sessions of 3 pages, counted in provenance and totals', () => {
    const model = build(pageViews(), true);
    expect(model.endpoints.some((e) => e.static === true)).toBe(false);
    expect(model.endpoints.map((e) => e.key).sort()).toEqual(['GET /', 'GET /products/:id']);
    expect(model.sessions.count).toBe(30);
    expect(model.sessions.length.mean).toBe(3);
    expect(model.sessions.transitions['GET /']).toEqual({ 'GET /products/:id': 1 });
    expect(model.sessions.thinkTimeMs.p50).toBe(60 * SEC);
    expect(model.provenance.excluded).toEqual({ static: 1800 });
    expect(model.totals).toEqual({ requests: 90, rejected: 0, lines: 90 + 1800 });
    expect(model.provenance.options.excludeStatic).toBe(true);
  });

  it('uses the response content type where the source has one (HAR)', () => {
    const records = [rec({ at: 0, path: '/media/42', contentType: 'image/jpeg' }), rec({ at: SEC, path: '/media/43', contentType: 'image/jpeg' }), rec({ at: 2 * SEC, path: '/api/me', contentType: 'application/json' })];
    const kept = build(records);
    expect(kept.endpoints.find((e) => e.key === 'GET /media/:id')?.static).toBe(true);
    expect(kept.endpoints.find((e) => e.key === 'GET /api/me')?.static).toBeUndefined();
    const excluded = build(records, true);
    expect(excluded.endpoints.map((e) => e.key)).toEqual(['GET /api/me']);
    expect(excluded.provenance.excluded?.static).toBe(2);
  });
});
