import type { LogRecord } from '../core/types.js';
import {
  BAD_BYTES,
  BAD_DURATION,
  BAD_STATUS,
  BAD_TIMESTAMP,
  decodeLoose,
  FieldBuffer,
  hostWithoutPort,
  parseDateTime,
  rejection,
  scoreSample,
  textOrEmpty,
  TOO_FEW_FIELDS,
} from './aws-fields.js';
import { intOrDash, methodOf } from './fields.js';
import { cookieValue, type SessionKey } from './session-key.js';
import { parseDecimal, parseEpoch, UTC } from './time.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from './types.js';

/*
 * Amazon CloudFront standard (access) logs: W3C-style, TAB-separated, UTC, with a
 * `#Version: 1.0` and a `#Fields: date time x-edge-location …` header (a TAB or a space after
 * the colon) naming the columns. Without a header the standard 33-column order is assumed.
 * The header is read by name, so the older 24-column files, the 2019-12 additions and real-time
 * log exports that carry a header (`timestamp` in epoch seconds, `cs-user-agent`, …) all work.
 *
 * `date`+`time` (or `timestamp`) is when CloudFront finished the response, to the second; the
 * start is that minus `time-taken` (seconds, ms resolution). The host is `x-host-header` (what
 * the viewer asked for) before `cs(Host)` (the distribution's own domain). User agents are
 * URL-encoded, some characters twice (`%2520`): decoded. The path and query stay as logged.
 * RTMP distribution logs (`x-event` play/stop …) are streaming events, not HTTP requests.
 * `--session-key cookie:NAME` reads that cookie from cs(Cookie) (logged when the distribution
 * logs cookies), `field:NAME` column NAME; a line without it has no key (ip+ua fallback).
 */

const STANDARD_FIELDS =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) ' +
  'cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken ' +
  'x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status ' +
  'fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len ' +
  'sc-range-start sc-range-end';

const RTMP_EVENT = rejection('RTMP streaming event (not an HTTP request)');

/** Column indexes of the fields we read; -1 when the header has no such column. */
interface Columns {
  date: number;
  time: number;
  epoch: number;
  epochScale: number;
  client: number;
  method: number;
  hostHeader: number;
  csHost: number;
  stem: number;
  query: number;
  status: number;
  bytes: number;
  referrer: number;
  userAgent: number;
  timeTaken: number;
  /** The `--session-key` column (-1: none), and the cookie to take from it. */
  key: number;
  keyCookie: string | null;
  /** Fields a line must have to be read at all (the time, method, path and status). */
  required: number;
  /** Highest column read + 1. */
  width: number;
  /** When the header lacks a column we need, every line gets this rejection. */
  unusable: { reject: string } | null;
}

function cloudFrontColumns(names: string[], sessionKey?: SessionKey): Columns {
  const index = (...aliases: string[]): number => {
    for (const alias of aliases) {
      const i = names.indexOf(alias);
      if (i !== -1) return i;
    }
    return -1;
  };
  const epochMs = index('timestamp(ms)');
  const c: Columns = {
    date: index('date'),
    time: index('time'),
    epoch: epochMs !== -1 ? epochMs : index('timestamp'),
    epochScale: epochMs !== -1 ? 1 : 1000,
    client: index('c-ip'),
    method: index('cs-method'),
    hostHeader: index('x-host-header'),
    csHost: index('cs(host)', 'cs-host'),
    stem: index('cs-uri-stem'),
    query: index('cs-uri-query'),
    status: index('sc-status'),
    bytes: index('sc-bytes'),
    referrer: index('cs(referer)', 'cs-referer', 'cs(referrer)', 'cs-referrer'),
    userAgent: index('cs(user-agent)', 'cs-user-agent'),
    timeTaken: index('time-taken'),
    key: sessionKey === undefined ? -1 : sessionKey.kind === 'cookie' ? index('cs(cookie)') : index(sessionKey.name.toLowerCase()),
    keyCookie: sessionKey?.kind === 'cookie' ? sessionKey.name : null,
    required: 0,
    width: 0,
    unusable: null,
  };
  const hasTime = (c.date !== -1 && c.time !== -1) || c.epoch !== -1;
  if (c.method === -1 && index('x-event') !== -1) c.unusable = RTMP_EVENT;
  else if (!hasTime || c.method === -1 || c.stem === -1) {
    const missing = [hasTime ? '' : 'date time', c.method === -1 ? 'cs-method' : '', c.stem === -1 ? 'cs-uri-stem' : ''].filter((m) => m !== '');
    c.unusable = rejection(`#Fields lacks ${missing.join(', ')}`);
  }
  c.required = Math.max(c.date, c.time, c.epoch, c.method, c.stem, c.status) + 1;
  c.width = Math.max(c.required, c.client, c.hostHeader, c.csHost, c.query, c.bytes, c.referrer, c.userAgent, c.timeTaken, c.key) + 1;
  return c;
}

