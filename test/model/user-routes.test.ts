import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { UserRouteMatcher, parseOpenApi, parseRoutesFile, type UserRoute } from '../../src/model/user-routes.js';
import { OPTIONS, SEC, rec } from './records.js';

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

function build(records: LogRecord[], userRoutes?: UserRoute[]): TrafficModel {
  const b = new ModelBuilder({ ...OPTIONS, ...(userRoutes ? { userRoutes } : {}) });
  for (const r of records) b.add(r);
  return b.finish();
}

const keysOf = (model: TrafficModel): Record<string, number> => Object.fromEntries(model.endpoints.map((e) => [e.key, e.count]));

/** A matcher with keys numbered in allocation order, for direct tests. */
function matcher(routes: UserRoute[]): { m: UserRouteMatcher; methods: string[] } {
  const methods: string[] = [];
  const m = new UserRouteMatcher(routes, (method) => methods.push(method) - 1);
  return { m, methods };
}

describe('parseRoutesFile', () => {
  it('reads methods, any-method routes, :name and {name}, comments and blank lines', () => {
    const text = ['# our API', '', 'GET /api/products/:id', '  /api/orders/{orderId}/   # any method', 'post /api/cart', '* /health', 'GET /files/{name}.json', 'GET /'].join('\n');
    const routes = parseRoutesFile(text, 'routes.txt');
    expect(routes.map((r) => [r.method, r.template, r.source])).toEqual([
      ['GET', '/api/products/:id', 'routes.txt:3'],
      [null, '/api/orders/:orderId', 'routes.txt:4'],
      ['POST', '/api/cart', 'routes.txt:5'],
      [null, '/health', 'routes.txt:6'],
      ['GET', '/files/:name.json', 'routes.txt:7'],
      ['GET', '/', 'routes.txt:8'],
    ]);
    expect(routes.every((r) => r.file === 'routes.txt')).toBe(true);
  });

  it('reports every bad line as file:line, with what to do', () => {
    const text = [
      'GET /api/products/:id', // 1 fine
      'GTE /api/cart', // 2 unknown method
      'api/orders', // 3 not a path
      'GET /search?q=:term', // 4 query string
      'GET /a/:1x', // 5 bad name
      'GET /b/{id', // 6 unbalanced
      'GET /c/{id}x', // 7 swallowed suffix
      'GET /d/*', // 8 wildcard
      'GET /api/products/:productId', // 9 same route, other name
      'GET /x extra words', // 10 too many tokens
    ].join('\n');
    const e = errorOf(() => parseRoutesFile(text, 'routes.txt'));
    expect(e.problems).toEqual([
      'routes.txt:2: unknown method "GTE" (expected GET, POST, PUT, DELETE, PATCH, …, or none for any method)',
      'routes.txt:3: expected a path starting with /, got "api/orders"',
      'routes.txt:4: a route is a path only (no query string, fragment or spaces): "/search?q=:term"',
      'routes.txt:5: ":" must be followed by a parameter name (a letter or _, then letters, digits, _): ":1x"',
      'routes.txt:6: unbalanced braces in segment "{id"',
      'routes.txt:7: a parameter inside a segment must be followed by a character other than a letter, digit or _: "{id}x"',
      'routes.txt:8: wildcards are not supported: name the parameter instead (:name or {name}) in "/d/*"',
      'routes.txt:9: /api/products/:productId is the route /api/products/:id of line 1 with other parameter names; use one name',
      'routes.txt:10: expected "METHOD /path" or "/path", got "GET /x extra words"',
    ]);
    expect(e.message).toContain('9 problems in the routes file routes.txt');
    expect(e.hint).toContain('GET /api/products/:id');
  });

  it('names the line of a single bad line in the message itself', () => {
    const e = errorOf(() => parseRoutesFile('GET /ok\n\nGET nope\n', 'r.txt'));
    expect(e.message).toBe('r.txt:3: expected a path starting with /, got "nope"');
  });

  it('rejects a file without routes', () => {
    expect(errorOf(() => parseRoutesFile('# nothing\n\n', 'r.txt')).message).toBe('r.txt: no routes in the file');
  });

  it('makes parameter names safe for templates (other… is the overflow bucket)', () => {
    const [a, b] = parseRoutesFile('GET /a/{product-id}/{id}/{id}\nGET /b/:others', 'r.txt');
    expect(a?.template).toBe('/a/:product_id/:id/:id2');
    expect(b?.template).toBe('/b/:_others');
  });
});

