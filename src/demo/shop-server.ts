import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import { createRng, hashSeed, type Rng } from '../core/rng.js';
import { BoundedMap } from './bounded-map.js';
import { CATEGORIES, ROBOTS_TXT, homePage, isProductId, listProducts, product, productSummary } from './catalog.js';
import { DbPool, PoolClosedError, PoolTimeoutError } from './db-pool.js';

/**
 * The demo target: a small shop API on node:http that `tidemark demo` and `tidemark serve-demo`
 * start in-process, and that end-to-end tests load.
 *
 * It models the thing that makes real systems fall over: a bounded database pool. Each endpoint
 * runs its queries on one pooled connection for a service time (QUERY_PLAN_MS, jittered with a
 * seeded RNG, times latencyScale); requests queue FIFO for a free connection, and one that waits
 * longer than queueTimeoutMs answers 503. With the defaults the shop serves about 18 requests/s
 * of the sample log's endpoint mix: the sample's peak (≈2 req/s) at 3× passes comfortably, at
 * 20× it drowns in 503s.
 *
 * It is a load target, not a shop: it is lenient where replayed traffic carries no state (any
 * bearer token is accepted and keys its own cart; checkout of an unknown or empty cart still
 * makes an order; orders 1..199999 exist as "history"), and strict where the API says so
 * (missing login fields, bad JSON, unknown products: 4xx).
 */

export interface ShopServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Database connection slots. Default 2. */
  poolSize?: number;
  /** How long a request waits for a slot before answering 503. Default 1000. */
  queueTimeoutMs?: number;
  /** Multiplies every query service time (tests use it to make the target slow). Default 1. */
  latencyScale?: number;
  /** Seed of the service-time jitter. Default 1. */
  seed?: number;
  /** Called once per request when its response is done (or its connection closed). */
  onRequest?: (entry: ShopRequestLogEntry) => void;
  /**
   * Injected failures, for tests of thresholds: between `fromMs` and `toMs` after the server
   * started, a share `rate` of requests answer 503 at once; every `failCheckoutEvery`-th
   * checkout answers 503.
   */
  faults?: { errorBurst?: { fromMs: number; toMs: number; rate: number }; failCheckoutEvery?: number };
}

export interface ShopRequestLogEntry {
  method: string;
  /** Path and query as requested. */
  path: string;
  /** 0 when the connection closed before a response went out. */
  status: number;
  durationMs: number;
  /** Epoch milliseconds when the request arrived. */
  startedAtMs: number;
}

export interface ShopServerStats {
  /** Requests answered (or cut off by close()). */
  requests: number;
  /** Status code → count, e.g. { "200": 41, "503": 3 }; "0" for requests cut off unanswered. */
  byStatus: Record<string, number>;
  /** Requests being handled right now, waiting or holding a slot. */
  inFlight: number;
  /** Longest wait queue for the database pool seen so far. */
  maxQueue: number;
  /** Requests that gave up waiting for the pool (answered 503). */
  timeouts: number;
  /** Checkouts by how they named their cart: a cartId the shop issued, an unknown one, or none. */
  checkouts: { knownCart: number; unknownCart: number; noCart: number };
}

export interface ShopServer {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  port: number;
  /** Ends keep-alive connections, fails pending requests, clears every timer. */
  close(): Promise<void>;
  stats(): ShopServerStats;
}

export const SHOP_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  poolSize: 2,
  queueTimeoutMs: 1000,
  latencyScale: 1,
  seed: 1,
} as const;

/**
 * Service time of each query an endpoint runs, in ms, before jitter (×0.8-1.2) and latencyScale.
 * Weighted by the sample log's mix (detail 38%, list 28%, home 12%, cart add 8%, login 6%, cart
 * 5%, orders 3%, checkout 1%) a request holds a connection ≈110 ms: 2 slots ≈ 18 req/s.
 */
export const QUERY_PLAN_MS = {
  home: [25],
  robots: [],
  productList: [200],
  productDetail: [70],
  login: [110],
  cartAddItem: [60, 60],
  cartView: [50],
  checkout: [120, 120, 120],
  orderList: [90],
  orderDetail: [60],
} as const satisfies Record<string, readonly number[]>;

type QueryPlan = keyof typeof QUERY_PLAN_MS;

