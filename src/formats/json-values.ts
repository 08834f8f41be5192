/*
 * Reading values out of parsed JSON (and CSV cells) for the structured formats: dotted paths,
 * text, numbers, timestamps in any of the usual encodings, URLs and client addresses.
 */

import { clientOf, stripPort } from './fields.js';
import { parseClfTime, parseIsoTime, type ZoneResolver } from './time.js';

// ---------------------------------------------------------------------------------------------
// Paths.

/** A compiled JSON path: `request.headers.User-Agent[0]` → ['request', 'headers', 'User-Agent', 0]. */
export interface JsonPath {
  /** As the user wrote it, for messages. */
  text: string;
  steps: (string | number)[];
}

/**
 * Compiles a dotted path with optional `[n]` indexes. A key with a dot in it (Filebeat's flat
 * `http.request.method`) is found too: when the walk fails, the whole path is tried as one key.
 */
export function compilePath(text: string): JsonPath {
  const steps: (string | number)[] = [];
  for (const part of text.split('.')) {
    const re = /\[(\d+)\]/g;
    const bracket = part.indexOf('[');
    const key = bracket === -1 ? part : part.slice(0, bracket);
    if (key !== '') steps.push(key);
    if (bracket !== -1) {
      for (let m = re.exec(part); m !== null; m = re.exec(part)) steps.push(Number(m[1]));
    }
  }
  return { text, steps };
}

/** The value at `path` in `root`, or undefined. */
export function valueAt(root: unknown, path: JsonPath): unknown {
  let current: unknown = root;
  const steps = path.steps;
  for (let i = 0; i < steps.length; i++) {
    if (current === null || typeof current !== 'object') {
      current = undefined;
      break;
    }
    current = (current as Record<string | number, unknown>)[steps[i] as string | number];
  }
  if (current === undefined && steps.length > 1 && root !== null && typeof root === 'object') {
    return (root as Record<string, unknown>)[path.text];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Scalars.

/**
 * A value as text: strings as they are, numbers and booleans printed, the first element of an
 * array (Caddy logs headers as arrays), '' for null, objects and the `-` that loggers write for
 * "not logged".
 */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value === '-' ? '' : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length > 0 ? textOf(value[0]) : '';
  return '';
}

/** True when a value is absent: undefined, null, '', '-', or an empty array. */
export function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' || t === '-';
  }
  if (Array.isArray(value)) return value.length === 0 || isMissing(value[0]);
  return false;
}

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number, or a string holding one (`"200"`, `" 12.5 "`); NaN otherwise. */
export function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const t = value.trim();
    return NUMBER_TEXT.test(t) ? Number(t) : NaN;
  }
  if (Array.isArray(value) && value.length > 0) return numberOf(value[0]);
  return NaN;
}

/** Go duration units → [multiplier, divisor] to ms (divided, not multiplied by 1e-6, to stay exact). */
const GO_DURATION_UNITS: Record<string, [number, number]> = {
  ns: [1, 1e6], us: [1, 1e3], 'µs': [1, 1e3], 'μs': [1, 1e3], ms: [1, 1], s: [1000, 1], m: [60_000, 1], h: [3_600_000, 1],
};
const GO_DURATION = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/**
 * A duration → ms. Plain numbers are in units of `multiplier / divisor` ms (ns: 1 / 1e6);
 * strings with units (Go's `1.5ms`, `2m3.5s`, as Caddy writes with `duration_format string`)
 * are read whatever the default unit. NaN when neither.
 */
