import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { RunContext, TextSink } from '../core/context.js';
import { ExitCode } from '../core/exit-codes.js';
import type { LogRecord } from '../core/types.js';
import { formatReadSummary, readRecords } from './read-records.js';

export interface ParseOptions {
  format?: string | undefined;
  logFormat?: string | undefined;
  map?: Record<string, string> | undefined;
  timeZone?: string | undefined;
  s3Endpoint?: string | undefined;
  s3ClientConfig?: S3ClientConfig | undefined;
}

/** Output is written in pieces of about this many bytes: one write per ~200 records. */
const WRITE_CHARS = 64 * 1024;

/**
 * A sink that can say when what was written has gone out (the CLI's stdout when it is a pipe:
 * `tidemark parse big.log | slow-consumer`). Without it, output of a multi-gigabyte log would
 * pile up in memory. Honoured when the sink has it; `undefined` means "go on".
 */
export type DrainableSink = TextSink & { whenDrained?: () => Promise<void> | undefined };

/**
 * `tidemark parse`: every accepted line as one NDJSON record, inputs one after another and
 * lines in file order (what the formats read, before any merging or model building); what was
 * detected and rejected goes to stderr. Keys, in this order: time (ISO 8601 UTC, the request's
 * start), method, path, query, status, bytes, durationMs, client, userAgent, referrer, host,
 * source ("file:line").
 */
export async function runParse(specs: string[], options: ParseOptions, ctx: RunContext): Promise<number> {
  const stream = await readRecords(
    specs,
    {
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.logFormat !== undefined ? { logFormat: options.logFormat } : {}),
      ...(options.map !== undefined ? { map: options.map } : {}),
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
      order: 'input',
      s3: { endpoint: options.s3Endpoint, env: ctx.env, clientConfig: options.s3ClientConfig },
    },
    { cwd: ctx.cwd, stdin: ctx.stdin },
  );
  const encoder = new NdjsonEncoder(WRITE_CHARS);
  const sink = ctx.stdout as DrainableSink;
  const flush = (): Promise<void> | undefined => {
    if (encoder.empty) return undefined;
    sink.write(encoder.take());
    return sink.whenDrained?.();
  };
  try {
    for await (const batch of stream.batches) {
      for (let i = 0; i < batch.length; i++) {
        if (encoder.add(batch[i] as LogRecord)) {
          const drained = flush();
          if (drained) await drained;
        }
      }
      if (ctx.signal.aborted) break;
    }
  } finally {
    // What was parsed before an error (a truncated gzip) is still printed, then the error.
    await flush();
  }
  ctx.stderr.write(formatReadSummary(stream.stats));
  const { stats } = stream;
  const rejected = stats.sources.reduce((n, s) => n + s.rejected, 0);
  ctx.stderr.write(`parsed ${stats.lines} lines from ${stats.sources.length} input${stats.sources.length === 1 ? '' : 's'}: ${stats.accepted} records, ${rejected} rejected\n`);
  return ExitCode.OK;
}

/** Characters that JSON must escape, and any non-ASCII (left to JSON.stringify to be safe). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

function str(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function num(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'null' : String(value);
}

/**
 * One record → one JSON line, the same text as JSON.stringify would give. Built by hand: the
 * string fields are checked for characters JSON must escape with one scan of all of them
 * together (they rarely have any), and the ISO date of the current second is cached (records
 * come in bursts within a second; Date#toISOString would otherwise be the most expensive part).
 */
