import { describe, it, expect, afterEach } from 'vitest';
import { Agent, request as httpRequest } from 'node:http';
import { createHook } from 'node:async_hooks';
import { ConfigError } from '../../src/core/errors.js';
import { startShopServer, type ShopRequestLogEntry, type ShopServer, type ShopServerOptions } from '../../src/demo/shop-server.js';

const started: ShopServer[] = [];
async function start(opts: ShopServerOptions = {}): Promise<ShopServer> {
  const server = await startShopServer({ latencyScale: 0, ...opts });
  started.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
  elapsedMs: number;
}

async function call(server: ShopServer, method: string, path: string, opts: { json?: unknown; raw?: string; token?: string; cookie?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] = 'application/json';
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const t0 = performance.now();
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  const elapsedMs = performance.now() - t0;
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, body: isJson ? JSON.parse(text) : text, headers: res.headers, elapsedMs };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('shop server: endpoints', () => {
  it('listens on 127.0.0.1 with an ephemeral port by default', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('serves a small HTML home page and robots.txt', async () => {
    const server = await start();
    const home = await call(server, 'GET', '/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    expect(home.body).toMatch(/<html[\s\S]*<\/html>/);
    const robots = await call(server, 'GET', '/robots.txt');
    expect(robots.status).toBe(200);
    expect(robots.body).toMatch(/^User-agent: \*/);
  });

  it('lists products by category and page', async () => {
    const server = await start();
    const page2 = await call(server, 'GET', '/api/products?category=shoes&page=2');
    expect(page2.status).toBe(200);
    const body = page2.body as Json;
    expect(body.page).toBe(2);
    expect(body.items).toHaveLength(20);
    expect(body.total).toBeGreaterThan(800);
    for (const item of body.items) expect(item.category).toBe('shoes');
    const page1 = (await call(server, 'GET', '/api/products?category=shoes')).body as Json;
    expect(page1.page).toBe(1);
    expect(page1.items[0].id).not.toBe(body.items[0].id);
    expect(((await call(server, 'GET', '/api/products?category=no-such')).body as Json).items).toEqual([]);
    expect((await call(server, 'GET', '/api/products?page=abc')).status).toBe(400);
    expect((await call(server, 'GET', '/api/products?page=0')).status).toBe(400);
  });

  it('answers product details for ids 1..5000 and 404 for others', async () => {
    const server = await start();
    for (const id of [1, 42, 5000]) {
      const res = await call(server, 'GET', `/api/products/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, name: expect.any(String), category: expect.any(String), priceCents: expect.any(Number) });
    }
    for (const id of ['0', '5001', '99999', 'abc', '42x']) {
      const res = await call(server, 'GET', `/api/products/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body).toMatchObject({ error: expect.any(String) });
    }
  });

  it('logs in with any non-empty credentials and rejects missing fields or bad JSON', async () => {
    const server = await start();
    const ok = await call(server, 'POST', '/api/login', { json: { username: 'ann', password: 'secret' } });
    expect(ok.status).toBe(200);
    expect((ok.body as Json).token).toMatch(/^\S{8,}$/);
    for (const json of [{}, { username: 'ann' }, { password: 'x' }, { username: '', password: 'x' }, { username: 1, password: 'x' }]) {
      const bad = await call(server, 'POST', '/api/login', { json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expect(bad.body).toMatchObject({ error: expect.any(String) });
    }
    expect((await call(server, 'POST', '/api/login')).status).toBe(400);
    const broken = await call(server, 'POST', '/api/login', { raw: '{"username": "ann",' });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ error: 'invalid JSON body' });
    expect((await call(server, 'POST', '/api/login', { raw: '[1,2]' })).status).toBe(400);
  });

  it('runs the cart → checkout → orders flow with a bearer token', async () => {
    const server = await start();
    const { token } = (await call(server, 'POST', '/api/login', { json: { username: 'bob', password: 'pw' } })).body as Json;

    const add1 = await call(server, 'POST', '/api/cart/items', { json: { productId: 7, qty: 2 }, token });
    expect(add1.status).toBe(200);
    const cart1 = add1.body as Json;
    expect(cart1.cartId).toEqual(expect.any(String));
    expect(cart1.items).toEqual([expect.objectContaining({ productId: 7, qty: 2 })]);

    const add2 = (await call(server, 'POST', '/api/cart/items', { json: { productId: 8 }, token })).body as Json;
    expect(add2.cartId).toBe(cart1.cartId);
    expect(add2.items.map((i: Json) => [i.productId, i.qty])).toEqual([[7, 2], [8, 1]]);

    const view = await call(server, 'GET', '/api/cart', { token });
    expect(view.status).toBe(200);
    expect((view.body as Json).cartId).toBe(cart1.cartId);
    expect((view.body as Json).items).toHaveLength(2);

    const checkout = await call(server, 'POST', '/api/checkout', { json: { cartId: cart1.cartId }, token });
    expect(checkout.status).toBe(201);
    const { orderId } = checkout.body as Json;
    expect(orderId).toEqual(expect.any(Number));

    expect(((await call(server, 'GET', '/api/cart', { token })).body as Json).items).toEqual([]);

    const orders = await call(server, 'GET', '/api/orders', { token });
    expect(orders.status).toBe(200);
    expect((orders.body as Json).orders.map((o: Json) => o.orderId)).toEqual([orderId]);

    const order = await call(server, 'GET', `/api/orders/${orderId}`, { token });
    expect(order.status).toBe(200);
    expect((order.body as Json).items.map((i: Json) => i.productId)).toEqual([7, 8]);
    expect((order.body as Json).totalCents).toBeGreaterThan(0);

    // Another user's token has its own cart and no orders.
    const other = (await call(server, 'POST', '/api/login', { json: { username: 'eve', password: 'pw' } })).body as Json;
    expect(((await call(server, 'GET', '/api/cart', { token: other.token })).body as Json).cartId).not.toBe(cart1.cartId);
    expect(((await call(server, 'GET', '/api/orders', { token: other.token })).body as Json).orders).toEqual([]);
  });

  it('validates cart items', async () => {
    const server = await start();
    const token = 'replayed-token';
    expect((await call(server, 'POST', '/api/cart/items', { json: { qty: 1 }, token })).status).toBe(400);
    expect((await call(server, 'POST', '/api/cart/items', { json: { productId: 'x' }, token })).status).toBe(400);
    expect((await call(server, 'POST', '/api/cart/items', { json: { productId: 3, qty: 0 }, token })).status).toBe(400);
    expect((await call(server, 'POST', '/api/cart/items', { json: { productId: 9999 }, token })).status).toBe(404);
  });

  it('keys an anonymous cart by a cookie it sets', async () => {
    const server = await start();
    const add = await call(server, 'POST', '/api/cart/items', { json: { productId: 12, qty: 1 } });
    expect(add.status).toBe(200);
    const setCookie = add.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^cart=[^;]+;/);
    const cookie = setCookie.split(';')[0] as string;
    const view = (await call(server, 'GET', '/api/cart', { cookie })).body as Json;
    expect(view.cartId).toBe((add.body as Json).cartId);
    expect(view.items).toHaveLength(1);
    // Without the cookie, a fresh (empty) cart.
    expect(((await call(server, 'GET', '/api/cart')).body as Json).items).toEqual([]);
  });

  it('serves historical orders and 404s unknown ones', async () => {
    const server = await start();
    const old = await call(server, 'GET', '/api/orders/100231');
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ orderId: 100231, status: 'delivered' });
    expect((await call(server, 'GET', '/api/orders/999999')).status).toBe(404);
    expect((await call(server, 'GET', '/api/orders/abc')).status).toBe(404);
  });

  it('answers 404 JSON for unknown routes, 405 for a wrong method, 413 for big bodies', async () => {
    const server = await start();
    const unknown = await call(server, 'GET', '/api/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(unknown.body).toMatchObject({ error: expect.any(String) });
    expect((await call(server, 'GET', '/favicon.ico')).status).toBe(404);
    const wrong = await call(server, 'DELETE', '/api/cart');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    const big = await call(server, 'POST', '/api/login', { raw: JSON.stringify({ username: 'a', password: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
  });

  it('counts requests by status and calls onRequest once per request', async () => {
    const log: ShopRequestLogEntry[] = [];
    const server = await start({ onRequest: (entry) => log.push(entry) });
    await call(server, 'GET', '/api/products/1');
    await call(server, 'GET', '/api/products/0');
    await call(server, 'GET', '/api/products?category=toys');
    const stats = server.stats();
    expect(stats.requests).toBe(3);
    expect(stats.byStatus).toEqual({ '200': 2, '404': 1 });
    expect(stats.inFlight).toBe(0);
    expect(log.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', '/api/products/1', 200],
      ['GET', '/api/products/0', 404],
      ['GET', '/api/products?category=toys', 200],
    ]);
    for (const e of log) {
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
      expect(Math.abs(e.startedAtMs - Date.now())).toBeLessThan(10_000);
    }
  });

  it('rejects invalid options up front, listing every problem', async () => {
    const err = await startShopServer({ poolSize: 0, latencyScale: -1, port: 70_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_CONFIG');
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^port/), expect.stringMatching(/^poolSize/), expect.stringMatching(/^latencyScale/)]);
  });
});

describe('shop server: load behaviour', () => {
  it('turns overload into 503 once a request waited queueTimeoutMs for the pool', async () => {
    // One slot; a product lookup holds it 70 ms × 0.8-1.2 × 5 ≈ 280-420 ms; waiters give up after 100 ms.
    const server = await start({ poolSize: 1, queueTimeoutMs: 100, latencyScale: 5 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(server, 'GET', '/api/products/1')));
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 503);
    expect(ok).toHaveLength(1);
    expect(busy).toHaveLength(4);
    for (const a of busy) {
      expect(a.body).toEqual({ error: 'database pool exhausted' });
      expect(a.elapsedMs).toBeGreaterThanOrEqual(95);
      // Given up at the deadline, long before the slot frees up.
      expect(a.elapsedMs).toBeLessThan((ok[0] as Answer).elapsedMs);
    }
    const stats = server.stats();
    expect(stats.timeouts).toBe(4);
    expect(stats.maxQueue).toBe(4);
    expect(stats.byStatus).toEqual({ '200': 1, '503': 4 });
  });

  it('queues within the deadline instead of failing', async () => {
    const server = await start({ poolSize: 1, queueTimeoutMs: 2_000, latencyScale: 0.5 });
    const answers = await Promise.all(Array.from({ length: 4 }, () => call(server, 'GET', '/api/products/2')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    // Served one after another: the last waited for the three before it (≥ 3 × 28 ms).
    expect(Math.max(...answers.map((a) => a.elapsedMs))).toBeGreaterThanOrEqual(4 * 28 - 5);
    expect(server.stats().maxQueue).toBe(3);
  });

  it('latencyScale slows every query', async () => {
    const fast = await start({ latencyScale: 0 });
    const slow = await start({ latencyScale: 4 });
    const a = await call(fast, 'GET', '/api/products?category=books');
    const b = await call(slow, 'GET', '/api/products?category=books');
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.elapsedMs).toBeLessThan(300);
    // A list query is 200 ms × 0.8-1.2, times 4.
    expect(b.elapsedMs).toBeGreaterThanOrEqual(635);
    expect(b.elapsedMs).toBeLessThan(2_500);
  });

  it('close() ends keep-alive and in-flight requests and leaves no handle or timer behind', async () => {
    const tracker = trackDemoResources();
    try {
      const server = await startShopServer({ latencyScale: 50 }); // a list query now takes ~10 s
      const agent = new Agent({ keepAlive: true });
      const get = (path: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(`${server.url}${path}`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await get('/robots.txt')).toBe(200); // leaves an idle keep-alive socket
      const hanging = get('/api/products?category=toys');
      hanging.catch(() => undefined);
      // And a client stuck half-way through sending its body.
      const stalled = new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${server.url}/api/login`, { method: 'POST', agent: false, headers: { 'content-length': '1000' } }, (res) => resolve(res.statusCode ?? 0));
        req.on('error', reject);
        req.write('{"user');
      });
      stalled.catch(() => undefined);
      await waitFor(() => server.stats().inFlight === 2);
      // The pool's service timer and the server's listening socket are seen by the tracker.
      expect(tracker.live()).toEqual(expect.arrayContaining(['Timeout', 'TCPSERVERWRAP']));

      const t0 = performance.now();
      await server.close();
      expect(performance.now() - t0).toBeLessThan(1_000);
      await expect(hanging).rejects.toThrow();
      await expect(stalled).rejects.toThrow();
      expect(server.stats().inFlight).toBe(0);
      expect(server.stats().byStatus).toEqual({ '200': 1, '0': 2 });
      await server.close(); // idempotent
      await waitFor(() => agent.sockets && Object.keys(agent.sockets).length === 0 && Object.keys(agent.freeSockets).length === 0);
      expect(Object.keys(agent.freeSockets)).toEqual([]);
      agent.destroy();
      await expect(get('/')).rejects.toThrow(/ECONNREFUSED/);
      await new Promise((r) => setImmediate(r));
      expect(tracker.live()).toEqual([]);
    } finally {
      tracker.stop();
    }
  });
});

/**
 * Records the timers and listening sockets created while it runs (except the test runner's
 * own, recognised by their node_modules stacks) until they are destroyed: what is left after
 * close() is a leak. Global resource counts are too noisy inside a test runner.
 */
function trackDemoResources(): { live(): string[]; stop(): void } {
  const live = new Map<number, { type: string; resource: unknown }>();
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const hook = createHook({
    init(asyncId, type, _triggerId, resource) {
      if (type !== 'Timeout' && type !== 'TCPSERVERWRAP') return;
      // Node internals defer some of these (listen, the connection-checking interval), so
      // their stacks show no caller; the runner's own timers come from node_modules.
      const stack = new Error().stack ?? '';
      if (!/[\\/]node_modules[\\/]/.test(stack)) live.set(asyncId, { type, resource });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  // Unref'd timers (node:http's shared Date-header cache) never keep a process alive.
  const keepsAlive = (resource: unknown): boolean => {
    const maybe = resource as { hasRef?: () => boolean };
    return typeof maybe.hasRef !== 'function' || maybe.hasRef();
  };
  return {
    live: () => [...live.values()].filter((r) => keepsAlive(r.resource)).map((r) => r.type).sort(),
    stop: () => {
      hook.disable();
      Error.stackTraceLimit = previousLimit;
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
