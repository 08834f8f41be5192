import type { LogRecord } from '../core/types.js';
import { jsonItems } from './json-stream.js';
import { compilePath, numberOf, splitTarget, textOf, valueAt, type JsonPath } from './json-values.js';
import type { StreamFormat, StreamItem } from './stream-types.js';
import type { FormatOptions } from './types.js';

/*
 * Google Analytics 4 BigQuery export rows (the `events_YYYYMMDD` tables), as NDJSON (what
 * `bq extract` and the console's JSON export write) or a JSON array. Each `page_view` event
 * becomes one request:
 *
 *   time       event_timestamp: µs since the epoch, a string (INT64 in JSON) or a number
 *   method     GET
 *   path/query/host   the `page_location` event parameter (a full URL); host falls back to
 *                     device.web_info.hostname
 *   referrer   the `page_referrer` parameter
 *   client     user_pseudo_id + ':' + the `ga_session_id` parameter, so that sessions keyed on
 *              client + user agent follow GA's own sessions (user_pseudo_id alone without one)
 *   userAgent  device.category ("desktop", "mobile", ...): GA keeps no user agent
 *   status 0, bytes and durationMs null: GA does not see the server
 *   source     "file:N" (NDJSON line) or "file:entry N" (array element)
 *   sessionKey with --session-key field:NAME, the row's NAME (a dotted path, e.g. user_id), else
 *              the event parameter NAME; GA's own sessions (the client above) stay the default
 *
 * Other events (session_start, scroll, user_engagement, ...) are not requests: null, neither
 * accepted nor rejected. A page_view without a timestamp or a page_location is rejected.
 */

interface EventParam {
  key?: unknown;
  value?: { string_value?: unknown; int_value?: unknown; float_value?: unknown; double_value?: unknown } | null;
}

/** An event parameter's value, whichever of the typed fields holds it, as text. */
function param(params: unknown, key: string): string {
  if (!Array.isArray(params)) return '';
  for (const p of params as EventParam[]) {
    if (p === null || typeof p !== 'object' || p.key !== key) continue;
    const v = p.value;
    if (v === null || v === undefined) return '';
    for (const field of [v.string_value, v.int_value, v.double_value, v.float_value]) {
      const text = textOf(field);
      if (text !== '') return text;
    }
    return '';
  }
  return '';
}

export function ga4RowToRecord(row: unknown, source: string, keyPath?: JsonPath): StreamItem {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return { reject: 'not a JSON object', source };
  const r = row as Record<string, unknown>;
  if (r.event_name !== 'page_view') return null;
  const micros = numberOf(r.event_timestamp);
  if (!Number.isFinite(micros) || micros <= 0) return { reject: 'bad timestamp', source };
  const location = param(r.event_params, 'page_location');
  if (location === '') return { reject: 'no page_location', source };
  const target = splitTarget(location);
  const device = (r.device ?? {}) as Record<string, unknown>;
  const webInfo = (device.web_info ?? {}) as Record<string, unknown>;
  const user = textOf(r.user_pseudo_id);
  const session = param(r.event_params, 'ga_session_id');
  const record: LogRecord = {
    timeMs: micros / 1000,
    method: 'GET',
    path: target.path === '' ? '/' : target.path,
    query: target.query,
    status: 0,
    bytes: null,
    durationMs: null,
    client: session === '' ? user : `${user}:${session}`,
    userAgent: textOf(device.category),
    referrer: param(r.event_params, 'page_referrer'),
    host: target.host !== '' ? target.host : textOf(webInfo.hostname),
    source,
  };
  if (keyPath !== undefined) {
    const value = textOf(valueAt(r, keyPath));
    record.sessionKey = value !== '' ? value : param(r.event_params, keyPath.text);
  }
  return record;
}

export function detectGa4(head: string): number {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  if (!/^\s*[[{]/.test(text)) return 0;
  if (!text.includes('"event_timestamp"') || !text.includes('"event_name"')) return 0;
  return text.includes('"user_pseudo_id"') || text.includes('"event_params"') ? 1 : 0.8;
}

export const ga4BigQueryFormat: StreamFormat = {
  name: 'ga4-bigquery',
  description: 'Google Analytics 4 BigQuery export rows (NDJSON or a JSON array); page_view events become requests',
  detect: detectGa4,
  validate: () => {
    // No options: GA4 timestamps are UTC epoch microseconds.
  },
  sessionKeys: ['field'],
  async *parse(bytes: AsyncIterable<Buffer>, sourceName: string, options: FormatOptions): AsyncIterable<StreamItem> {
    const keyPath = options.sessionKey ? compilePath(options.sessionKey.name) : undefined;
    for await (const item of jsonItems(bytes, sourceName, { expected: 'GA4 BigQuery export rows (NDJSON or a JSON array)' })) {
      yield 'reject' in item ? item : ga4RowToRecord(item.value, item.source, keyPath);
    }
  },
};
