import type { LogRecord } from '../core/types.js';
import {
  BAD_BYTES,
  BAD_DURATION,
  BAD_STATUS,
  BAD_TIMESTAMP,
  hostWithoutPort,
  parseDay,
  parseTimeOfDay,
  rejection,
  scoreSample,
  TOO_FEW_FIELDS,
} from './aws-fields.js';
import { intOrDash, methodOf } from './fields.js';
import { cookieValue, type SessionKey } from './session-key.js';
import { parseDecimal, UTC, zoneResolver, type ZoneResolver } from './time.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from './types.js';

/*
 * W3C extended log format (https://www.w3.org/TR/WD-logfile) as IIS and others write it:
 * directives (`#Software`, `#Version`, `#Date`, `#Fields: date time cs-method …`) name the
 * columns, and a new `#Fields` may come at any point (IIS starts a new header block when the
 * configuration changes, even mid-file), so the parser is stateful. Without a header the IIS
 * default columns are assumed. A line with fewer values than the current header names is read
 * with an earlier header (or the IIS default) of exactly that many columns, if there is one:
 * Filebeat's IIS fixture has such lines after a header that changed the field set.
 *
 * Values are separated by spaces (runs of spaces in Oracle Web Cache logs). IIS writes spaces
 * inside values as `+` (user agents); IIS Advanced Logging and Incapsula quote values instead,
 * with `""` for a quote inside. `-` (and `""`) is an empty value.
 *
 * Times: `date` `time` are UTC (IIS), or local with a `#GMT-Offset` directive (Oracle);
 * `date-local` `time-local` are read in --log-tz. A log with `time` only takes its date from
 * `#Date`. `date time` is when the response was sent; the request started `time-taken` earlier
 * (milliseconds, as IIS logs it; `TimeTakenMS` in Advanced Logging).
 *
 * Lines whose method is not a word (`[2]USER` in IIS FTP logs) are not HTTP requests: rejected.
 *
 * `--session-key`: field:NAME is column NAME (field:cs-username), header:NAME is column
 * cs(NAME), cookie:NAME is that cookie in cs(Cookie). The columns come from the #Fields lines,
 * which may change mid-file, so a line whose header lacks the column has no key (the model
 * falls back to ip+ua for it and counts it) rather than failing the import.
 */

const IIS_DEFAULT_FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status ' +
  'sc-substatus sc-win32-status time-taken';

const BAD_METHOD = rejection('not an HTTP method');
const FTP_COMMAND = rejection('FTP command (not an HTTP request)');
const NO_DATE = rejection('no date (time-only log without a #Date directive)');
const MAX_FIELDS = 128;

interface Columns {
  /** Number of columns the header names. */
  count: number;
  date: number;
  time: number;
  /** `date-local`/`time-local`: read in the configured zone. */
  local: boolean;
  method: number;
  stem: number;
  query: number;
  uri: number;
  status: number;
  bytes: number;
  timeTaken: number;
  client: number;
  userAgent: number;
  referrer: number;
  host: number;
  /** The `--session-key` column (-1: none), and the cookie to take from it. */
  key: number;
  keyCookie: string | null;
  /** Fields a line must have (time, date, method, path). */
  required: number;
  unusable: { reject: string } | null;
}

function w3cColumns(names: string[], sessionKey?: SessionKey): Columns {
  const index = (...aliases: string[]): number => {
    for (const alias of aliases) {
      const i = names.indexOf(alias);
      if (i !== -1) return i;
    }
    return -1;
  };
  let date = index('date');
  let time = index('time');
  let local = false;
  if (time === -1) {
    date = index('date-local');
    time = index('time-local');
    local = time !== -1;
  }
  const c: Columns = {
    count: names.length,
    date,
    time,
    local,
    method: index('cs-method'),
    stem: index('cs-uri-stem'),
    query: index('cs-uri-query'),
    uri: index('cs-uri'),
    status: index('sc-status'),
    bytes: index('sc-bytes', 'bytes'),
    timeTaken: index('time-taken', 'timetakenms'),
    client: index('c-ip'),
    userAgent: index('cs(user-agent)'),
    referrer: index('cs(referer)', 'cs(referrer)'),
    host: index('cs-host', 'cs(host)'),
    key: sessionKey ? index(keyColumn(sessionKey)) : -1,
    keyCookie: sessionKey?.kind === 'cookie' ? sessionKey.name : null,
    required: 0,
    unusable: null,
  };
  const missing = [c.time === -1 ? 'time' : '', c.method === -1 ? 'cs-method' : '', c.stem === -1 && c.uri === -1 ? 'cs-uri-stem' : ''].filter((m) => m !== '');
  if (missing.length > 0) c.unusable = rejection(`#Fields lacks ${missing.join(', ')}`);
  c.required = Math.max(c.date, c.time, c.method, c.stem === -1 ? c.uri : c.stem) + 1;
  return c;
}

