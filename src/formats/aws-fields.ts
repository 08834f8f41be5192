/*
 * Helpers shared by the load-balancer, CDN and W3C formats (alb, elb, cloudfront, s3access,
 * w3c, haproxy): a tokenizer for space-separated lines with quoted and bracketed fields, the
 * absolute-form request target those proxies log, `address:port` fields, loose percent-decoding,
 * separate date and time fields, and the shared scoring used by `detect()`.
 */

import { splitRequest, type RequestParts } from './fields.js';
import { daysFromCivil, digits, type ZoneResolver, parseDecimal } from './time.js';
import { isRecord, type LineParser, type ParseResult } from './types.js';

/** Shared, frozen rejections: no allocation for the common failures. */
export const rejection = (reason: string): { reject: string } => Object.freeze({ reject: reason });
export const MISMATCH = rejection('does not match format');
export const TOO_FEW_FIELDS = rejection('too few fields');
export const BAD_TIMESTAMP = rejection('bad timestamp');
export const BAD_STATUS = rejection('bad status');
export const BAD_BYTES = rejection('bad byte count');
export const BAD_DURATION = rejection('bad duration');

// ---------------------------------------------------------------------------------------------
// Tokenizer.

/** Field boundaries of one line, reused from line to line: field i is line[starts[i], ends[i]). */
export class FieldBuffer {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  count = 0;
  constructor(readonly capacity: number) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }
}

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Splits a line at spaces (runs of spaces count as one) into at most `buf.capacity` fields;
 * the rest of the line is ignored (trailing fields added by newer versions of a format).
 *
 * A field that starts with `"` runs to its closing quote, without the quotes. Where the field
 * may hold quotes of its own (a request line, a user agent: the bit of `lenientMask` for its
 * index is set, indexes < 31), the closing quote is one followed by a space or the end of the
 * line (see lenientQuoteEnd), skipping `\"`. Elsewhere the first quote closes the field, and
 * the next field may start right after it: ALB lines with a missing space (`"-"1`) are real
 * (Filebeat's fixture has one). An unterminated quote runs to the end of the line.
 *
 * With `brackets`, a field starting with `[` runs to the next `]` and keeps its brackets out as
 * well (S3 `[06/Feb/2019:00:00:38 +0000]`).
 */
export function splitFields(line: string, buf: FieldBuffer, lenientMask: number, brackets = false): number {
  const { starts, ends, capacity } = buf;
  const len = line.length;
  let n = 0;
  let i = 0;
  while (n < capacity) {
    while (i < len && line.charCodeAt(i) === SPACE) i++;
    if (i >= len) break;
    const c = line.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let end = line.indexOf('"', start);
      if (end === -1) {
        end = len;
        i = len;
      } else {
        if (n < 31 && (lenientMask & (1 << n)) !== 0) end = lenientQuoteEnd(line, start, end, len);
        i = end + 1;
      }
      starts[n] = start;
      ends[n] = end;
    } else if (brackets && c === 0x5b) {
      let end = line.indexOf(']', i + 1);
      if (end === -1) end = len;
      starts[n] = i + 1;
      ends[n] = end;
      i = end + 1;
    } else {
      let end = line.indexOf(' ', i);
      if (end === -1) end = len;
      starts[n] = i;
      ends[n] = end;
      i = end;
    }
    n++;
  }
  buf.count = n;
  return n;
}

/**
 * The quote closing a field that may contain quotes: the first `"` before a space or the end of
 * the line with an even number of (unescaped) quotes before it, since quotes inside a user agent
 * come in pairs; failing that, the first one before a space or the end; failing that, `first`.
 */
function lenientQuoteEnd(line: string, start: number, first: number, len: number): number {
  let q = first;
  let inner = 0;
  let fallback = -1;
  while (q !== -1) {
    if (q > start && line.charCodeAt(q - 1) === BACKSLASH) {
      q = line.indexOf('"', q + 1);
      continue;
    }
    if (q + 1 === len || line.charCodeAt(q + 1) === SPACE) {
      if ((inner & 1) === 0) return q;
      if (fallback === -1) fallback = q;
    }
    inner++;
    q = line.indexOf('"', q + 1);
  }
  return fallback === -1 ? first : fallback;
}