const MAX_BODY_BYTES = 64 * 1024;
const MAX_ENTRIES = 100_000;
const MAX_ORDERS_PER_OWNER = 50;
const MAX_CART_LINES = 100;
/** Orders below this id are the shop's "history" and exist without being placed in this run. */
const FIRST_NEW_ORDER_ID = 200_000;

interface Cart {
  id: string;
  /** productId → quantity */
  lines: Map<number, number>;
}

interface Order {
  orderId: number;
  status: string;
  createdAt: string;
  items: Array<{ productId: number; name: string; qty: number; priceCents: number }>;
  totalCents: number;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Who a request is: its cart and the key its orders are filed under. */
interface Caller {
  token: string | undefined;
  cookieCartId: string | undefined;
}

function checkOptions(opts: ShopServerOptions): string[] {
  const problems: string[] = [];
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) problems.push(`port must be an integer 0-65535, got ${opts.port}`);
  if (opts.poolSize !== undefined && (!Number.isInteger(opts.poolSize) || opts.poolSize < 1)) problems.push(`poolSize must be a positive integer, got ${opts.poolSize}`);
  if (opts.queueTimeoutMs !== undefined && (!Number.isFinite(opts.queueTimeoutMs) || opts.queueTimeoutMs < 0)) problems.push(`queueTimeoutMs must be a non-negative number, got ${opts.queueTimeoutMs}`);
  if (opts.latencyScale !== undefined && (!Number.isFinite(opts.latencyScale) || opts.latencyScale < 0)) problems.push(`latencyScale must be a non-negative number, got ${opts.latencyScale}`);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) problems.push(`seed must be an integer, got ${opts.seed}`);
  return problems;
}

export async function startShopServer(opts: ShopServerOptions = {}): Promise<ShopServer> {
  const problems = checkOptions(opts);
  if (problems.length > 0) {
    throw new ConfigError(`invalid demo shop options: ${problems.join('; ')}`, problems, { hint: 'see ShopServerOptions in src/demo/shop-server.ts' });
  }
  const host = opts.host ?? SHOP_SERVER_DEFAULTS.host;
  const latencyScale = opts.latencyScale ?? SHOP_SERVER_DEFAULTS.latencyScale;
  const pool = new DbPool(opts.poolSize ?? SHOP_SERVER_DEFAULTS.poolSize, opts.queueTimeoutMs ?? SHOP_SERVER_DEFAULTS.queueTimeoutMs);
  const shop = new Shop(pool, createRng(opts.seed ?? SHOP_SERVER_DEFAULTS.seed), latencyScale);
  const serverStartedMs = performance.now();
  const faultRng = createRng((opts.seed ?? SHOP_SERVER_DEFAULTS.seed) + 7);
  let checkoutsSeen = 0;
  const onRequest = opts.onRequest;

  let requests = 0;
  let inFlight = 0;
  const byStatus: Record<string, number> = {};
  // close() resolves once every request has been accounted for (its 'close' event comes a tick
  // after its socket is destroyed).
  let onDrained: (() => void) | undefined;

  const server: Server = createServer((req, res) => {
    const startedAtMs = Date.now();
    const startedMs = performance.now();
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onDrained?.();
      requests++;
      // 0 when no response went out (the connection closed first, or close() cut it off).
      const status = res.writableFinished ? res.statusCode : 0;
      byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
      if (onRequest) {
        try {
          onRequest({ method: req.method ?? '', path: req.url ?? '', status, durationMs: performance.now() - startedMs, startedAtMs });
        } catch {
          // An observer's bug must not take the target down mid-run.
        }
      }
    });
    const faults = opts.faults;
    if (faults) {
      const sinceStartMs = performance.now() - serverStartedMs;
      const burst = faults.errorBurst;
      const inBurst = burst !== undefined && sinceStartMs >= burst.fromMs && sinceStartMs < burst.toMs && faultRng.next() < burst.rate;
      const isCheckout = req.method === 'POST' && (req.url ?? '').startsWith('/api/checkout');
      const failCheckout = isCheckout && faults.failCheckoutEvery !== undefined && ++checkoutsSeen % faults.failCheckoutEvery === 0;
      if (inBurst || failCheckout) {
        req.resume();
        send(res, { status: 503, body: { error: inBurst ? 'injected error burst' : 'injected checkout failure' } });
        return;
      }
    }
    shop.handle(req).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        if (err instanceof PoolClosedError) {
          res.destroy();
          return;
        }
        send(res, { status: 500, body: { error: 'internal error' } });
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? SHOP_SERVER_DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    stats: () => {
      const poolStats = pool.stats();
      return { requests, byStatus: { ...byStatus }, inFlight, maxQueue: poolStats.maxQueue, timeouts: poolStats.timeouts, checkouts: { ...shop.checkouts } };
    },
    close: () => {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => {
          onDrained = resolve;
        });
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        pool.close();
        server.closeAllConnections();
        await serverClosed;
        if (inFlight > 0) await drained;
      })();
      return closing;
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const isText = typeof reply.body === 'string';
  const payload = isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': isText ? (reply.headers?.['content-type'] ?? 'text/plain; charset=utf-8') : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

