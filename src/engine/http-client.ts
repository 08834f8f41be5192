import type { Socket } from 'node:net';
import { buildConnector, Pool, type Dispatcher } from 'undici';
import type { FailureKind } from '../metrics/outcome.js';
import { TidemarkError } from '../core/errors.js';

export interface HttpClientOptions {
  /** Origin every request goes to (the only host tidemark contacts). */
  target: string;
  /** Maximum sockets to the origin; null = as many as requests in flight (the open model's need). */
  connections: number | null;
  pipelining: number;
  connectTimeoutMs: number;
  /** Headers and body each must arrive within this. */
  timeoutMs: number;
  insecure: boolean;
}

export interface HttpRequest {
  method: string;
  /** Path and query; never an absolute URL (a log's hosts are never contacted). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  failure: FailureKind | null;
  bytes: number;
  /** Response headers (lower-case names); empty on failure. */
  headers: Record<string, string | string[] | undefined>;
  /** Body text, only when asked for (captures need it). */
  text?: string;
  /**
   * When the request was actually written to a socket (monotonic ms), or NaN when it never
   * was. With a capped pool a request can wait for a connection: that wait is the difference
   * between latency from the intended time and latency from the actual send.
   */
  sentAtMs: number;
}

/** Called once per request with the caller's own `tag` and how the request ended. */
export type ExchangeDone<T> = (tag: T, response: HttpResponse) => void;

const NO_HEADERS: Record<string, string | string[] | undefined> = Object.freeze({}) as Record<string, never>;

/**
 * One request in flight, and its handler: undici's own callback contract (onConnect, onHeaders,
 * onData, onComplete, onError), the one its Request calls, so that no adapter, controller or
 * parsed header object is built per request. Response headers stay raw until someone reads them
 * (only captures do). It is also the response handed back, and a link of the client's list of
 * requests in flight, ordered by send time, which one periodic sweep walks for deadlines.
 */
class Exchange<T> implements HttpResponse {
  status = 0;
  failure: FailureKind | null = null;
  bytes = 0;
  sentAtMs = Number.NaN;
  text?: string;
  private rawHeaders: Buffer[] | null = null;
  private parsedHeaders: Record<string, string | string[] | undefined> | null = null;
  private chunks: Buffer[] | null;
  /** undici's abort for this request, once it is on a socket. */
  abortRequest: ((reason: Error) => void) | null = null;
  timedOut = false;
  finished = false;
  /** The in-flight list (by send time). */
  prev: Exchange<unknown> | null = null;
  next: Exchange<unknown> | null = null;
  listed = false;

  constructor(
    private readonly client: HttpClient,
    wantBody: boolean,
    private readonly tag: T,
    private readonly done: ExchangeDone<T>,
  ) {
    this.chunks = wantBody ? [] : null;
  }

  get headers(): Record<string, string | string[] | undefined> {
    if (this.parsedHeaders === null) this.parsedHeaders = this.rawHeaders === null ? NO_HEADERS : parseRawHeaders(this.rawHeaders);
    return this.parsedHeaders;
  }

  onConnect(abort: (reason: Error) => void): void {
    this.sentAtMs = this.client.now();
    this.abortRequest = abort;
    this.client.started(this as Exchange<unknown>);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    this.chunks?.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.chunks) this.text = Buffer.concat(this.chunks).toString('utf8');
    this.finish();
  }

  onError(err: Error): void {
    if (this.finished) {
      // The completion callback itself threw (undici turns that into onError): a bug, not a
      // request failure. Let it surface as an uncaught exception, as it would have anyway.
      queueMicrotask(() => {
        throw err;
      });
      return;
    }
    this.status = 0;
    this.rawHeaders = null;
    this.failure = this.timedOut ? 'timeout' : this.client.cutting ? 'cut_off' : classifyFailure(err);
    this.finish();
  }

  fail(failure: FailureKind): void {
    this.failure = failure;
    this.finish();
  }

  private finish(): void {
    this.finished = true;
    this.chunks = null;
    this.client.ended(this as Exchange<unknown>);
    this.done(this.tag, this);
  }
}

