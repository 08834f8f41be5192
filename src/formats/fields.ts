/*
 * Field helpers shared by the formats: request lines, methods, client addresses, numbers.
 * They read line[start, end) directly so that the hot path slices only what a record keeps.
 */

import { parseDecimal } from './time.js';

export interface RequestParts {
  method: string;
  path: string;
  query: string;
}

/**
 * `GET /a/b?x=1 HTTP/1.1` → GET, /a/b, x=1. Tolerates a missing protocol (`GET /path`, old
 * NCSA logs) and extra spaces. Anything that is not `METHOD target [HTTP/x]` (`-`, an empty
 * request, a TLS handshake sent to a plain port) gives method, path and query all empty: the
 * line still counts as a request that reached the server, but names no endpoint.
 */
export function splitRequest(line: string, start: number, end: number, out: RequestParts): void {
  const sp = line.indexOf(' ', start);
  if (sp === -1 || sp >= end || sp === start) {
    out.method = out.path = out.query = '';
    return;
  }
  let method: string;
  if (sp - start === 3 && line.startsWith('GET', start)) method = 'GET';
  else if (sp - start === 4 && line.startsWith('POST', start)) method = 'POST';
  else {
    for (let i = start; i < sp; i++) {
      const c = line.charCodeAt(i) | 0x20; // lower-cases letters; '-' and '_' (→ 0x7f) stay distinct
      if ((c < 0x61 || c > 0x7a) && c !== 0x2d && c !== 0x7f) {
        out.method = out.path = out.query = '';
        return;
      }
    }
    method = methodOf(line, start, sp);
  }
  let ts = sp + 1;
  while (ts < end && line.charCodeAt(ts) === 0x20) ts++;
  let te = end;
  if (end - ts > 9 && line.charCodeAt(end - 9) === 0x20 && line.startsWith('HTTP/', end - 8)) {
    te = end - 9; // ` HTTP/1.1`, the usual case
  } else {
    // Other protocol spellings (`HTTP/2`, `HTTP/1.0 ` ...): look back a few characters only.
    let last = end - 1;
    const limit = Math.max(ts, end - 12);
    while (last >= limit && line.charCodeAt(last) !== 0x20) last--;
    if (last >= limit && line.startsWith('HTTP/', last + 1)) te = last;
  }
  while (te > ts && line.charCodeAt(te - 1) === 0x20) te--;
  out.method = method;
  const q = line.indexOf('?', ts);
  if (q !== -1 && q < te) {
    out.path = line.slice(ts, q);
    out.query = line.slice(q + 1, te);
  } else {
    out.path = line.slice(ts, te);
    out.query = '';
  }
}

const methodCache = new Map<string, string>();

/** Upper-cased and interned (one string per distinct method, however many records). */
export function methodOf(line: string, start: number, end: number): string {
  const len = end - start;
  if (len === 3 && line.startsWith('GET', start)) return 'GET';
  if (len === 4 && line.startsWith('POST', start)) return 'POST';
  if (len === 4 && line.startsWith('HEAD', start)) return 'HEAD';
  const raw = line.slice(start, end);
  let method = methodCache.get(raw);
  if (method === undefined) {
    method = raw.toUpperCase();
    if (methodCache.size < 4096) methodCache.set(raw, method);
  }
  return method;
}

/** `-` (and the empty string) mean "not logged". */
export function isDash(line: string, start: number, end: number): boolean {
  return start === end || (end - start === 1 && line.charCodeAt(start) === 0x2d);
}