/** Reads a request body up to MAX_BODY_BYTES; HttpError 413 beyond. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    return Promise.reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        // Let the rest drain unread: the reply closes the connection anyway.
        req.resume();
        reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'the JSON body must be an object');
  return value as Record<string, unknown>;
}

/** A positive integer from a JSON number or a numeric string; undefined otherwise. */
function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined;
}

function pathId(segment: string | undefined): number | undefined {
  return segment !== undefined && /^[1-9]\d{0,8}$/.test(segment) ? Number(segment) : undefined;
}

class Shop {
  readonly checkouts = { knownCart: 0, unknownCart: 0, noCart: 0 };
  private readonly carts = new BoundedMap<string, Cart>(MAX_ENTRIES);
  /** bearer token → cart id */
  private readonly tokenCarts = new BoundedMap<string, string>(MAX_ENTRIES);
  /** bearer token → username, for the tokens this shop issued */
  private readonly tokens = new BoundedMap<string, string>(MAX_ENTRIES);
  private readonly orders = new BoundedMap<number, Order>(MAX_ENTRIES);
  /** owner key → order ids, newest last */
  private readonly ownerOrders = new BoundedMap<string, number[]>(MAX_ENTRIES);
  private nextCartNumber = 1;
  private nextOrderId = FIRST_NEW_ORDER_ID;

  constructor(
    private readonly pool: DbPool,
    private readonly rng: Rng,
    private readonly latencyScale: number,
  ) {}

  async handle(req: IncomingMessage): Promise<Reply> {
    try {
      return await this.route(req);
    } catch (err) {
      if (err instanceof HttpError) {
        const reply: Reply = { status: err.status, body: { error: err.message } };
        if (err.status === 413) reply.headers = { connection: 'close' };
        return reply;
      }
      if (err instanceof PoolTimeoutError) return { status: 503, body: { error: 'database pool exhausted' }, headers: { 'retry-after': '1' } };
      throw err;
    }
  }

  private async route(req: IncomingMessage): Promise<Reply> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathname = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    const parts = pathname.split('/').filter((p) => p.length > 0);
    const caller: Caller = { token: bearerToken(req), cookieCartId: cookieValue(req, 'cart') };

    const allow = (methods: string, run: () => Promise<Reply>): Promise<Reply> => {
      if (methods.split(',').includes(method)) return run();
      return Promise.resolve({ status: 405, body: { error: `${method} is not allowed here` }, headers: { allow: methods } });
    };
    const json = async (): Promise<Record<string, unknown>> => parseJsonObject(await readBody(req));