function keyColumn(key: SessionKey): string {
  const name = key.name.toLowerCase();
  return key.kind === 'field' ? name : key.kind === 'header' ? `cs(${name})` : 'cs(cookie)';
}

const IIS_DEFAULT_NAMES = IIS_DEFAULT_FIELDS.toLowerCase().split(' ');
const IIS_DEFAULT = w3cColumns(IIS_DEFAULT_NAMES);

class W3cParser implements LineParser {
  private readonly defaults: Columns;
  private columns: Columns;
  private readonly starts = new Int32Array(MAX_FIELDS);
  private readonly ends = new Int32Array(MAX_FIELDS);
  /** 1 where the value was quoted (and so has no `+` for spaces), 2 where it also holds `""`. */
  private readonly quoted = new Uint8Array(MAX_FIELDS);
  /** Days since the epoch from `#Date`, for logs that only have `time`. */
  private headerDay = NaN;
  /** `#GMT-Offset`, for `date time` logged in local time. */
  private offsetZone: ZoneResolver = UTC;
  /** Every #Fields seen so far, oldest first. */
  private readonly seen: Columns[] = [];

  constructor(
    private readonly localZone: ZoneResolver,
    private readonly sessionKey?: SessionKey,
  ) {
    this.defaults = sessionKey ? w3cColumns(IIS_DEFAULT_NAMES, sessionKey) : IIS_DEFAULT;
    this.columns = this.defaults;
  }

  parse(line: string, source: string): ParseResult {
    if (line.length === 0) return null;
    if (line.charCodeAt(0) === 0x23) {
      this.directive(line);
      return null;
    }
    const n = this.split(line);
    if (n === 0) return null; // blank (spaces only)
    const c = n < this.columns.count ? this.columnsFor(n) : this.columns;
    if (c.unusable !== null) return c.unusable;
    if (n < c.required) return TOO_FEW_FIELDS;
    const { starts, ends } = this;

    // Time.
    const ts = starts[c.time] as number;
    const te = ends[c.time] as number;
    const day = c.date === -1 ? this.headerDay : parseDay(line, starts[c.date] as number, ends[c.date] as number);
    const timeOfDay = parseTimeOfDay(line, ts, te);
    if (Number.isNaN(day) || Number.isNaN(timeOfDay)) return c.date === -1 && Number.isNaN(this.headerDay) && !Number.isNaN(timeOfDay) ? NO_DATE : BAD_TIMESTAMP;
    const wallMs = day * 86_400_000 + timeOfDay;
    const endMs = c.local ? this.localZone(wallMs) : this.offsetZone(wallMs);

    // Method: a word, or `-`.
    const ms = starts[c.method] as number;
    const me = ends[c.method] as number;
    let method = '';
    if (!(me - ms === 1 && line.charCodeAt(ms) === 0x2d) && me > ms) {
      for (let i = ms; i < me; i++) {
        const ch = line.charCodeAt(i) | 0x20;
        if (ch < 0x61 || ch > 0x7a) return isFtpCommand(line, ms, me) ? FTP_COMMAND : BAD_METHOD;
      }
      method = methodOf(line, ms, me);
    }

    let durationMs: number | null = null;
    if (c.timeTaken !== -1 && c.timeTaken < n) {
      const s = starts[c.timeTaken] as number;
      const e = ends[c.timeTaken] as number;
      if (e > s && !(e - s === 1 && line.charCodeAt(s) === 0x2d)) {
        durationMs = parseDecimal(line, s, e, 1);
        if (Number.isNaN(durationMs)) return BAD_DURATION;
      }
    }
    let status = 0;
    if (c.status !== -1 && c.status < n && ends[c.status] !== starts[c.status]) {
      status = intOrDash(line, starts[c.status] as number, ends[c.status] as number);
      if (Number.isNaN(status)) return BAD_STATUS;
      if (status < 0) status = 0;
    }
    let bytes: number | null = null;
    if (c.bytes !== -1 && c.bytes < n && ends[c.bytes] !== starts[c.bytes]) {
      bytes = intOrDash(line, starts[c.bytes] as number, ends[c.bytes] as number);
      if (Number.isNaN(bytes)) return BAD_BYTES;
      if (bytes < 0) bytes = null;
    }

    let path: string;
    let query = '';
    let host = this.value(line, c.host, n, false);
    if (c.stem !== -1) {
      path = this.value(line, c.stem, n, false);
    } else {
      // cs-uri: `/path?query`, an absolute URL, or `host/path` (Incapsula).
      const uri = this.value(line, c.uri, n, false);
      let rest = uri;
      const scheme = uri.indexOf('://');
      if (uri.charCodeAt(0) !== 0x2f && (scheme !== -1 || uri.indexOf('/') > 0)) {
        const from = scheme === -1 ? 0 : scheme + 3;
        let slash = uri.indexOf('/', from);
        if (slash === -1) slash = uri.length;
        if (host === '') host = uri.slice(from, slash);
        rest = slash === uri.length ? '/' : uri.slice(slash);
      }
      const q = rest.indexOf('?');
      path = q === -1 ? rest : rest.slice(0, q);
      query = q === -1 ? '' : rest.slice(q + 1);
    }
    if (c.query !== -1) {
      const q = this.value(line, c.query, n, false);
      if (q !== '') query = q;
    }

    const record: LogRecord = {
      timeMs: Math.floor(endMs - (durationMs ?? 0)),
      method,
      path,
      query,
      status,
      bytes,
      durationMs,
      client: this.value(line, c.client, n, false),
      userAgent: this.value(line, c.userAgent, n, true),
      referrer: this.value(line, c.referrer, n, false),
      host: hostWithoutPort(host),
      source,
    };
    if (this.sessionKey) {
      // IIS writes spaces as `+` in headers and cookies, never in a username.
      const value = this.value(line, c.key, n, c.keyCookie !== null || this.sessionKey.kind === 'header');
      record.sessionKey = c.keyCookie === null || value === '' ? value : cookieValue(value, c.keyCookie);
    }
    return record;
  }

