import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { TrafficModel } from '../../src/core/types.js';
import { testContext } from '../helpers/context.js';

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function line(timeMs: number, method: string, path: string, client: string): string {
  const d = new Date(timeMs);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return `${client} - - [${stamp}] "${method} ${path} HTTP/1.1" 200 100 "-" "Mozilla/5.0"`;
}

describe('tidemark import --routes, --openapi, --exclude-static', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-import-routes-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    writeFileSync(join(tmp, name), text);
    return name;
  };
  const readModel = (name: string): TrafficModel => JSON.parse(readFileSync(join(tmp, name), 'utf8')) as TrafficModel;
  const keys = (model: TrafficModel): Record<string, number> => Object.fromEntries(model.endpoints.map((e) => [e.key, e.count]));

  /**
   * 20 visitors, 6 page views each, 30 s apart; every page view pulls in 4 assets. Pages: the
   * home page, products by id, the sale page, orders with a few letter ids, the cart.
   */
  const shopLog = write(
    'shop.log',
    (() => {
      const lines: string[] = [];
      for (let v = 0; v < 20; v++) {
        const client = `198.51.100.${v + 1}`;
        const pages: [string, string][] = [
          ['GET', '/'],
          ['GET', `/api/products/${100 + ((v * 3) % 70)}`],
          ['GET', '/api/products/sale'],
          ['GET', `/api/orders/ORD-${'ABC'[v % 3]}`],
          ['POST', '/api/cart'],
          ['GET', `/api/products/${200 + v}`],
        ];
        pages.forEach(([method, path], p) => {
          const at = T0 + v * 600_000 + p * 30_000;
          lines.push(line(at, method, path, client));
          ['/static/site.css', '/static/app.js', '/img/logo.png', '/favicon.ico'].forEach((asset, a) => lines.push(line(at + 200 + a * 50, 'GET', asset, client)));
        });
      }
      return `${lines.join('\n')}\n`;
    })(),
  );

  it('keys matching paths to the routes file, the rest to learned templates, and says how many matched', async () => {
    const routes = write('routes.txt', '# shop API\nGET /api/products/:productId\n/api/orders/{orderId}   # any method\n');
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '--routes', routes, '-o', 'routes-model.json'], ctx)).toBe(0);
    const model = readModel('routes-model.json');
    const k = keys(model);
    // The sale page folds into the user's :productId (the user said so); orders fold although few.
    expect(k['GET /api/products/:productId']).toBe(60);
    expect(k['GET /api/orders/:orderId']).toBe(20);
    expect(k['GET /api/products/sale']).toBeUndefined();
    expect(k['POST /api/cart']).toBe(20);
    expect(model.provenance.userRoutes).toEqual({ sources: ['routes.txt'], routes: 2, matched: 80 });
    expect(ctx.out()).toMatch(/model written to routes-model\.json: 600 requests \(80 matched user routes\), /);
  });

  it('takes OpenAPI paths under the server path, and the routes file first', async () => {
    const spec = write(
      'spec.json',
      JSON.stringify({
        openapi: '3.0.3',
        servers: [{ url: 'https://shop.example.com/api' }],
        paths: { '/products/sale': { get: {} }, '/products/{id}': { get: {} }, '/orders/{number}': { get: {}, delete: {} } },
      }),
    );
    const routes = write('orders.txt', 'GET /api/orders/:orderRef\n');
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '--openapi', spec, '--routes', routes, '-o', 'openapi-model.json'], ctx)).toBe(0);
    const model = readModel('openapi-model.json');
    const k = keys(model);
    expect(k['GET /api/products/sale']).toBe(20);
    expect(k['GET /api/products/:id']).toBe(40);
    expect(k['GET /api/orders/:orderRef']).toBe(20);
    expect(k['GET /api/orders/:number']).toBeUndefined();
    expect(model.provenance.userRoutes).toEqual({ sources: ['orders.txt', 'spec.json'], routes: 4, matched: 80 });
  });

  it('fails with exit 2, every bad line as file:line, and writes nothing, for a bad routes file', async () => {
    const routes = write('bad-routes.txt', 'GET /api/products/:id\nFETCH /api/cart\n\n# fine\nGET api/orders\n');
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '--routes', routes, '-o', 'bad.json'], ctx)).toBe(2);
    expect(existsSync(join(tmp, 'bad.json'))).toBe(false);
    expect(ctx.err()).toContain('2 problems in the routes file bad-routes.txt');
    expect(ctx.err()).toContain('bad-routes.txt:2: unknown method "FETCH"');
    expect(ctx.err()).toContain('bad-routes.txt:5: expected a path starting with /, got "api/orders"');
    expect(ctx.err()).not.toMatch(/\n\s+at /);
  });

  it('says what to do with a YAML OpenAPI document or a missing file', async () => {
    const yaml = write('spec.yaml', 'openapi: 3.0.0\npaths:\n  /a: {get: {}}\n');
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '--openapi', yaml, '-o', 'yaml.json'], ctx)).toBe(2);
    expect(ctx.err()).toContain('spec.yaml: OpenAPI documents are read as JSON, and this looks like YAML');
    expect(ctx.err()).toContain('yq -o=json spec.yaml > spec.json');
    // JSON is YAML: a .yaml file holding JSON is read.
    const jsonInYaml = write('json.yaml', JSON.stringify({ swagger: '2.0', paths: { '/api/orders/{id}': { get: {} } } }));
    expect(await runCli(['import', shopLog, '--openapi', jsonInYaml, '-o', 'json-yaml.json'], testContext({ cwd: tmp }))).toBe(0);
    expect(keys(readModel('json-yaml.json'))['GET /api/orders/:id']).toBe(20);

    const missing = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '--routes', 'nope.txt'], missing)).toBe(2);
    expect(missing.err()).toContain('cannot read routes file nope.txt');
  });

  it('--exclude-static leaves the assets out: sessions of pages only, counted in provenance and the summary', async () => {
    const kept = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '-o', 'with-static.json'], kept)).toBe(0);
    const withStatic = readModel('with-static.json');
    expect(withStatic.sessions.length.mean).toBe(30);
    expect(withStatic.endpoints.filter((e) => e.static).map((e) => e.key).sort()).toEqual(['GET /favicon.ico', 'GET /img/logo.png', 'GET /static/app.js', 'GET /static/site.css']);

    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['import', shopLog, '--exclude-static', '-o', 'no-static.json'], ctx)).toBe(0);
    const model = readModel('no-static.json');
    expect(model.sessions.count).toBe(20);
    expect(model.sessions.length.mean).toBe(6);
    expect(model.endpoints.some((e) => e.static)).toBe(false);
    expect(model.provenance.excluded).toEqual({ static: 480 });
    expect(model.totals).toEqual({ requests: 120, rejected: 0, lines: 600 });
    expect(ctx.out()).toContain('model written to no-static.json: 120 requests (480 static excluded), ');

    const inspect = testContext({ cwd: tmp });
    expect(await runCli(['inspect', 'with-static.json'], inspect)).toBe(0);
    expect(inspect.out()).toContain('static assets: 80.0% of requests (4 endpoints)');
    const inspectExcluded = testContext({ cwd: tmp });
    expect(await runCli(['inspect', 'no-static.json'], inspectExcluded)).toBe(0);
    expect(inspectExcluded.out()).toContain('static assets: excluded at import (480 requests)');
  });

  it('spots static assets by the content type a HAR records', async () => {
    const entry = (i: number, url: string, mimeType: string): unknown => ({
      startedDateTime: new Date(T0 + i * 1000).toISOString(),
      time: 10,
      request: { method: 'GET', url, headers: [] },
      response: { status: 200, bodySize: 100, content: { size: 100, mimeType } },
    });
    const har = write(
      'page.har',
      JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry(0, 'https://shop.example.com/', 'text/html'), entry(1, 'https://shop.example.com/media/42', 'image/jpeg'), entry(2, 'https://shop.example.com/api/me', 'application/json')] } }),
    );
    expect(await runCli(['import', har, '--exclude-static', '-o', 'har.json'], testContext({ cwd: tmp }))).toBe(0);
    const model = readModel('har.json');
    expect(model.endpoints.map((e) => e.key).sort()).toEqual(['GET /', 'GET /api/me']);
    expect(model.provenance.excluded).toEqual({ static: 1 });
  });

  it('lists --routes, --openapi and --exclude-static in its help', async () => {
    const ctx = testContext();
    expect(await runCli(['import', '--help'], ctx)).toBe(0);
    expect(ctx.out()).toMatch(/--routes FILE .*GET \/api\/products\/:id/);
    expect(ctx.out()).toMatch(/--openapi FILE .*OpenAPI 3\.x or Swagger 2\.0/);
    expect(ctx.out()).toMatch(/--exclude-static .*static assets/);
  });
});