export function durationMsOf(value: unknown, multiplier: number, divisor = 1): number {
  const n = numberOf(value);
  if (!Number.isNaN(n)) return (n * multiplier) / divisor;
  if (typeof value !== 'string') return NaN;
  let rest = value.trim();
  if (rest === '') return NaN;
  let total = 0;
  while (rest !== '') {
    const m = GO_DURATION.exec(rest);
    if (m === null) return NaN;
    const [mul, div] = GO_DURATION_UNITS[m[2] as string] as [number, number];
    total += (Number(m[1]) * mul) / div;
    rest = rest.slice(m[0].length);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Timestamps.

/*
 * Epoch numbers carry no unit, so the unit is decided by magnitude (absolute value v):
 *   v < 1e11  seconds        (1e11 s  is the year 5138)
 *   v < 1e14  milliseconds   (1e11 ms is 1973-03-03; 1e14 ms is the year 5138)
 *   v < 1e17  microseconds   (1e14 µs is 1973-03-03)
 *   otherwise nanoseconds    (1e17 ns is 1973-03-03)
 * so any time from March 1973 to the year 5138 is read right in every unit (before 1973 only
 * seconds are). Fractions are kept (`1646861401.5241024` s → ms with a fraction).
 */
export function epochToMs(v: number): number {
  const a = Math.abs(v);
  if (a < 1e11) return v * 1000;
  if (a < 1e14) return v;
  if (a < 1e17) return v / 1000;
  return v / 1e6;
}

/**
 * A timestamp in any encoding the structured formats use → epoch ms, NaN if none:
 * ISO 8601 / RFC 3339 (`2021-03-16T18:56:54.735539596Z`; without an offset it is read in
 * `zone`), CLF (`10/Oct/2000:13:55:36 -0700`), or an epoch number or numeric string whose
 * unit is decided by magnitude (see epochToMs).
 */
export function timeOf(value: unknown, zone: ZoneResolver): number {
  if (typeof value === 'number') return Number.isFinite(value) ? epochToMs(value) : NaN;
  if (typeof value !== 'string') return Array.isArray(value) && value.length > 0 ? timeOf(value[0], zone) : NaN;
  const text = value.trim();
  if (text === '') return NaN;
  const c = text.charCodeAt(0);
  if (text.length >= 19 && text.charCodeAt(4) === 0x2d) return parseIsoTime(text, 0, text.length, zone);
  if (text.length >= 20 && text.charCodeAt(2) === 0x2f) return parseClfTime(text, 0, text.length, zone);
  if ((c >= 0x30 && c <= 0x39) || c === 0x2e) {
    const n = numberOf(text);
    return Number.isNaN(n) ? NaN : epochToMs(n);
  }
  return NaN;
}

// ---------------------------------------------------------------------------------------------
// URLs and addresses.

export interface TargetParts {
  path: string;
  query: string;
  /** Host of an absolute URL, without user info or port; '' for a path. */
  host: string;
}

/**
 * `https://user@host:8443/a/b?x=1#frag` → /a/b, x=1, host; `/a/b?x=1` → /a/b, x=1, ''. Kept as
 * logged (no decoding, no normalization: `new URL` would re-encode); the fragment is dropped.
 * An absolute URL with no path gives `/`.
 */
export function splitTarget(target: string): TargetParts {
  let start = 0;
  let host = '';
  const scheme = target.indexOf('://');
  if (scheme > 0 && scheme < 12 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(target.slice(0, scheme))) {
    const authorityStart = scheme + 3;
    let authorityEnd = target.length;
    for (let i = authorityStart; i < target.length; i++) {
      const c = target.charCodeAt(i);
      if (c === 0x2f || c === 0x3f || c === 0x23) {
        authorityEnd = i;
        break;
      }
    }
    let authority = target.slice(authorityStart, authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at !== -1) authority = authority.slice(at + 1);
    host = unbracket(stripPort(authority)).toLowerCase();
    start = authorityEnd;
  }
  let end = target.indexOf('#', start);
  if (end === -1) end = target.length;
  const q = target.indexOf('?', start);
  let path: string;
  let query: string;
  if (q !== -1 && q < end) {
    path = target.slice(start, q);
    query = target.slice(q + 1, end);
  } else {
    path = target.slice(start, end);
    query = '';
  }
  if (path === '' && start > 0) path = '/';
  return { path, query, host };
}

function unbracket(host: string): string {
  return host.length > 2 && host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host;
}

/**
 * A logged client address → the client: the first public address of a list (as for the text
 * formats), without the port that changes with every connection (`10.0.0.1:48658` → `10.0.0.1`,
 * `[::1]:56348` → `::1`), so that sessions keyed on it hold together.
 */
export function clientAddressOf(text: string): string {
  if (text === '') return '';
  return unbracket(stripPort(clientOf(text)));
}
