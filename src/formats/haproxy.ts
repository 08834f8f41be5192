import type { LogRecord } from '../core/types.js';
import { addressOf, BAD_BYTES, BAD_STATUS, BAD_TIMESTAMP, hostWithoutPort, MISMATCH, rejection, scoreSample, splitProxyRequest } from './aws-fields.js';
import { digits, monthAt, parseClfTime, UTC, zoneResolver, type ZoneResolver } from './time.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from './types.js';

/*
 * HAProxy's HTTP log (`option httplog`), with or without the syslog prefix
 * (`Feb 26 00:29:44 host haproxy[7]: `, or an ISO 8601 one):
 *
 *   client:port [accept_date] frontend[~] backend/server TR/Tw/Tc/Tr/Ta status bytes_read
 *   req_cookie res_cookie termination_state actconn/feconn/beconn/srv_conn/retries
 *   srv_queue/backend_queue [{captured request headers}] [{captured response headers}] "request"
 *
 * The bracketed date (no zone: read in --log-tz) is the request's start: the accept date,
 * or since HAProxy 1.9 (`%tr`) the moment the request began after any keep-alive idle time.
 * The last timer (Ta; Tt in older versions; `+` with `option logasap`) is its duration, -1
 * when it was aborted.
 * Status -1 (no response) is 0. The request may be cut short (log length limits): the line
 * then has no closing quote. `<BADREQ>` and other non-requests name no endpoint.
 *
 * Captured headers are logged by position, in the order of the configuration, without names:
 * an entry shaped like a user agent (`Product/version …`) is taken as the user agent and one
 * shaped like `host[:port]` as the host, which covers the usual `capture request header Host`
 * and `User-Agent`.
 *
 * Not requests: startup and shutdown messages, `Connect from …`, and connection errors
 * (`… [date] frontend/bind: SSL handshake failure`) are not records (null). A TCP-mode log line
 * (`Tw/Tc/Tt`, no status) is rejected: it is a connection, not an HTTP request.
 */

const TCP_LINE = rejection('TCP log line (no HTTP request)');
const BAD_TIMERS = rejection('bad timers');

class HaproxyParser implements LineParser {
  private readonly req = { method: '', path: '', query: '', host: '' };

  /** Captured request headers → what they hold; the same few values repeat line after line. */
  private readonly captures = new Map<string, { userAgent: string; host: string }>();

  constructor(private readonly zone: ZoneResolver) {}

  private capturedHeaders(block: string): { userAgent: string; host: string } {
    let found = this.captures.get(block);
    if (found === undefined) {
      found = { userAgent: '', host: '' };
      for (const entry of block.split('|')) {
        if (found.userAgent === '' && UA_SHAPE.test(entry)) found.userAgent = entry;
        else if (found.host === '' && HOST_SHAPE.test(entry)) found.host = entry.toLowerCase();
      }
      if (this.captures.size >= 4096) this.captures.clear();
      this.captures.set(block, found);
    }
    return found;
  }

