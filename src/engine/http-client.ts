import { Pool, type Dispatcher } from 'undici';
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

/**
 * The one place that speaks HTTP (STYLE.md: only src/engine imports undici). A pool per
 * origin, keep-alive, bodies consumed and counted, failures returned as data. Requests go
 * through `dispatch` with a handler: no stream objects per request, and the handler learns
 * the moment the request is written (onRequestStart), which `request()` hides.
 */
export class HttpClient {
  private readonly pool: Pool;
  readonly origin: string;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private cutting = false;
  private readonly active = new Set<{ abort(reason: Error): void }>();

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
    this.pool = new Pool(this.origin, {
      connections: options.connections,
      pipelining: options.pipelining,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
      connect: { rejectUnauthorized: !options.insecure },
    });
  }

  send(request: HttpRequest, wantBody = false): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve) => {
      let status = 0;
      let bytes = 0;
      let sentAtMs = Number.NaN;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] | null = wantBody ? [] : null;
      let controller: { abort(reason: Error): void } | null = null;
      let deadline: NodeJS.Timeout | undefined;
      let timedOut = false;
      const done = (response: HttpResponse): void => {
        if (deadline) clearTimeout(deadline);
        if (controller) this.active.delete(controller);
        resolve(response);
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (c) => {
          sentAtMs = this.now();
          controller = c;
          if (this.cutting) {
            c.abort(new Error('cut off at the end of the run'));
            return;
          }
          this.active.add(c);
          // undici's body timeout is idle time between chunks: a body dribbled a byte at a time
          // never trips it. The whole response gets this long from the moment it was sent.
          deadline = setTimeout(() => {
            timedOut = true;
            c.abort(new Error(`no complete response within ${this.timeoutMs} ms`));
          }, this.timeoutMs);
        },
        onResponseStart: (_c, statusCode, responseHeaders) => {
          status = statusCode;
          headers = responseHeaders as Record<string, string | string[] | undefined>;
        },
        onResponseData: (_c, chunk) => {
          bytes += chunk.length;
          chunks?.push(chunk);
        },
        onResponseEnd: () => {
          const response: HttpResponse = { status, failure: null, bytes, headers, sentAtMs };
          if (chunks) response.text = Buffer.concat(chunks).toString('utf8');
          done(response);
        },
        onResponseError: (_c, err) => {
          done({ status: 0, failure: timedOut ? 'timeout' : this.cutting ? 'cut_off' : classifyFailure(err), bytes, headers: {}, sentAtMs });
        },
      };
      try {
        this.pool.dispatch(
          { method: request.method as Dispatcher.HttpMethod, path: request.path, headers: request.headers ?? null, body: request.body ?? null },
          handler,
        );
      } catch (err) {
        done({ status: 0, failure: this.cutting ? 'cut_off' : classifyFailure(err), bytes: 0, headers: {}, sentAtMs });
      }
    });
  }

  /** Ends every request still in flight or queued; they resolve as `cut_off`. */
  async cutOff(): Promise<void> {
    this.cutting = true;
    const reason = new Error('cut off at the end of the run');
    for (const c of this.active) c.abort(reason);
    this.active.clear();
    await this.pool.destroy(reason).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (!this.pool.destroyed) await this.pool.destroy().catch(() => undefined);
  }
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