const STANDARD_NAMES = STANDARD_FIELDS.toLowerCase().split(' ');
const STANDARD = cloudFrontColumns(STANDARD_NAMES);

/** The column names of a `#Fields:` line (after a TAB or spaces), lower-cased. */
function fieldNames(line: string): string[] {
  return line
    .slice('#Fields:'.length)
    .trim()
    .toLowerCase()
    .split(/[\s\u200b]+/)
    .filter((name) => name !== '');
}

class CloudFrontParser implements LineParser {
  private columns: Columns;
  private buf: FieldBuffer;

  constructor(private readonly sessionKey?: SessionKey) {
    this.columns = sessionKey ? cloudFrontColumns(STANDARD_NAMES, sessionKey) : STANDARD;
    this.buf = new FieldBuffer(this.columns.width);
  }

  parse(line: string, source: string): ParseResult {
    if (line.length === 0) return null;
    if (line.charCodeAt(0) === 0x23) {
      if (line.startsWith('#Fields:')) {
        this.columns = cloudFrontColumns(fieldNames(line), this.sessionKey);
        this.buf = new FieldBuffer(Math.max(1, this.columns.width));
      }
      return null; // #Version and other comments
    }
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && line.trim() === '') return null;
    const c = this.columns;
    if (c.unusable !== null) return c.unusable;
    const { starts, ends } = this.buf;
    const n = splitTabs(line, this.buf);
    if (n < c.required) return TOO_FEW_FIELDS;

    let endMs: number;
    if (c.epoch !== -1) endMs = parseEpoch(line, starts[c.epoch] as number, ends[c.epoch] as number, c.epochScale);
    else endMs = parseDateTime(line, starts[c.date] as number, ends[c.date] as number, starts[c.time] as number, ends[c.time] as number, UTC);
    if (Number.isNaN(endMs)) return BAD_TIMESTAMP;

    let durationMs: number | null = null;
    if (c.timeTaken !== -1 && c.timeTaken < n) {
      const s = starts[c.timeTaken] as number;
      const e = ends[c.timeTaken] as number;
      if (!(e - s === 1 && line.charCodeAt(s) === 0x2d)) {
        durationMs = parseDecimal(line, s, e, 1000);
        if (Number.isNaN(durationMs)) return BAD_DURATION;
      }
    }
    const status = c.status === -1 ? 0 : intOrDash(line, starts[c.status] as number, ends[c.status] as number);
    if (Number.isNaN(status)) return BAD_STATUS;
    let bytes: number | null = null;
    if (c.bytes !== -1 && c.bytes < n) {
      bytes = intOrDash(line, starts[c.bytes] as number, ends[c.bytes] as number);
      if (Number.isNaN(bytes)) return BAD_BYTES;
      if (bytes < 0) bytes = null;
    }

    const field = (i: number): string => (i !== -1 && i < n ? textOrEmpty(line, starts[i] as number, ends[i] as number) : '');
    let host = field(c.hostHeader);
    if (host === '') host = field(c.csHost);
    host = hostWithoutPort(host);
    // Real-time logs put the query in cs-uri-stem as well.
    let path = field(c.stem);
    let query = field(c.query);
    const q = path.indexOf('?');
    if (q !== -1) {
      if (query === '') query = path.slice(q + 1);
      path = path.slice(0, q);
    }
    const record: LogRecord = {
      timeMs: Math.floor(endMs - (durationMs ?? 0)),
      method: methodOf(line, starts[c.method] as number, ends[c.method] as number),
      path,
      query,
      status: status < 0 ? 0 : status,
      bytes,
      durationMs,
      client: field(c.client),
      userAgent: decodeLoose(field(c.userAgent)),
      referrer: field(c.referrer),
      host,
      source,
    };
    if (this.sessionKey) {
      const value = field(c.key);
      record.sessionKey = c.keyCookie === null || value === '' ? value : cookieValue(decodeLoose(value), c.keyCookie);
    }
    return record;
  }
}

/** TAB-separated fields, up to the buffer's capacity. */
function splitTabs(line: string, buf: FieldBuffer): number {
  const { starts, ends, capacity } = buf;
  let n = 0;
  let i = 0;
  while (n < capacity) {
    let tab = line.indexOf('\t', i);
    if (tab === -1) tab = line.length;
    starts[n] = i;
    ends[n] = tab;
    n++;
    if (tab === line.length) break;
    i = tab + 1;
  }
  buf.count = n;
  return n;
}

export const cloudfront: LineFormat = {
  name: 'cloudfront',
  description: 'Amazon CloudFront standard log (TAB-separated, #Fields header or the standard 33 columns; start = date+time − time-taken)',
  detect: (lines) => scoreSample(new CloudFrontParser(), lines, [RTMP_EVENT]),
  create: (options: FormatOptions) => new CloudFrontParser(options.sessionKey),
  sessionKeys: ['cookie', 'field'],
};