describe('parseOpenApi', () => {
  it('reads OpenAPI 3 paths and operations under every distinct server path', () => {
    const spec = {
      openapi: '3.0.3',
      servers: [{ url: 'https://api.example.com/v1/' }, { url: '/v1' }, { url: 'https://{region}.example.com/{base}', variables: { region: { default: 'eu' }, base: { default: 'v2' } } }],
      paths: {
        '/products/{id}': { get: {}, delete: {}, parameters: [] },
        '/products/sale': { get: {} },
        '/health': { $ref: '#/components/pathItems/health' },
        '/legacy/{id}': { servers: [{ url: '/old' }], get: {} },
        'x-internal': { get: {} },
      },
    };
    const routes = parseOpenApi(spec, 'spec.json');
    expect(routes.map((r) => `${r.method ?? '*'} ${r.template}`)).toEqual([
      'GET /v1/products/:id',
      'DELETE /v1/products/:id',
      'GET /v2/products/:id',
      'DELETE /v2/products/:id',
      'GET /v1/products/sale',
      'GET /v2/products/sale',
      '* /v1/health',
      '* /v2/health',
      'GET /old/legacy/:id',
    ]);
    expect(routes[0]?.source).toBe('spec.json: $.paths["/products/{id}"]');
  });

  it('reads Swagger 2.0 with its basePath', () => {
    const routes = parseOpenApi({ swagger: '2.0', basePath: '/api/', paths: { '/orders/{orderId}': { get: {}, put: {} } } }, 'swagger.json');
    expect(routes.map((r) => `${r.method} ${r.template}`)).toEqual(['GET /api/orders/:orderId', 'PUT /api/orders/:orderId']);
  });

  it('says what is wrong, with JSON paths, all at once', () => {
    expect(errorOf(() => parseOpenApi({ info: {} }, 'spec.json')).message).toBe('spec.json: not an OpenAPI 3.x or Swagger 2.0 document (no "openapi" or "swagger" field)');
    expect(errorOf(() => parseOpenApi({ swagger: '1.2', paths: {} }, 'spec.json')).message).toContain('version "1.2"');
    expect(errorOf(() => parseOpenApi({ openapi: '3.1.0' }, 'spec.json')).message).toBe('spec.json: $.paths: missing');
    expect(errorOf(() => parseOpenApi({ openapi: '3.1.0', paths: {} }, 'spec.json')).message).toBe('spec.json: $.paths: no paths in the document');
    const e = errorOf(() =>
      parseOpenApi({ openapi: '3.0.0', servers: [{ url: '/{tenant}/api' }], paths: { '/a/{id': { get: {} }, 'b': { get: {} }, '/c': 7 } }, 'spec.json'),
    );
    expect(e.problems).toEqual([
      'spec.json: $.servers[0].url: variable {tenant} has no default value',
      'spec.json: $.paths["/a/{id"]: unbalanced braces in segment "{id"',
      'spec.json: $.paths["b"]: expected a path starting with /, got "b"',
      'spec.json: $.paths["/c"]: expected a path item object',
    ]);
  });
});

describe('UserRouteMatcher', () => {
  const routes = parseRoutesFile(
    ['GET /api/products/sale', 'GET /api/products/:id', '/a/b/c', '/a/:x/d', 'GET /files/{name}.json', 'GET /files/{name}.js', 'POST /api/cart', 'GET /reset-password/:token'].join('\n'),
    'routes.txt',
  );

  it('prefers a literal, then a parameter inside a segment, then a whole-segment parameter', () => {
    const { m } = matcher(routes);
    const templateOf = (method: string, path: string): string | undefined => {
      const key = m.keyFor(method, path);
      if (key === undefined) return undefined;
      return m.finalize().find((r) => r.keyId === key)?.template;
    };
    expect(templateOf('GET', '/api/products/sale')).toBe('/api/products/sale');
    expect(templateOf('GET', '/api/products/123')).toBe('/api/products/:id');
    expect(templateOf('GET', '/api/products/blue-widget/')).toBe('/api/products/:id');
    expect(templateOf('GET', '/files/report.json')).toBe('/files/:name.json');
    expect(templateOf('GET', '/files/app.js')).toBe('/files/:name.js');
    // A literal branch that dead-ends gives way to the parameter.
    expect(templateOf('GET', '/a/b/c')).toBe('/a/b/c');
    expect(templateOf('GET', '/a/b/d')).toBe('/a/:x/d');
    // Absolute URLs, matrix parameters, empty segments.
    expect(templateOf('GET', 'https://shop.example/api/products/7;jsessionid=abc')).toBe('/api/products/:id');
    expect(templateOf('GET', '//api//products/7')).toBe('/api/products/:id');
  });

  it('checks the method; no match leaves the path to the route tree', () => {
    const { m } = matcher(routes);
    expect(m.keyFor('POST', '/api/cart')).toBeTypeOf('number');
    expect(m.keyFor('GET', '/api/cart')).toBeUndefined();
    expect(m.keyFor('DELETE', '/api/products/1')).toBeUndefined();
    expect(m.keyFor('GET', '/api/products')).toBeUndefined();
    expect(m.keyFor('GET', '/api/products/1/reviews')).toBeUndefined();
    expect(m.keyFor('PATCH', '/a/zz/d')).toBeTypeOf('number');
    expect(m.matched).toBe(2);
  });

  it('gives one key per route and method, and pools the parameter values, scrubbed', () => {
    const { m, methods } = matcher(routes);
    const a = m.keyFor('GET', '/api/products/1');
    expect(m.keyFor('GET', '/api/products/2')).toBe(a);
    expect(m.keyFor('GET', '/api/products/1')).toBe(a);
    m.keyFor('GET', '/api/products/jane%40example.com');
    m.keyFor('GET', '/reset-password/Zx81kLmN0pQrS7tUvW2y');
    m.keyFor('PUT', '/a/q/d');
    m.keyFor('GET', '/a/q/d');
    expect(methods).toEqual(['GET', 'GET', 'PUT', 'GET']);
    const final = m.finalize();
    expect(final.find((r) => r.template === '/api/products/:id')?.params).toEqual({ ':id': ['1', '2'] });
    expect(final.find((r) => r.template === '/reset-password/:token')?.params).toEqual({ ':token': [] });
    expect(final.filter((r) => r.template === '/a/:x/d').map((r) => r.method)).toEqual(['PUT', 'GET']);
  });
});