export function recordWriter(): (record: LogRecord) => string {
  let cachedSec = NaN;
  let cachedPrefix = '';
  const iso = (ms: number): string => {
    if (!Number.isFinite(ms)) return 'null';
    const sec = Math.floor(ms / 1000);
    if (sec !== cachedSec) {
      const date = new Date(sec * 1000);
      if (Number.isNaN(date.getTime())) return 'null';
      cachedSec = sec;
      cachedPrefix = date.toISOString().slice(0, -5); // without ".000Z"
    }
    const milli = Math.floor(ms - sec * 1000);
    return `"${cachedPrefix}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z"`;
  };
  return (r) => {
    const { method, path, query, client, userAgent, referrer, host, source } = r;
    const q = NEEDS_ESCAPE.test(method + path + query + client + userAgent + referrer + host + source) ? str : raw;
    return (
      `{"time":${iso(r.timeMs)},"method":${q(method)},"path":${q(path)},"query":${q(query)},"status":${num(r.status)},` +
      `"bytes":${num(r.bytes)},"durationMs":${num(r.durationMs)},"client":${q(client)},"userAgent":${q(userAgent)},` +
      `"referrer":${q(referrer)},"host":${q(host)},"source":${q(source)}}\n`
    );
  };
}

function raw(value: string): string {
  return `"${value}"`;
}

/**
 * The NDJSON of many records, encoded straight into one reused byte buffer: the same bytes as
 * `recordWriter` gives, without building a string per record (a template of 25 pieces, an
 * escape scan of their concatenation, then a join: about 2 µs a record in all).
 *
 * A record's strings are written as UTF-8 in one native call, then copied byte by byte into
 * place while checking that none needs JSON escaping (quote, backslash, control characters) or
 * is outside printable ASCII; a record with any such character (rare in access logs) is written
 * from `recordWriter`'s text instead, so the output is always exactly what JSON.stringify gives. The buffer holds UTF-8; `take()`
 * returns it as a string. Memory: one buffer of `size` bytes plus the longest single record.
 */
export class NdjsonEncoder {
  private buffer: Buffer;
  private pos = 0;
  private readonly slow = recordWriter();
  private cachedSec = NaN;
  private readonly prefix = new Uint8Array(19); // 2026-11-27T20:00:00
  private scratch = Buffer.allocUnsafe(4096);

