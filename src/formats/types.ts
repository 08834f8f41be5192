import type { LogRecord } from '../core/types.js';
import type { SessionKey, SessionKeyKind } from './session-key.js';

/**
 * A format turns lines of text into LogRecords. Formats are pure: they never read a file
 * (sources do that), never print, and never throw on bad input: a line they cannot read is
 * a `{ reject }` with a short, stable reason ("bad timestamp", "too few fields", ...).
 */
export type ParseResult = LogRecord | { reject: string } | null;

export interface FormatOptions {
  /** nginx `log_format` string or Apache `LogFormat` string, for the custom formats. */
  logFormat?: string;
  /** Time zone used where a log's timestamps carry none (IANA name or ±HH:MM); default UTC. */
  timeZone?: string;
  /** For JSON formats: our field → JSON path. */
  map?: Record<string, string>;
  /** `--session-key` other than ip+ua: fill `record.sessionKey` with its value (see session-key.ts). */
  sessionKey?: SessionKey;
}

/** Parses the lines of one input. May keep state (W3C `#Fields` headers change mid-file). */
export interface LineParser {
  /**
   * One line (without its newline). `source` is "file:line" and goes into the record.
   * Returns a record, a rejection, or null for lines that are not records (comments, headers,
   * blank lines), which are not counted as rejected.
   */
  parse(line: string, source: string): ParseResult;
}

export interface LineFormat {
  /** Stable name used by `--format`, e.g. "combined", "nginx", "alb". */
  name: string;
  description: string;
  /**
   * How well the first lines of an input match, from 0 (not at all) to 1 (every line).
   * Auto-detection picks the highest score and says which and why.
   */
  detect(sampleLines: string[]): number;
  /** Throws a UsageError when an option cannot be honoured (a `sessionKey` the format does not log). */
  create(options: FormatOptions): LineParser;
  /** The kinds of `--session-key` this format can read; absent: none (ip+ua only). */
  sessionKeys?: readonly SessionKeyKind[];
}

export function isRecord(result: ParseResult): result is LogRecord {
  return result !== null && !('reject' in result);
}
