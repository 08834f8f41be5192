import type { LogRecord } from '../core/types.js';

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
  create(options: FormatOptions): LineParser;
}

export function isRecord(result: ParseResult): result is LogRecord {
  return result !== null && !('reject' in result);
}