  constructor(private readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size + 1024);
  }

  get empty(): boolean {
    return this.pos === 0;
  }

  /** The encoded records so far, as text; the buffer starts over. */
  take(): string {
    const text = this.buffer.toString('utf8', 0, this.pos);
    this.pos = 0;
    return text;
  }

  /** Encodes one record; true once the buffer holds `size` bytes or more (time to `take`). */
  add(r: LogRecord): boolean {
    const { method, path, query, client, userAgent, referrer, host, source } = r;
    // The strings, in one native UTF-8 write: a byte per character exactly when all are ASCII.
    // (Reading them one character at a time from JavaScript is slow: they come in several
    // string representations (slices of the line, concatenations, literals) and the loop over
    // them does not stay optimized.)
    const all = method + path + query + client + userAgent + referrer + host + source;
    const n = all.length;
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(n * 2);
    const most = n + 240; // keys, punctuation, time and numbers take less than 240 bytes
    if (this.pos + most > this.buffer.length) this.grow(most);
    const start = this.pos;
    const b = this.buffer;
    const s = this.scratch;
    let p = -1;
    if (s.write(all, 0, 'utf8') === n) {
      let at = 0;
      p = put(b, start, K_TIME);
      p = this.time(b, p, r.timeMs);
      if (p >= 0) p = put(b, p, K_METHOD);
      if (p >= 0) p = quoted(b, p, s, at, (at += method.length));
      if (p >= 0) p = put(b, p, K_PATH);
      if (p >= 0) p = quoted(b, p, s, at, (at += path.length));
      if (p >= 0) p = put(b, p, K_QUERY);
      if (p >= 0) p = quoted(b, p, s, at, (at += query.length));
      if (p >= 0) p = put(b, p, K_STATUS);
      if (p >= 0) p = putNumber(b, p, r.status);
      if (p >= 0) p = put(b, p, K_BYTES);
      if (p >= 0) p = putNumber(b, p, r.bytes);
      if (p >= 0) p = put(b, p, K_DURATION);
      if (p >= 0) p = putNumber(b, p, r.durationMs);
      if (p >= 0) p = put(b, p, K_CLIENT);
      if (p >= 0) p = quoted(b, p, s, at, (at += client.length));
      if (p >= 0) p = put(b, p, K_USER_AGENT);
      if (p >= 0) p = quoted(b, p, s, at, (at += userAgent.length));
      if (p >= 0) p = put(b, p, K_REFERRER);
      if (p >= 0) p = quoted(b, p, s, at, (at += referrer.length));
      if (p >= 0) p = put(b, p, K_HOST);
      if (p >= 0) p = quoted(b, p, s, at, (at += host.length));
      if (p >= 0) p = put(b, p, K_SOURCE);
      if (p >= 0) p = quoted(b, p, s, at, n);
      if (p >= 0) p = put(b, p, K_END);
    }
    if (p < 0) {
      // Something to escape, or not ASCII: the general writer's text, as UTF-8.
      const line = this.slow(r);
      const bytes = Buffer.byteLength(line, 'utf8');
      if (start + bytes > this.buffer.length) this.grow(bytes);
      p = start + this.buffer.write(line, start, 'utf8');
    }
    this.pos = p;
    return p >= this.size;
  }

  /** `"2026-11-27T20:00:00.123Z"` (or `null`), the second's text cached. */
  private time(b: Buffer, p: number, ms: number): number {
    if (!Number.isFinite(ms)) return put(b, p, NULL);
    const sec = Math.floor(ms / 1000);
    if (sec !== this.cachedSec) {
      const date = new Date(sec * 1000);
      if (Number.isNaN(date.getTime())) return put(b, p, NULL);
      const text = date.toISOString();
      // Years beyond 9999 (or before 0) are longer: leave those to the general writer.
      if (text.length !== 24) return -1;
      for (let i = 0; i < 19; i++) this.prefix[i] = text.charCodeAt(i);
      this.cachedSec = sec;
    }
    const milli = Math.floor(ms - sec * 1000);
    b[p++] = 0x22;
    const prefix = this.prefix;
    for (let i = 0; i < 19; i++) b[p++] = prefix[i] as number;
    b[p++] = 0x2e;
    b[p++] = 48 + Math.floor(milli / 100);
    b[p++] = 48 + (Math.floor(milli / 10) % 10);
    b[p++] = 48 + (milli % 10);
    b[p++] = 0x5a;
    b[p++] = 0x22;
    return p;
  }

  private grow(need: number): void {
    if (this.pos + need <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + need + 1024));
    this.buffer.copy(bigger, 0, 0, this.pos);
    this.buffer = bigger;
  }
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const K_TIME = ascii('{"time":');
const K_METHOD = ascii(',"method":');
const K_PATH = ascii(',"path":');
const K_QUERY = ascii(',"query":');
const K_STATUS = ascii(',"status":');
const K_BYTES = ascii(',"bytes":');
const K_DURATION = ascii(',"durationMs":');
const K_CLIENT = ascii(',"client":');
const K_USER_AGENT = ascii(',"userAgent":');
const K_REFERRER = ascii(',"referrer":');
const K_HOST = ascii(',"host":');
const K_SOURCE = ascii(',"source":');
const K_END = ascii('}\n');
const NULL = ascii('null');

function put(b: Buffer, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) b[p++] = bytes[i] as number;
  return p;
}

/** from[start, end) as a quoted JSON string when it is printable ASCII needing no escape; else -1. */
function quoted(b: Buffer, p: number, from: Buffer, start: number, end: number): number {
  b[p++] = 0x22;
  for (let i = start; i < end; i++) {
    const c = from[i] as number;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    b[p++] = c;
  }
  b[p++] = 0x22;
  return p;
}

/** As `String(value)` does (null and non-finite: `null`); integers digit by digit. */
function putNumber(b: Buffer, p: number, value: number | null): number {
  if (value === null || !Number.isFinite(value)) return put(b, p, NULL);
  if (Number.isInteger(value) && value >= 0 && value < 1e15) {
    if (value < 10) {
      b[p++] = 48 + value;
      return p;
    }
    let digits = 0;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
    let v = value;
    for (let i = p + digits - 1; i >= p; i--) {
      b[i] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    return p + digits;
  }
  const text = String(value);
  for (let i = 0; i < text.length; i++) b[p++] = text.charCodeAt(i);
  return p;
}

