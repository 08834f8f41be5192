import { UsageError } from '../core/errors.js';
import type { LogRecord } from '../core/types.js';
import { forwardedClientOf, stripPort } from './fields.js';
import { cookieValue } from './session-key.js';
import {
  clientAddressOf,
  compilePath,
  durationMsOf,
  isMissing,
  numberOf,
  splitTarget,
  textOf,
  timeOf,
  valueAt,
  type JsonPath,
} from './json-values.js';
import type { ZoneResolver } from './time.js';

/*
 * One mechanism turns a structured row (a JSON object, or a CSV row as an object keyed by
 * column name) into a LogRecord: for each of our fields, a list of places to look, the first
 * one present wins. The JSON-lines presets (Traefik, Caddy, Envoy, Cloudflare) are such lists;
 * `--map field=json.path` gives one place per field, and may override a preset's.
 *
 * Map keys (our fields):
 *   time          request start: ISO 8601, CLF, or epoch s/ms/µs/ns decided by magnitude
 *   endTime       when the line was written (end of request); start = endTime - duration
 *   method        HTTP method
 *   url           full URL or path?query (split into path, query and host)
 *   path          path, may carry ?query (split unless `query` is mapped); an absolute URL is split too
 *   query         query string (a leading ? is dropped)
 *   status        HTTP status
 *   bytes         response bytes
 *   durationMs, durationSec, durationUs, durationNs   duration in that unit (Go strings like 1.5ms too)
 *   client        client address (the port is dropped; lists give the first public address)
 *   forwardedFor  X-Forwarded-For value: its first public address wins over `client`
 *   session       joined to the client (`client:session`), e.g. an analytics session id
 *   userAgent, referrer, host
 */

export const MAP_FIELDS = [
  'time', 'endTime', 'method', 'url', 'path', 'query', 'status', 'bytes',
  'durationMs', 'durationSec', 'durationUs', 'durationNs',
  'client', 'forwardedFor', 'session', 'userAgent', 'referrer', 'host',
] as const;
export type MapField = (typeof MAP_FIELDS)[number];

/** Our field → the places to look, in order of preference. */
export type FieldSources = Partial<Record<MapField, string[]>>;

/** Field → [multiplier, divisor] to ms. */
const DURATION_UNITS: [MapField, number, number][] = [['durationMs', 1, 1], ['durationSec', 1000, 1], ['durationUs', 1, 1e3], ['durationNs', 1, 1e6]];

export interface MapperOptions {
  zone: ZoneResolver;
  /** Method when none is mapped or logged ('' for access logs, 'GET' for page-view exports). */
  defaultMethod?: string;
  /**
   * What a row with neither method nor path/url is: null (not a request: another logger's line
   * in the same file, skipped) or a rejection reason.
   */
  noRequest: null | string;
  /** Places are plain keys (CSV column names), not dotted paths. */
  literalKeys?: boolean;
  /** Derives fields the places cannot express (Cloudflare's duration from two timestamps). */
  finish?: (row: Record<string, unknown>, record: LogRecord) => void;
  /** Where the `--session-key` value is (see KeyPlaces); every record then has `sessionKey`. */
  sessionKey?: KeyPlaces;
}

/**
 * Where a `--session-key` value is in a row: the first of `places` present (JSON paths, or
 * column names with `literalKeys`); with `cookie`, that value is a Cookie header and the key is
 * that cookie in it.
 */
export interface KeyPlaces {
  places: string[];
  cookie: string | null;
}

export type MappedRow = LogRecord | { reject: string } | null;

/**
 * Checks a user's `--map` (every key known, every path non-empty) and merges it over a
 * preset's places: a mapped field replaces the preset's list for that field.
 */
export function mergeMap(preset: FieldSources, map: Record<string, string> | undefined, formatName: string): FieldSources {
  if (map === undefined) return preset;
  const problems: string[] = [];
  const merged: FieldSources = { ...preset };
  for (const [key, path] of Object.entries(map)) {
    const field = MAP_FIELDS.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field === undefined) problems.push(`unknown field "${key}"`);
    else if (typeof path !== 'string' || path.trim() === '') problems.push(`"${key}" has an empty path`);
    else merged[field] = [path.trim()];
  }
  if (problems.length > 0) {
    throw new UsageError(`--map for ${formatName}: ${problems.join('; ')}`, {
      hint: `map our fields to JSON paths or column names, e.g. --map time=ts --map path=req.url; fields: ${MAP_FIELDS.join(', ')}`,
    });
  }
  return merged;
}

/**
 * A user's map for a format that has no preset (`jsonl`, the event exports): checked, and
 * required to name at least a time and a path or URL. Throws a UsageError listing every problem.
 */