/** Digits → integer; `-` → -1; anything else → NaN. */
export function intOrDash(line: string, start: number, end: number): number {
  if (end - start === 1 && line.charCodeAt(start) === 0x2d) return -1;
  if (start === end || end - start > 15) return NaN;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Seconds, possibly a list as nginx writes for several upstreams (`0.100, 0.004` or, across
 * internal redirects, `0.100 : 0.004`) → the sum in ms. `-` entries are skipped; NaN when no
 * entry is a number, or when an entry is neither a number nor `-`.
 */
export function secondsListToMs(line: string, start: number, end: number): number {
  let total = 0;
  let any = false;
  let i = start;
  while (i < end) {
    while (i < end && (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x2c || line.charCodeAt(i) === 0x3a)) i++;
    if (i >= end) break;
    let j = i;
    while (j < end && line.charCodeAt(j) !== 0x2c && line.charCodeAt(j) !== 0x20) j++;
    if (!(j - i === 1 && line.charCodeAt(i) === 0x2d)) {
      const ms = parseDecimal(line, i, j, 1000);
      if (Number.isNaN(ms)) return NaN;
      total += ms;
      any = true;
    }
    i = j;
  }
  return any ? total : NaN;
}

/** `host:443` → `host`; `[::1]:80` → `[::1]`; IPv6 without brackets is left alone. */
export function stripPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon <= 0 || colon === host.length - 1) return host;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return host;
  }
  if (host.charCodeAt(0) === 0x5b) return host.charCodeAt(colon - 1) === 0x5d ? host.slice(0, colon) : host;
  return host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

// ---------------------------------------------------------------------------------------------
// Client addresses.

/**
 * The client of a logged address field. Usually one address, returned as is. Real logs also
 * put X-Forwarded-For lists there (`10.0.0.2, 10.0.0.1, 127.0.0.1`, `"a, b" c`): then the
 * first public IP, else the first IP, else the first entry (Filebeat's choice; the first
 * public hop is the best stable identity for a session).
 */
export function clientOf(text: string): string {
  if (text.indexOf(',') === -1 && text.indexOf(' ') === -1 && text.indexOf('"') === -1) return text === '-' ? '' : text;
  return pickAddress(text, false);
}

/**
 * From an X-Forwarded-For value: the first public IP, else the first IP, else '' (so the caller
 * keeps the connection address): entries that are not IPs (`unknown`, a gzip ratio logged
 * in that column) are never taken for a client.
 */
export function forwardedClientOf(text: string): string {
  return pickAddress(text, true);
}

function pickAddress(text: string, ipsOnly: boolean): string {
  const entries = text.split(/[\s,"]+/).filter((e) => e !== '' && e !== '-');
  let firstIp = '';
  for (const entry of entries) {
    const ip = ipOf(entry);
    if (ip === null) continue;
    if (isPublicIp(ip)) return entry;
    if (firstIp === '') firstIp = entry;
  }
  if (firstIp !== '' || ipsOnly) return firstIp;
  return entries[0] ?? '';
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::\d+)?$/;
const IPV6 = /^\[?([0-9a-fA-F:]*:[0-9a-fA-F:.]*)(?:%[^\]]*)?\]?(?::\d+)?$/;

/** The IP in an entry (`1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `fe80::1%eth0`), or null. */
export function ipOf(entry: string): { v4: number[] } | { v6: string } | null {
  const v4 = IPV4.exec(entry);
  if (v4) {
    const parts = [Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])];
    return parts.every((p) => p <= 255) ? { v4: parts } : null;
  }
  const v6 = IPV6.exec(entry);
  if (v6 && (v6[1] as string).split(':').length >= 3) return { v6: (v6[1] as string).toLowerCase() };
  return null;
}

export function isPublicIp(ip: { v4: number[] } | { v6: string }): boolean {
  if ('v4' in ip) return isPublicV4(ip.v4);
  const v6 = ip.v6;
  if (v6 === '::1' || v6 === '::') return false;
  const mapped = /^::ffff:(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v6);
  if (mapped) return isPublicV4([Number(mapped[1]), Number(mapped[2]), Number(mapped[3]), Number(mapped[4])]);
  const first = parseInt(v6.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link local fe80::/10
  return true;
}

function isPublicV4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === 10 || a === 127 || a === 0) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  return true;
}