  parse(line: string, source: string): ParseResult {
    // The accept date: ` [dd/Mmm/yyyy:HH:MM:SS.mmm]` after the client address.
    let open = line.indexOf(' [');
    let close = -1;
    while (open !== -1) {
      close = acceptDateEnd(line, open + 2);
      if (close !== -1) break;
      open = line.indexOf(' [', open + 2);
    }
    if (open === -1) return null; // not a request line (startup, "Connect from", ...)
    const clientStart = line.lastIndexOf(' ', open - 1) + 1;
    const colon = line.lastIndexOf(':', open - 1);
    if (colon < clientStart) return null;

    const startMs = parseClfTime(line, open + 2, close, this.zone);
    if (Number.isNaN(startMs)) return BAD_TIMESTAMP;

    // frontend, backend/server, timers, status, bytes: single spaces.
    let i = close + 2;
    const feEnd = line.indexOf(' ', i);
    if (feEnd === -1 || line.charCodeAt(feEnd - 1) === 0x3a) return null; // "frontend/bind: message"
    i = feEnd + 1;
    const beEnd = line.indexOf(' ', i);
    if (beEnd === -1 || line.indexOf('/', i) > beEnd) return MISMATCH;
    i = beEnd + 1;
    const timersEnd = line.indexOf(' ', i);
    if (timersEnd === -1) return MISMATCH;
    let slashes = 0;
    let lastSlash = -1;
    for (let k = i; k < timersEnd; k++) {
      if (line.charCodeAt(k) === 0x2f) {
        slashes++;
        lastSlash = k;
      }
    }
    if (slashes === 2) return TCP_LINE;
    if (slashes !== 4) return MISMATCH;
    const durationMs = signedInt(line, lastSlash + 1, timersEnd);
    if (Number.isNaN(durationMs)) return BAD_TIMERS;
    i = timersEnd + 1;
    const statusEnd = line.indexOf(' ', i);
    if (statusEnd === -1) return MISMATCH;
    const status = signedInt(line, i, statusEnd);
    if (Number.isNaN(status)) return BAD_STATUS;
    i = statusEnd + 1;
    let bytesEnd = line.indexOf(' ', i);
    if (bytesEnd === -1) bytesEnd = line.length;
    const bytes = signedInt(line, i, bytesEnd);
    if (Number.isNaN(bytes)) return BAD_BYTES;

    // Skip cookies, termination state, connection counts and queues (5 fields) to the
    // captures and the request.
    i = bytesEnd;
    for (let skip = 0; skip < 5 && i !== -1; skip++) i = line.indexOf(' ', i + 1);
    if (i === -1) return MISMATCH;
    i++;
    let userAgent = '';
    let host = '';
    let block = 0;
    while (line.charCodeAt(i) === 0x7b) {
      const end = line.indexOf('}', i + 1);
      if (end === -1) return MISMATCH;
      if (block === 0 && end > i + 1) {
        const captured = this.capturedHeaders(line.slice(i + 1, end));
        userAgent = captured.userAgent;
        host = captured.host;
      }
      block++;
      i = end + 1;
      while (line.charCodeAt(i) === 0x20) i++;
    }
    if (line.charCodeAt(i) !== 0x22) return MISMATCH;
    let requestEnd = line.lastIndexOf('"');
    if (requestEnd <= i) requestEnd = line.length; // truncated by the log line length
    const req = this.req;
    splitProxyRequest(line, i + 1, requestEnd, req);
    if (req.host !== '') host = req.host;

    const record: LogRecord = {
      timeMs: startMs,
      method: req.method,
      path: req.path,
      query: req.query,
      status: status < 0 ? 0 : status,
      bytes: bytes < 0 ? null : bytes,
      durationMs: durationMs < 0 ? null : durationMs,
      client: addressOf(line, clientStart, open),
      userAgent,
      referrer: '',
      host: hostWithoutPort(host),
      source,
    };
    return record;
  }
}

const UA_SHAPE = /^[A-Za-z][\w.!+-]*\/\S*(?: .*)?$/;
/** A host name (not an address: X-Forwarded-For is captured as often as Host), maybe with a port. */
const HOST_SHAPE = /^(?=[^:]*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?$/;

/**
 * The index of the `]` closing an accept date that starts at `i` (`06/Feb/2009:12:14:14.655`,
 * the milliseconds optional), or -1.
 */
function acceptDateEnd(line: string, i: number): number {
  if (
    line.charCodeAt(i + 2) !== 0x2f || line.charCodeAt(i + 6) !== 0x2f || line.charCodeAt(i + 11) !== 0x3a ||
    monthAt(line, i + 3) === 0 || digits(line, i, 2) < 0 || digits(line, i + 7, 4) < 0
  ) {
    return -1;
  }
  const c = line.charCodeAt(i + 20);
  if (c === 0x5d) return i + 20;
  if (c === 0x2e) {
    const close = line.indexOf(']', i + 21);
    return close !== -1 && close <= i + 27 && digits(line, i + 21, close - i - 21) >= 0 ? close : -1;
  }
  return -1;
}

/** An integer with an optional `+` (logasap) or `-` sign; NaN otherwise. */
function signedInt(line: string, start: number, end: number): number {
  let sign = 1;
  const c = line.charCodeAt(start);
  if (c === 0x2b) start++;
  else if (c === 0x2d) {
    sign = -1;
    start++;
  }
  if (start >= end || end - start > 15) return NaN;
  let value = 0;
  for (let k = start; k < end; k++) {
    const d = line.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return sign * value;
}

export const haproxy: LineFormat = {
  name: 'haproxy',
  description: 'HAProxy HTTP log (option httplog), syslog-wrapped or not; start = accept date, duration = Ta/Tt',
  detect: (lines) => scoreSample(new HaproxyParser(UTC), lines, [TCP_LINE]),
  create: (options: FormatOptions) => new HaproxyParser(zoneResolver(options.timeZone)),
};
