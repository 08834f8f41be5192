import { Pool } from 'undici';
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
}

/**
 * The one place that speaks HTTP (STYLE.md: only src/engine imports undici). A pool per
 * origin, keep-alive, bodies consumed and counted, failures returned as data.
 */
export class HttpClient {
  private readonly pool: Pool;
  readonly origin: string;

  constructor(options: HttpClientOptions) {
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

  async send(request: HttpRequest, signal: AbortSignal, wantBody = false): Promise<HttpResponse> {
    try {
      const response = await this.pool.request({
        method: request.method as 'GET',
        path: request.path,
        headers: request.headers,
        body: request.body,
        signal,
      });
      let bytes = 0;
      let text: string | undefined;
      if (wantBody) {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) {
          bytes += (chunk as Buffer).length;
          chunks.push(chunk as Buffer);
        }
        text = Buffer.concat(chunks).toString('utf8');
      } else {
        for await (const chunk of response.body) bytes += (chunk as Buffer).length;
      }
      return { status: response.statusCode, failure: null, bytes, headers: response.headers, text };
    } catch (err) {
      return { status: 0, failure: classifyFailure(err, signal), bytes: 0, headers: {} };
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
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
