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

/** Output is written in pieces of about this many characters: one write per ~150 records. */
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
  const toLine = recordWriter();
  // Lines are collected and joined once per write: cheaper than growing one string by `+=`.
  let lines: string[] = [];
  let chars = 0;
  const sink = ctx.stdout as DrainableSink;
  const flush = (): Promise<void> | undefined => {
    if (lines.length === 0) return undefined;
    sink.write(lines.join(''));
    lines = [];
    chars = 0;
    return sink.whenDrained?.();
  };
  try {
    for await (const batch of stream.batches) {
      for (const record of batch) {
        const line = toLine(record);
        lines.push(line);
        chars += line.length;
        if (chars >= WRITE_CHARS) {
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