describe('user routes in the model', () => {
  /** Products by id, a sale page, orders with a few non-numeric ids, and a cart. */
  function shopRecords(): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < 200; i++) {
      const client = `10.0.${i % 7}.1`;
      out.push(rec({ at: i * SEC, path: `/api/products/${100 + (i % 60)}`, client }));
      if (i % 4 === 0) out.push(rec({ at: i * SEC + 100, path: '/api/products/sale', client }));
      if (i % 5 === 0) out.push(rec({ at: i * SEC + 200, path: `/api/orders/ORD-${'ABCDE'[(i / 5) % 5]}`, client }));
      if (i % 10 === 0) out.push(rec({ at: i * SEC + 300, method: 'POST', path: '/api/cart', client }));
    }
    return out;
  }

  it('without user routes the tree keeps /api/orders/ORD-x literal (few distinct values)', () => {
    const keys = keysOf(build(shopRecords()));
    expect(keys['GET /api/products/:id']).toBe(200);
    expect(keys['GET /api/products/sale']).toBe(50);
    expect(keys['GET /api/orders/ORD-A']).toBe(8);
    expect(keys['GET /api/orders/:orderId']).toBeUndefined();
  });

  it('a user route folds paths the tree would have kept literal, and keeps their values', () => {
    const model = build(shopRecords(), parseRoutesFile('/api/orders/{orderId}\n', 'routes.txt'));
    const keys = keysOf(model);
    expect(keys['GET /api/orders/:orderId']).toBe(40);
    expect(Object.keys(keys).filter((k) => k.startsWith('GET /api/orders/ORD'))).toEqual([]);
    const orders = model.endpoints.find((e) => e.key === 'GET /api/orders/:orderId');
    expect(new Set(orders?.params?.[':orderId'])).toEqual(new Set(['ORD-A', 'ORD-B', 'ORD-C', 'ORD-D', 'ORD-E']));
    // Unmatched paths still go through the learned tree, as before.
    expect(keys['GET /api/products/:id']).toBe(200);
    expect(keys['POST /api/cart']).toBe(20);
    expect(model.provenance.userRoutes).toEqual({ sources: ['routes.txt'], routes: 1, matched: 40 });
    // Sessions and transitions name the user route's key.
    expect(Object.keys(model.sessions.transitions)).toContain('GET /api/orders/:orderId');
  });

  it('the user decides whether /api/products/sale is a literal or an :id', () => {
    const literal = keysOf(build(shopRecords(), parseRoutesFile('GET /api/products/sale\nGET /api/products/:productId\n', 'routes.txt')));
    expect(literal['GET /api/products/sale']).toBe(50);
    expect(literal['GET /api/products/:productId']).toBe(200);

    const folded = build(shopRecords(), parseRoutesFile('GET /api/products/:productId\n', 'routes.txt'));
    expect(keysOf(folded)['GET /api/products/:productId']).toBe(250);
    expect(keysOf(folded)['GET /api/products/sale']).toBeUndefined();
    expect(folded.endpoints.find((e) => e.key === 'GET /api/products/:productId')?.params?.[':productId']).toContain('sale');
    expect(folded.provenance.userRoutes?.matched).toBe(250);
  });

  it('OpenAPI routes take precedence the same way, under their server path', () => {
    const spec = { openapi: '3.0.0', servers: [{ url: 'https://shop.example/api' }], paths: { '/orders/{id}': { get: {} }, '/products/{sku}': { get: {} } } };
    const model = build(shopRecords(), parseOpenApi(spec, 'spec.json'));
    const keys = keysOf(model);
    expect(keys['GET /api/orders/:id']).toBe(40);
    expect(keys['GET /api/products/:sku']).toBe(250);
    expect(model.provenance.userRoutes).toEqual({ sources: ['spec.json'], routes: 2, matched: 290 });
  });

  it('leaves the model as it was when no route matches', () => {
    const plain = build(shopRecords());
    const withRoutes = build(shopRecords(), parseRoutesFile('GET /elsewhere/:id\n', 'routes.txt'));
    expect(withRoutes.endpoints).toEqual(plain.endpoints);
    expect(withRoutes.sessions).toEqual(plain.sessions);
    expect(withRoutes.provenance.userRoutes?.matched).toBe(0);
  });
});
