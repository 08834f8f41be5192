import type { LogRecord } from '../core/types.js';
import { jsonItems } from './json-stream.js';
import { numberOf, splitTarget, textOf } from './json-values.js';
import { parseIsoTime, zoneResolver, type ZoneResolver } from './time.js';
import { cookieValue, unsupportedSessionKey, type SessionKey } from './session-key.js';
import type { FormatOptions } from './types.js';
import type { StreamFormat, StreamItem } from './stream-types.js';

/*
 * HAR 1.2 (HTTP Archive: browser dev tools, Charles, mitmproxy, Insomnia): one JSON document,
 * `{"log": {"entries": [...]}}`. The entries are streamed with stream-json (pick `log.entries`,
 * then streamArray), so memory holds one entry at a time however large the file.
 *
 * Per entry:
 *   time        startedDateTime: the request start, as the model wants it
 *   method      request.method
 *   path/query  request.url (fragment dropped); host from the URL (recorded only, never contacted)
 *   status      response.status; 0 (no response: blocked, cancelled, failed) → rejected "no response"
 *   bytes       response.bodySize when known (≥ 0: bytes on the wire, like an access log's
 *               body bytes, 0 for a 304), else response.content.size (decoded size), else null
 *   durationMs  time (the entry's total, ms)
 *   client      "har:<file>": a HAR is one browser's capture, so one client; the model never keeps
 *               it raw. Sessions then split on the inactivity timeout, as for any client.
 *   userAgent, referrer   request headers User-Agent and Referer
 *   contentType response.content.mimeType when given (for spotting static assets)
 *   source      "<file>:entry N", N counted from 1
 *   sessionKey  with --session-key header:NAME, that request header; cookie:NAME, that entry of
 *               request.cookies, else of the Cookie header (field: has no meaning in a HAR)
 * URLs that are not HTTP (data:, blob:, chrome-extension:) are rejected "not an HTTP URL".
 */

const HTTP_SCHEME = /^(https?|wss?):\/\//i;

export function harEntryToRecord(entry: unknown, source: string, client: string, zone: ZoneResolver, sessionKey?: SessionKey): StreamItem {
  if (entry === null || typeof entry !== 'object') return { reject: 'not an entry object', source };
  const e = entry as Record<string, unknown>;
  const request = (e.request ?? {}) as Record<string, unknown>;
  const response = (e.response ?? null) as Record<string, unknown> | null;
  const started = textOf(e.startedDateTime);
  const timeMs = parseIsoTime(started, 0, started.length, zone);
  if (!Number.isFinite(timeMs)) return { reject: 'bad timestamp', source };
  const url = textOf(request.url);
  if (!HTTP_SCHEME.test(url)) return { reject: url === '' ? 'no URL' : 'not an HTTP URL', source };
  const status = response === null ? 0 : numberOf(response.status);
  if (!Number.isInteger(status) || status < 0 || status > 999) return { reject: 'bad status', source };
  if (status === 0) return { reject: 'no response', source };
  const target = splitTarget(url);
  const headers = Array.isArray(request.headers) ? (request.headers as unknown[]) : [];
  const duration = numberOf(e.time);
  const record: LogRecord = {
    timeMs,
    method: textOf(request.method).toUpperCase(),
    path: target.path,
    query: target.query,
    status,
    bytes: responseBytes(response),
    durationMs: Number.isFinite(duration) && duration >= 0 ? duration : null,
    client,
    userAgent: header(headers, 'user-agent'),
    referrer: header(headers, 'referer'),
    host: target.host,
    source,
  };
  const content = response?.content;
  const mimeType = content !== null && typeof content === 'object' ? textOf((content as Record<string, unknown>).mimeType) : '';
  if (mimeType !== '') record.contentType = mimeType;
  if (sessionKey) record.sessionKey = keyOf(request, headers, sessionKey);
  return record;
}

function keyOf(request: Record<string, unknown>, headers: unknown[], key: SessionKey): string {
  if (key.kind === 'header') return header(headers, key.name.toLowerCase());
  if (Array.isArray(request.cookies)) {
    for (const c of request.cookies as unknown[]) {
      if (c !== null && typeof c === 'object' && (c as { name?: unknown }).name === key.name) return textOf((c as { value?: unknown }).value);
    }
  }
  // Some captures have no cookies array but keep the header (one per cookie in HTTP/2).
  for (const h of headers) {
    if (h === null || typeof h !== 'object') continue;
    const { name, value } = h as { name?: unknown; value?: unknown };
    if (typeof name === 'string' && name.toLowerCase() === 'cookie') {
      const found = cookieValue(textOf(value), key.name);
      if (found !== '') return found;
    }
  }
  return '';
}

function responseBytes(response: Record<string, unknown> | null): number | null {
  if (response === null) return null;
  const body = numberOf(response.bodySize);
  if (Number.isFinite(body) && body >= 0) return body;
  const content = response.content as Record<string, unknown> | undefined;
  const size = content ? numberOf(content.size) : NaN;
  return Number.isFinite(size) && size >= 0 ? size : null;
}

/** A request header by lower-case name (HTTP/2 captures use lower case, HTTP/1 ones do not). */
function header(headers: unknown[], lowerName: string): string {
  for (const h of headers) {
    if (h === null || typeof h !== 'object') continue;
    const { name, value } = h as { name?: unknown; value?: unknown };
    if (typeof name === 'string' && name.toLowerCase() === lowerName) return textOf(value);
  }
  return '';
}

/** How much the start of an input looks like a HAR file. */
export function detectHar(head: string): number {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  if (!/^\s*\{\s*"log"\s*:\s*\{/.test(text)) return 0;
  // "log" first is already HAR-shaped; its usual companions make it certain.
  return /"(entries|creator)"\s*:/.test(text) ? 1 : 0.6;
}

export const harFormat: StreamFormat = {
  name: 'har',
  description: 'HAR 1.2 (HTTP Archive from browser dev tools, proxies and API clients), streamed',
  detect: detectHar,
  validate: (options) => {
    zoneResolver(options.timeZone);
    if (options.sessionKey?.kind === 'field') {
      throw unsupportedSessionKey(options.sessionKey, 'har', 'has no fields beyond the request and response', 'use --session-key header:NAME or cookie:NAME (a HAR keeps request headers and cookies), or ip+ua');
    }
  },
  sessionKeys: ['cookie', 'header'],
  async *parse(bytes: AsyncIterable<Buffer>, sourceName: string, options: FormatOptions): AsyncIterable<StreamItem> {
    const zone = zoneResolver(options.timeZone);
    const client = `har:${sourceName}`;
    for await (const item of jsonItems(bytes, sourceName, { arrayPath: 'log.entries', expected: 'a HAR file ({"log": {"entries": [...]}})' })) {
      if ('reject' in item) yield item;
      else yield harEntryToRecord(item.value, item.source, client, zone, options.sessionKey);
    }
  },
};