    if (parts.length === 0) return allow('GET', () => this.home());
    if (parts.length === 1 && parts[0] === 'robots.txt') return allow('GET', () => this.robots());
    if (parts[0] === 'api') {
      const [, resource, id, extra] = parts;
      if (resource === 'login' && id === undefined) return allow('POST', async () => this.login(await json(), caller));
      if (resource === 'products' && id === undefined) return allow('GET', () => this.productList(query));
      if (resource === 'products' && extra === undefined) return allow('GET', () => this.productDetail(id));
      if (resource === 'cart' && id === undefined) return allow('GET', () => this.cartView(caller));
      if (resource === 'cart' && id === 'items' && extra === undefined) return allow('POST', async () => this.cartAddItem(await json(), caller));
      if (resource === 'checkout' && id === undefined) return allow('POST', async () => this.checkout(await json(), caller));
      if (resource === 'orders' && id === undefined) return allow('GET', () => this.orderList(caller));
      if (resource === 'orders' && extra === undefined) return allow('GET', () => this.orderDetail(id));
    }
    return { status: 404, body: { error: `no route for ${method} ${pathname}` } };
  }

  /** Runs an endpoint's queries on one pooled connection. */
  private query(plan: QueryPlan): Promise<void> {
    const times = QUERY_PLAN_MS[plan] as readonly number[];
    if (times.length === 0) return Promise.resolve();
    let totalMs = 0;
    for (const ms of times) totalMs += ms * (0.8 + 0.4 * this.rng.next());
    return this.pool.run(totalMs * this.latencyScale);
  }

  private async home(): Promise<Reply> {
    await this.query('home');
    return { status: 200, body: homePage(), headers: { 'content-type': 'text/html; charset=utf-8' } };
  }

  private async robots(): Promise<Reply> {
    return { status: 200, body: ROBOTS_TXT };
  }

  private async login(body: Record<string, unknown>, caller: Caller): Promise<Reply> {
    const { username, password } = body;
    if (typeof username !== 'string' || username.length === 0 || typeof password !== 'string' || password.length === 0) {
      throw new HttpError(400, 'username and password are required');
    }
    await this.query('login');
    const token = randomUUID();
    this.tokens.set(token, username);
    // Logging in keeps the anonymous cart the visitor had filled.
    if (caller.cookieCartId !== undefined && this.carts.has(caller.cookieCartId)) this.tokenCarts.set(token, caller.cookieCartId);
    return { status: 200, body: { token, username } };
  }

  private async productList(query: URLSearchParams): Promise<Reply> {
    const category = query.get('category') ?? undefined;
    const pageText = query.get('page');
    const page = pageText === null ? 1 : pathId(pageText);
    if (page === undefined || page > 10_000) throw new HttpError(400, 'page must be a positive integer');
    await this.query('productList');
    const { total, items } = listProducts(category, page);
    return { status: 200, body: { category: category ?? null, page, pageSize: items.length, total, items, categories: CATEGORIES } };
  }

  private async productDetail(idText: string | undefined): Promise<Reply> {
    const id = pathId(idText);
    // The lookup runs even for unknown ids: the database is what says "no such product".
    await this.query('productDetail');
    if (id === undefined || !isProductId(id)) throw new HttpError(404, `no product ${idText ?? ''}`);
    return { status: 200, body: product(id) };
  }

  private async cartView(caller: Caller): Promise<Reply> {
    const { cart, headers } = this.cartFor(caller);
    await this.query('cartView');
    return { status: 200, body: cartBody(cart), headers };
  }

  private async cartAddItem(body: Record<string, unknown>, caller: Caller): Promise<Reply> {
    const productId = positiveInt(body.productId);
    if (productId === undefined) throw new HttpError(400, 'productId (a positive integer) is required');
    const qty = body.qty === undefined ? 1 : positiveInt(body.qty);
    if (qty === undefined || qty > 99) throw new HttpError(400, 'qty must be an integer from 1 to 99');
    const { cart, headers } = this.cartFor(caller);
    await this.query('cartAddItem');
    if (!isProductId(productId)) throw new HttpError(404, `no product ${productId}`);
    if (cart.lines.has(productId) || cart.lines.size < MAX_CART_LINES) {
      cart.lines.set(productId, Math.min(99, (cart.lines.get(productId) ?? 0) + qty));
    }
    return { status: 200, body: cartBody(cart), headers };
  }

  private async checkout(body: Record<string, unknown>, caller: Caller): Promise<Reply> {
    // A cartId the shop knows wins; otherwise the caller's own cart (replays carry no ids).
    const named = typeof body.cartId === 'string' ? this.carts.get(body.cartId) : undefined;
    if (named) this.checkouts.knownCart++;
    else if (typeof body.cartId === 'string' && body.cartId !== '') this.checkouts.unknownCart++;
    else this.checkouts.noCart++;
    const { cart, headers } = named ? { cart: named, headers: undefined } : this.cartFor(caller);
    await this.query('checkout');
    const items = [...cart.lines].map(([productId, qty]) => {
      const p = productSummary(productId);
      return { productId, name: p.name, qty, priceCents: p.priceCents };
    });
    const order: Order = {
      orderId: this.nextOrderId++,
      status: 'placed',
      createdAt: new Date().toISOString(),
      items,
      totalCents: items.reduce((sum, item) => sum + item.qty * item.priceCents, 0),
    };
    this.orders.set(order.orderId, order);
    const owner = this.ownerKey(caller) ?? `cart:${cart.id}`;
    const list = this.ownerOrders.get(owner) ?? [];
    list.push(order.orderId);
    if (list.length > MAX_ORDERS_PER_OWNER) list.shift();
    this.ownerOrders.set(owner, list);
    cart.lines.clear();
    const reply: Reply = { status: 201, body: { orderId: order.orderId, cartId: cart.id, totalCents: order.totalCents } };
    if (headers) reply.headers = headers;
    return reply;
  }

  private async orderList(caller: Caller): Promise<Reply> {
    await this.query('orderList');
    const owner = this.ownerKey(caller) ?? (caller.cookieCartId !== undefined ? `cart:${caller.cookieCartId}` : undefined);
    const ids = owner !== undefined ? (this.ownerOrders.get(owner) ?? []) : [];
    const orders = ids
      .map((id) => this.orders.get(id))
      .filter((o): o is Order => o !== undefined)
      .reverse()
      .map((o) => ({ orderId: o.orderId, status: o.status, createdAt: o.createdAt, totalCents: o.totalCents, itemCount: o.items.length }));
    return { status: 200, body: { orders } };
  }

  private async orderDetail(idText: string | undefined): Promise<Reply> {
    const id = pathId(idText);
    await this.query('orderDetail');
    const order = id === undefined ? undefined : (this.orders.get(id) ?? historicalOrder(id));
    if (!order) throw new HttpError(404, `no order ${idText ?? ''}`);
    return { status: 200, body: order };
  }

  /** The orders of a logged-in caller are filed under their username (or the bare token). */
  private ownerKey(caller: Caller): string | undefined {
    if (caller.token === undefined) return undefined;
    return `user:${this.tokens.get(caller.token) ?? caller.token}`;
  }

  /** The caller's cart: by bearer token, else by `cart` cookie, else a new one (with a cookie). */
  private cartFor(caller: Caller): { cart: Cart; headers: Record<string, string> | undefined } {
    if (caller.token !== undefined) {
      const cartId = this.tokenCarts.get(caller.token);
      const cart = cartId !== undefined ? this.carts.get(cartId) : undefined;
      if (cart) return { cart, headers: undefined };
      const fresh = this.newCart();
      this.tokenCarts.set(caller.token, fresh.id);
      return { cart: fresh, headers: undefined };
    }
    if (caller.cookieCartId !== undefined) {
      const cart = this.carts.get(caller.cookieCartId);
      if (cart) return { cart, headers: undefined };
    }
    const fresh = this.newCart();
    return { cart: fresh, headers: { 'set-cookie': `cart=${fresh.id}; Path=/; HttpOnly; SameSite=Lax` } };
  }

  private newCart(): Cart {
    const cart: Cart = { id: `cart-${(this.nextCartNumber++).toString(36)}`, lines: new Map() };
    this.carts.set(cart.id, cart);
    return cart;
  }
}