/** A field's text, '' for `-` (and for an empty field). */
export function textOrEmpty(line: string, start: number, end: number): string {
  if (start >= end || (end - start === 1 && line.charCodeAt(start) === 0x2d)) return '';
  return line.slice(start, end);
}

// ---------------------------------------------------------------------------------------------
// Requests and addresses.

/**
 * `splitRequest`, then the absolute-form targets proxies log (`GET https://host:443/p?q
 * HTTP/1.1`): the scheme and authority leave the path and the host (without its port) goes
 * to `host`. A request whose method is `-` (an ALB's `"- http://host:80- -"` for bytes that
 * were not HTTP) names no endpoint: method, path and query are empty.
 */
export function splitProxyRequest(line: string, start: number, end: number, out: RequestParts & { host: string }): void {
  splitRequest(line, start, end, out);
  out.host = '';
  if (out.method === '-') {
    out.method = out.path = out.query = '';
    return;
  }
  const path = out.path;
  if (path.charCodeAt(0) === 0x2f || path.length < 8) return; // '/...', the usual case
  const scheme = path.indexOf('://');
  if (scheme <= 0 || scheme > 5) return;
  const authorityStart = scheme + 3;
  let slash = path.indexOf('/', authorityStart);
  if (slash === -1) slash = path.length;
  out.host = hostWithoutPort(path.slice(authorityStart, slash));
  out.path = slash === path.length ? '/' : path.slice(slash);
}

/** `host:443` → `host`, `[::1]:80` → `[::1]`; anything else unchanged. */
export function hostWithoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon <= 0) return host;
  if (host.charCodeAt(0) === 0x5b) return host.charCodeAt(colon - 1) === 0x5d ? host.slice(0, colon) : host;
  if (host.indexOf(':') !== colon) return host; // a bare IPv6 address
  return allDigits(host, colon + 1, host.length) ? host.slice(0, colon) : host;
}

/**
 * The address of an `address:port` field: `1.2.3.4:5678` → `1.2.3.4`, `[::1]:80` → `::1`, and
 * an IPv6 address logged without brackets (`2601:6bbc::1:50599`, as ALBs and HAProxy write it)
 * loses its last group, which is the port. `-` → ''.
 */
export function addressOf(line: string, start: number, end: number): string {
  if (start >= end || (end - start === 1 && line.charCodeAt(start) === 0x2d)) return '';
  if (line.charCodeAt(start) === 0x5b) {
    const close = line.indexOf(']', start);
    if (close !== -1 && close < end) return line.slice(start + 1, close);
  }
  const colon = line.lastIndexOf(':', end - 1);
  if (colon < start || colon === end - 1 || !allDigits(line, colon + 1, end)) return line.slice(start, end);
  return line.slice(start, colon);
}