export function requiredMap(map: Record<string, string> | undefined, formatName: string, example: string): FieldSources {
  if (map === undefined || Object.keys(map).length === 0) {
    throw new UsageError(`format ${formatName} needs a field mapping`, {
      hint: `give --map for at least time and path (or url), e.g. ${example}`,
    });
  }
  const sources = mergeMap({}, map, formatName);
  const missing: string[] = [];
  if (!sources.time && !sources.endTime) missing.push('time (or endTime)');
  if (!sources.path && !sources.url) missing.push('path (or url)');
  if (missing.length > 0) {
    throw new UsageError(`format ${formatName}: --map has no ${missing.join(' and no ')}`, {
      hint: `map at least the request time and its path, e.g. ${example}`,
    });
  }
  return sources;
}

/** Compiles field places into a function from a row to a record (or a rejection, or null). */
export function compileMapper(sources: FieldSources, options: MapperOptions): (row: Record<string, unknown>, source: string) => MappedRow {
  const places: Partial<Record<MapField, JsonPath[]>> = {};
  for (const field of MAP_FIELDS) {
    const list = sources[field];
    if (list && list.length > 0) places[field] = list.map((p) => (options.literalKeys ? { text: p, steps: [p] } : compilePath(p)));
  }
  const durations = DURATION_UNITS.filter(([f]) => places[f] !== undefined).map(([f, mul, div]) => ({ paths: places[f] as JsonPath[], mul, div }));
  const { zone, noRequest, finish } = options;
  const keyPaths = options.sessionKey?.places.map((p) => (options.literalKeys ? { text: p, steps: [p] } : compilePath(p)));
  const keyCookie = options.sessionKey?.cookie ?? null;
  const defaultMethod = options.defaultMethod ?? '';

  const first = (paths: JsonPath[] | undefined, row: unknown): unknown => {
    if (paths === undefined) return undefined;
    for (let i = 0; i < paths.length; i++) {
      const v = valueAt(row, paths[i] as JsonPath);
      if (!isMissing(v)) return v;
    }
    return undefined;
  };

  return (row, source) => {
    // The request: method and target.
    const methodValue = first(places.method, row);
    const urlValue = first(places.url, row);
    const pathValue = urlValue === undefined ? first(places.path, row) : undefined;
    if (methodValue === undefined && urlValue === undefined && pathValue === undefined) {
      return noRequest === null ? null : { reject: noRequest };
    }
    const method = methodValue === undefined ? defaultMethod : textOf(methodValue).toUpperCase();
    let path = '';
    let query = '';
    let host = '';
    const target = textOf(urlValue ?? pathValue);
    if (target !== '') {
      const queryValue = places.query === undefined ? undefined : first(places.query, row);
      if (places.query !== undefined && urlValue === undefined && !target.includes('://')) {
        path = target;
        const q = textOf(queryValue);
        query = q.charCodeAt(0) === 0x3f ? q.slice(1) : q;
      } else {
        const parts = splitTarget(target);
        path = parts.path;
        query = parts.query;
        host = parts.host;
        if (query === '' && queryValue !== undefined) {
          const q = textOf(queryValue);
          query = q.charCodeAt(0) === 0x3f ? q.slice(1) : q;
        }
      }
    }

    // Duration, then time (the start, or the end minus the duration).
    let durationMs: number | null = null;
    for (const d of durations) {
      const v = first(d.paths, row);
      if (v === undefined) continue;
      const ms = durationMsOf(v, d.mul, d.div);
      if (Number.isFinite(ms) && ms >= 0) durationMs = ms;
      break;
    }
    let timeMs = NaN;
    const start = first(places.time, row);
    if (start !== undefined) timeMs = timeOf(start, zone);
    else {
      const end = first(places.endTime, row);
      if (end !== undefined) {
        timeMs = timeOf(end, zone);
        if (durationMs !== null) timeMs -= durationMs;
      }
    }
    if (!Number.isFinite(timeMs)) return { reject: 'bad timestamp' };

    let status = 0;
    const statusValue = first(places.status, row);
    if (statusValue !== undefined) {
      status = numberOf(statusValue);
      if (!Number.isInteger(status) || status < 0 || status > 999) return { reject: 'bad status' };
    }
    let bytes: number | null = null;
    const bytesValue = first(places.bytes, row);
    if (bytesValue !== undefined) {
      const n = numberOf(bytesValue);
      if (Number.isFinite(n) && n >= 0) bytes = n;
    }

    let client = '';
    const forwarded = first(places.forwardedFor, row);
    if (forwarded !== undefined) client = forwardedClientOf(textOf(forwarded));
    if (client === '') client = clientAddressOf(textOf(first(places.client, row)));
    const session = textOf(first(places.session, row));
    if (session !== '') client = client === '' ? session : `${client}:${session}`;

    const hostValue = first(places.host, row);
    if (hostValue !== undefined) host = stripPort(textOf(hostValue));

    const record: LogRecord = {
      timeMs,
      method,
      path,
      query,
      status,
      bytes,
      durationMs,
      client,
      userAgent: textOf(first(places.userAgent, row)),
      referrer: textOf(first(places.referrer, row)),
      host,
      source,
    };
    if (keyPaths !== undefined) {
      const value = textOf(first(keyPaths, row));
      record.sessionKey = keyCookie === null || value === '' ? value : cookieValue(value, keyCookie);
    }
    if (finish) finish(row, record);
    return record;
  };
}