  /**
   * The columns for a line shorter than the current #Fields: those of an earlier header (or
   * IIS's default) with exactly as many columns, else the current ones. Filebeat's IIS fixture
   * has such lines after a header block that changed the field set.
   */
  private columnsFor(n: number): Columns {
    for (let k = this.seen.length - 1; k >= 0; k--) {
      const c = this.seen[k] as Columns;
      if (c.count === n && c.unusable === null) return c;
    }
    return this.defaults.count === n ? this.defaults : this.columns;
  }

  private directive(line: string): void {
    if (line.startsWith('#Fields:')) {
      const names = line.slice(8).trim().toLowerCase().split(/\s+/).filter((name) => name !== '');
      this.columns = w3cColumns(names, this.sessionKey);
      this.seen.push(this.columns);
      if (this.seen.length > 16) this.seen.shift();
    } else if (line.startsWith('#Date:')) {
      const text = line.slice(6).trim();
      const day = parseDay(text, 0, Math.min(10, text.length));
      if (!Number.isNaN(day)) this.headerDay = day;
    } else if (line.startsWith('#GMT-Offset:')) {
      try {
        this.offsetZone = zoneResolver(line.slice(12).trim());
      } catch {
        this.offsetZone = UTC; // not an offset we can read: keep UTC
      }
    }
  }

  /** A column's value: '' for `-` and missing columns; `+` → space where IIS put it for one. */
  private value(line: string, i: number, n: number, plusIsSpace: boolean): string {
    if (i === -1 || i >= n) return '';
    const s = this.starts[i] as number;
    const e = this.ends[i] as number;
    if (s === e || (e - s === 1 && line.charCodeAt(s) === 0x2d)) return '';
    const text = line.slice(s, e);
    const quoted = this.quoted[i] as number;
    if (quoted === 2) return text.replaceAll('""', '"');
    if (quoted === 0 && plusIsSpace && text.indexOf('+') !== -1) return text.replaceAll('+', ' ');
    return text;
  }

  /** Space-separated values, `"quoted"` ones with `""` inside; at most MAX_FIELDS of them. */
  private split(line: string): number {
    const { starts, ends, quoted } = this;
    const len = line.length;
    let n = 0;
    let i = 0;
    while (n < MAX_FIELDS) {
      while (i < len && (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x0d)) i++;
      if (i >= len) break;
      if (line.charCodeAt(i) === 0x22) {
        let j = i + 1;
        let doubled = false;
        for (;;) {
          j = line.indexOf('"', j);
          if (j === -1) {
            j = len;
            break;
          }
          if (line.charCodeAt(j + 1) === 0x22) {
            doubled = true; // `""`: a quote inside the value
            j += 2;
            continue;
          }
          break;
        }
        starts[n] = i + 1;
        ends[n] = j;
        quoted[n] = doubled ? 2 : 1;
        i = j + 1;
      } else {
        let j = line.indexOf(' ', i);
        if (j === -1) j = len;
        starts[n] = i;
        ends[n] = j;
        quoted[n] = 0;
        i = j;
      }
      n++;
    }
    return n;
  }
}


/** IIS FTP logs put the session number before the command: `[2]USER`, `[13]sent`. */
function isFtpCommand(line: string, start: number, end: number): boolean {
  const close = line.indexOf(']', start);
  if (line.charCodeAt(start) !== 0x5b || close < start + 2 || close >= end - 1) return false;
  for (let i = start + 1; i < close; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  for (let i = close + 1; i < end; i++) {
    const c = line.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

export const w3c: LineFormat = {
  name: 'w3c',
  description: 'W3C extended log format / IIS (#Fields header, may change mid-file; start = date time − time-taken ms)',
  detect: (lines) => scoreSample(new W3cParser(UTC), lines, [FTP_COMMAND]),
  create: (options: FormatOptions) => new W3cParser(zoneResolver(options.timeZone), options.sessionKey),
  sessionKeys: ['cookie', 'header', 'field'],
};