function cartBody(cart: Cart): { cartId: string; items: Array<{ productId: number; name: string; qty: number; priceCents: number }>; totalCents: number } {
  const items = [...cart.lines].map(([productId, qty]) => {
    const p = productSummary(productId);
    return { productId, name: p.name, qty, priceCents: p.priceCents };
  });
  return { cartId: cart.id, items, totalCents: items.reduce((sum, i) => sum + i.qty * i.priceCents, 0) };
}

/** Orders placed before this run: ids 1..FIRST_NEW_ORDER_ID-1, computed from the id. */
function historicalOrder(id: number): Order | undefined {
  if (id >= FIRST_NEW_ORDER_ID) return undefined;
  const h = hashSeed(`order:${id}`);
  const items = Array.from({ length: 1 + (h % 3) }, (_, i) => {
    const productId = 1 + ((h >>> (4 + i * 7)) % 5000);
    const p = productSummary(productId);
    return { productId, name: p.name, qty: 1 + ((h >>> (i * 3)) % 2), priceCents: p.priceCents };
  });
  return {
    orderId: id,
    status: 'delivered',
    createdAt: new Date(Date.UTC(2026, 0, 1) + (h % 300) * 86_400_000).toISOString(),
    items,
    totalCents: items.reduce((sum, i) => sum + i.qty * i.priceCents, 0),
  };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
