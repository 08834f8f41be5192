import type { LogRecord } from '../core/types.js';
import type { SessionKeyKind } from './session-key.js';
import type { FormatOptions } from './types.js';

/**
 * A record a stream format could not read, with where it was ("file:entry 12", "file:34").
 * Counted by reason like a rejected line.
 */
export interface StreamReject {
  reject: string;
  source: string;
}

/**
 * What a stream format yields per item it read (an entry, a row): a record, a rejection, or
 * null for an item that is not a request (a GA4 event other than page_view), which is counted
 * as read but neither accepted nor rejected, like a LineParser's null.
 */
export type StreamItem = LogRecord | StreamReject | null;

/**
 * A format read as a whole stream rather than line by line: one JSON document (HAR, a JSON
 * array of events) or a CSV with a header row. Pure like a LineFormat: it gets the bytes of one
 * input (already decompressed by the sources) and never opens anything itself.
 *
 * Errors: bad items are yielded as rejections; a structural error that stops the whole input
 * (truncated JSON, a CSV header without the mapped columns) is thrown as an InputError naming
 * the input and how far it got. Bad options throw a UsageError from `validate`.
 */
export interface StreamFormat {
  /** Stable name used by `--format`. */
  name: string;
  description: string;
  /**
   * How well the start of an input (its first bytes decoded as UTF-8, a few KiB; may end in
   * the middle of a value) matches, from 0 to 1. Formats that need options (a mapping) return 0.
   */
  detect(head: string): number;
  /** Checks the options before any input is read; throws a UsageError listing every problem. */
  validate(options: FormatOptions): void;
  /** The kinds of `--session-key` this format can read; absent: none (ip+ua only). */
  sessionKeys?: readonly SessionKeyKind[];
  /** Reads one input. `sourceName` goes into each record's `source`. */
  parse(bytes: AsyncIterable<Buffer>, sourceName: string, options: FormatOptions): AsyncIterable<StreamItem>;
}

export function isStreamReject(item: StreamItem): item is StreamReject {
  return item !== null && 'reject' in item;
}