/** undici's raw header list (name, value, name, value... as Buffers) → lower-case names, repeated names as arrays. */
function parseRawHeaders(raw: Buffer[]): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('utf8');
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  return headers;
}

/**
 * The one place that speaks HTTP (STYLE.md: only src/engine imports undici). A pool per
 * origin, keep-alive, bodies consumed and counted, failures returned as data. Requests go
 * through `dispatch` with a handler: no stream objects per request, and the handler learns
 * the moment the request is written (onConnect), which `request()` hides. The whole-response
 * deadline is one sweep over the requests in flight, not a timer per request.
 */
export class HttpClient {
  private readonly pool: Pool;
  readonly origin: string;
  readonly now: () => number;
  private readonly timeoutMs: number;
  cutting = false;
  /** Requests on a socket, oldest first (send times only grow, so deadlines are in order too). */
  private head: Exchange<unknown> | null = null;
  private tail: Exchange<unknown> | null = null;
  private inFlightCount = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly sweepEveryMs: number;
  private readonly url: URL;
  private readonly connector: buildConnector.connector;
  /** Sockets opened ahead (`preconnect`), handed to the pool before it opens any of its own. */
  private spare: Socket[] = [];

  constructor(options: HttpClientOptions, now: () => number = () => performance.now()) {
    let url: URL;
    try {
      url = new URL(options.target);
    } catch (cause) {
      throw new TidemarkError('E_USAGE', `--target: "${options.target}" is not a URL`, { hint: 'use e.g. --target http://127.0.0.1:8080', cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TidemarkError('E_USAGE', `--target: ${url.protocol} is not supported`, { hint: 'use an http:// or https:// URL' });
    }
    this.origin = url.origin;
    this.now = now;
    this.timeoutMs = options.timeoutMs;
    // A deadline is kept to within a twentieth of itself (5 ms .. 100 ms).
    this.sweepEveryMs = Math.min(100, Math.max(5, Math.floor(options.timeoutMs / 20)));
    this.url = url;
    // What undici builds from { connect: { rejectUnauthorized }, connectTimeout }, kept so that
    // sockets opened ahead and the pool's own are made the same way.
    this.connector = buildConnector({ rejectUnauthorized: !options.insecure, timeout: options.connectTimeoutMs });
    this.pool = new Pool(this.origin, {
      connections: options.connections,
      pipelining: options.pipelining,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
      connect: (connectOptions, callback) => this.connect(connectOptions, callback),
    });
  }

  /**
   * Opens up to `count` sockets to the target now, before the run's clock starts, so that the
   * first requests do not wait for connections (and the handshakes are not charged to the target
   * as latency). Resolves with how many opened; a failure is left for the run's own connections
   * to meet and report, request by request.
   */
  async preconnect(count: number): Promise<number> {
    const { hostname, host, protocol, port } = this.url;
    const opened = await Promise.all(
      Array.from(
        { length: Math.max(0, Math.floor(count)) },
        () =>
          new Promise<Socket | null>((resolve) => {
            try {
              this.connector({ hostname, host, protocol, port }, (err, socket) => resolve(err ? null : socket));
            } catch {
              resolve(null);
            }
          }),
      ),
    );
    for (const socket of opened) {
      if (socket === null) continue;
      // Until handed over: an error or a close (the server gave up on an idle socket) drops it.
      socket.on('error', dropSpare).once('close', dropSpare);
      this.spare.push(socket);
    }
    return this.spare.length;
  }

  /** undici's connector: a spare socket while any is alive, then new ones. */
  private connect(options: buildConnector.Options, callback: buildConnector.Callback): void {
    while (this.spare.length > 0) {
      const socket = this.spare.pop() as Socket;
      socket.off('error', dropSpare).off('close', dropSpare);
      if (socket.destroyed || socket.readyState !== 'open') {
        socket.destroy();
        continue;
      }
      // Asynchronously, as a real connection would: undici is still inside its resume loop.
      queueMicrotask(() => callback(null, socket));
      return;
    }
    this.connector(options, callback);
  }

  private destroySpares(): void {
    for (const socket of this.spare) socket.off('close', dropSpare).destroy();
    this.spare = [];
  }

  /** Requests written to a socket and not yet ended. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /**
   * Sends `request`; `done(tag, response)` is called exactly once when it ends, however it
   * ends (synchronously when it cannot even be queued). The hot path: no promise, no closure.
   */
  dispatch<T>(request: HttpRequest, wantBody: boolean, tag: T, done: ExchangeDone<T>): void {
    const exchange = new Exchange(this, wantBody, tag, done);
    if (this.cutting) {
      exchange.fail('cut_off');
      return;
    }
    try {
      // The request itself is undici's options object (method, path, headers, body; absent = none).
      this.pool.dispatch(request as Dispatcher.DispatchOptions, exchange as unknown as Dispatcher.DispatchHandler);
    } catch (err) {
      if (!exchange.finished) exchange.fail(this.cutting ? 'cut_off' : classifyFailure(err));
    }
  }

  send(request: HttpRequest, wantBody = false): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve) => this.dispatch(request, wantBody, resolve, settle));
  }

  /** An exchange got its socket: it joins the in-flight list, and its deadline starts. */
  started(exchange: Exchange<unknown>): void {
    if (this.cutting) {
      exchange.abortRequest?.(new Error('cut off at the end of the run'));
      return;
    }
    exchange.prev = this.tail;
    exchange.next = null;
    if (this.tail) this.tail.next = exchange;
    else this.head = exchange;
    this.tail = exchange;
    exchange.listed = true;
    this.inFlightCount++;
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(), this.sweepEveryMs);
      this.sweeper.unref();
    }
  }

  ended(exchange: Exchange<unknown>): void {
    if (!exchange.listed) return;
    exchange.listed = false;
    if (exchange.prev) exchange.prev.next = exchange.next;
    else this.head = exchange.next;
    if (exchange.next) exchange.next.prev = exchange.prev;
    else this.tail = exchange.prev;
    exchange.prev = exchange.next = null;
    this.inFlightCount--;
  }

  /**
   * undici's body timeout is idle time between chunks: a body dribbled a byte at a time never
   * trips it. The whole response gets `timeoutMs` from the moment it was sent; the oldest
   * requests are at the head of the list, so a sweep stops at the first one still in time.
   */
  private sweep(): void {
    if (this.head === null) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const expiredBefore = this.now() - this.timeoutMs;
    // Bounded: each pass removes the head (abort ends it synchronously, or it is unlinked here).
    for (let e = this.head; e !== null && e.sentAtMs <= expiredBefore; e = this.head) {
      e.timedOut = true;
      this.ended(e);
      e.abortRequest?.(new Error(`no complete response within ${this.timeoutMs} ms`));
    }
  }

  /** Ends every request still in flight or queued; they end as `cut_off`. */
  async cutOff(): Promise<void> {
    this.cutting = true;
    this.destroySpares();
    const reason = new Error('cut off at the end of the run');
    for (let e = this.head; e !== null; e = this.head) {
      this.ended(e);
      e.abortRequest?.(reason);
    }
    await this.pool.destroy(reason).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.destroySpares();
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    if (!this.pool.destroyed) await this.pool.destroy().catch(() => undefined);
  }
}

/** A spare socket that errored or closed before use: out of the spares (and its error swallowed). */
function dropSpare(this: Socket): void {
  this.destroy();
}

function settle(resolve: (response: HttpResponse) => void, response: HttpResponse): void {
  resolve(response);
}

export function classifyFailure(err: unknown, signal?: AbortSignal): FailureKind {
  if (signal?.aborted) return 'cut_off';
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    default:
      if (/CERT|SSL|TLS/i.test(code)) return 'tls';
      if (e?.name === 'AbortError') return 'cut_off';
      return 'other';
  }
}