function allDigits(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Percent-decoding.

const ENCODED_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Decodes %XX sequences, leaving any that are not valid UTF-8 as they are (never throws).
 * `%2520`, `%2522` and `%255C` are decoded twice: CloudFront encodes the `%` of those
 * characters again in some fields (its documentation's own example lines have `%2520` in user
 * agents), which is what node-cloudfront-log-parser undoes too.
 */
export function decodeLoose(text: string): string {
  if (text.indexOf('%') === -1) return text;
  const once = text.indexOf('%25') === -1 ? text : text.replace(/%25(20|22|5[Cc])/g, '%$1');
  try {
    return decodeURIComponent(once);
  } catch {
    return once.replace(ENCODED_RUN, decodeRun);
  }
}

/** A run of %XX that is not all valid UTF-8: decode what is, one character at a time. */
function decodeRun(run: string): string {
  const count = run.length / 3;
  let out = '';
  let i = 0;
  while (i < count) {
    let decoded = false;
    for (let len = Math.min(4, count - i); len >= 1 && !decoded; len--) {
      try {
        out += decodeURIComponent(run.slice(i * 3, (i + len) * 3));
        i += len;
        decoded = true;
      } catch {
        // not a whole character: try a shorter sequence
      }
    }
    if (!decoded) {
      out += run.slice(i * 3, i * 3 + 3);
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Date and time in two fields (W3C, CloudFront).

/** `2019-12-04` → days since 1970-01-01, or NaN. */
export function parseDay(line: string, start: number, end: number): number {
  if (end - start !== 10 || line.charCodeAt(start + 4) !== 0x2d || line.charCodeAt(start + 7) !== 0x2d) return NaN;
  const year = digits(line, start, 4);
  const month = digits(line, start + 5, 2);
  const day = digits(line, start + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  return daysFromCivil(year, month, day);
}

/** `21:02:31` or `17:00:00.363` → ms since midnight, or NaN. */
export function parseTimeOfDay(line: string, start: number, end: number): number {
  if (end - start < 8 || line.charCodeAt(start + 2) !== 0x3a || line.charCodeAt(start + 5) !== 0x3a) return NaN;
  const hour = digits(line, start, 2);
  const minute = digits(line, start + 3, 2);
  const second = digits(line, start + 6, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return NaN;
  let ms = hour * 3_600_000 + minute * 60_000 + second * 1000;
  if (end - start === 8) return ms;
  if (line.charCodeAt(start + 8) !== 0x2e) return NaN;
  let scale = 100;
  for (let i = start + 9; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    ms += d * scale;
    scale /= 10;
  }
  return Math.round(ms);
}

/** Epoch ms of a date field and a time field read as wall-clock time in `zone`, or NaN. */
export function parseDateTime(line: string, ds: number, de: number, ts: number, te: number, zone: ZoneResolver): number {
  const day = parseDay(line, ds, de);
  const time = parseTimeOfDay(line, ts, te);
  if (Number.isNaN(day) || Number.isNaN(time)) return NaN;
  return zone(day * 86_400_000 + time);
}

// ---------------------------------------------------------------------------------------------
// Detection.

/**
 * The share of sample lines a fresh parser reads, among the lines that are records or
 * rejections (headers, comments and blank lines do not count): the score `detect()` returns.
 * Rejections in `recognized` count as read: lines of the format that carry no HTTP request
 * (an ELB's TCP listener, CloudFront RTMP events). An input made only of those is still named
 * for what it is, and its lines are then rejected with that reason, not "format unknown".
 */
export function scoreSample(parser: LineParser, lines: string[], recognized: readonly ParseResult[] = []): number {
  let considered = 0;
  let accepted = 0;
  for (const line of lines) {
    const result: ParseResult = parser.parse(line, '');
    if (result === null) continue;
    considered++;
    if (isRecord(result) || recognized.includes(result)) accepted++;
  }
  return considered === 0 ? 0 : accepted / considered;
}

/**
 * The three ELB/ALB processing timers (seconds, `-1` when not available) in fields `first` to
 * `first + 2`, summed in ms: `{ knownMs, allKnown }`, or null when one is not a number.
 */
export function sumElbTimers(line: string, starts: ArrayLike<number>, ends: ArrayLike<number>, first: number): { knownMs: number; allKnown: boolean } | null {
  let knownMs = 0;
  let allKnown = true;
  for (let f = first; f <= first + 2; f++) {
    const s = starts[f] as number;
    const e = ends[f] as number;
    if (e - s === 2 && line.charCodeAt(s) === 0x2d && line.charCodeAt(s + 1) === 0x31) {
      allKnown = false;
      continue;
    }
    const ms = parseDecimal(line, s, e, 1000);
    if (Number.isNaN(ms)) return null;
    knownMs += ms;
  }
  return { knownMs, allKnown };
}
