import { InputError, isTidemarkError, UsageError } from '../core/errors.js';
import type { LogRecord } from '../core/types.js';
import { DETECT_SAMPLE_LINES, detectFormat, formatFromLogFormat, formats as registry, getFormat } from '../formats/index.js';
import type { FormatOptions, LineFormat, LineParser } from '../formats/types.js';
import { peekBytes, readLineBatches, resolveSources, type InputSource, type LineItem, type SourceIO } from '../sources/index.js';
import { streamFormats } from '../formats/stream-registry.js';
import type { StreamFormat } from '../formats/stream-types.js';
import type { S3SourceOptions } from '../sources/s3.js';
import { gaCsvFormat, summarizeAggregate, type AggregateSummary } from '../formats/ga-csv.js';
import { unsupportedSessionKey, type SessionKey, type SessionKeyKind } from '../formats/session-key.js';

export interface ReadRecordsOptions {
  /** A registered format name (`combined`, `nginx`, ...); detected per input when absent. */
  format?: string;
  /** An nginx log_format or Apache LogFormat string (with `format` nginx/apache, or alone). */
  logFormat?: string;
  /** For timestamps logged without an offset (IANA name or ±HH:MM); default UTC. */
  timeZone?: string;
  /** For JSON and event formats: our field → JSON path or column (`--map time=ts`). */
  map?: Record<string, string>;
  /**
   * `--session-key` (other than ip+ua): each format fills `record.sessionKey`; a format that
   * cannot read this kind of key fails with a UsageError before its input is read.
   */
  sessionKey?: SessionKey;
  /** Lines longer than this are rejected as 'line too long'. Default 64 KiB. */
  maxLineBytes?: number;
  /** Formats to detect from (default: the registry); for tests. */
  formats?: LineFormat[];
  /**
   * `time` (the default): several inputs are merged into time order (see mergeByTime);
   * `input`: inputs one after another, lines in file order (what `tidemark parse` prints).
   */
  order?: 'time' | 'input';
  /** Inputs open and read ahead at once when merging (16); more join when their times overlap. */
  concurrency?: number;
  /** For `s3://` inputs: endpoint, environment, client configuration. */
  s3?: S3SourceOptions;
}

export interface SourceStats {
  name: string;
  format: string;
  /** Why this format: "combined: 48/50 sample lines matched", or "--format combined". */
  reason: string;
  lines: number;
  accepted: number;
  rejected: number;
}

export interface ReadStats {
  sources: SourceStats[];
  /** By reason ("does not match format", "bad timestamp", "line too long", "binary", ...). */
  rejected: Record<string, { count: number; examples: string[] }>;
  lines: number;
  accepted: number;
  /**
   * Aggregated reports (GA CSV exports) among the inputs: they give no records, only what
   * `summarizeAggregate` finds (page mix, pages per session, sessions per hour, ...).
   */
  aggregates: { source: string; summary: AggregateSummary; notes: string[] }[];
}

export interface RecordStream {
  /**
   * Records merged by time across inputs (each input in its own order), or with `order: 'input'`
   * inputs one after another. Either way each input's lines stay in file order.
   */
  records: AsyncIterable<LogRecord>;
  /** The same records in batches (one per chunk read): cheaper per record. Consume one of the two (once). */
  batches: AsyncIterable<LogRecord[]>;
  /** Filled while the records are consumed; complete when they are. */
  stats: ReadStats;
}

const MAX_EXAMPLES = 5;
/** Inputs opened and read ahead at once when merging. */
export const DEFAULT_CONCURRENCY = 16;
/**
 * Inputs open at once at most, however many overlap in time: each costs about 0.5 MB (a
 * parsed batch, one read ahead, stream buffers), so this bounds memory and file handles.
 */
export const MAX_OPEN_INPUTS = 128;
/** Records per batch the merge hands on. */
const MERGED_BATCH = 1024;

/**
 * Reads every input of `specs` (files, directories, globs, `-`, `s3://bucket/prefix`) and
 * parses its lines into records; several inputs are merged into time order (mergeByTime)
 * unless `order: 'input'`. Inputs and options are checked up front (every missing input or
 * bucket is listed at once); the format of each input is detected from its first lines unless
 * given. Unreadable lines are counted by reason in `stats`, never fatal; a truncated gzip or an
 * unrecognized format is (an InputError naming the input).
 */
export async function readRecords(specs: string[], options: ReadRecordsOptions, io: SourceIO): Promise<RecordStream> {
  const formatOptions: FormatOptions = {};
  if (options.timeZone !== undefined) formatOptions.timeZone = options.timeZone;
  if (options.logFormat !== undefined) formatOptions.logFormat = options.logFormat;
  if (options.map !== undefined) formatOptions.map = options.map;
  // Detection compares formats on what they read, whatever the session key.
  const detectOptions: FormatOptions = { ...formatOptions };
  if (options.sessionKey !== undefined) formatOptions.sessionKey = options.sessionKey;
  // Whole-document formats (HAR, JSON exports) are chosen by name or detected from the first bytes.
  const fixedStream = options.format !== undefined ? streamFormats.find((f) => f.name === options.format) : undefined;
  if (fixedStream) checkStreamFormat(fixedStream, formatOptions);
  // Aggregated reports (no row per request) likewise, by name or from the first bytes.
  const fixedAggregate = options.format === gaCsvFormat.name;
  const fixed = fixedStream || fixedAggregate ? null : chooseFixedFormat(options);
  // Create once now so that a bad --log-format, --log-tz or --session-key fails before any input is read.
  if (fixed) {
    checkSessionKey(fixed.format, formatOptions.sessionKey);
    fixed.format.create(formatOptions);
  } else if (options.timeZone !== undefined) (options.formats ?? registry)[0]?.create(detectOptions);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency: expected a whole number ≥ 1, got ${String(concurrency)}`);
  const sources = await resolveSources(specs, io, options.s3 ? { s3: options.s3 } : {});

  const stats: ReadStats = { sources: [], rejected: {}, lines: 0, accepted: 0, aggregates: [] };
  const reject = (reason: string, where: string, source: SourceStats): void => {
    source.rejected++;
    let entry = stats.rejected[reason];
    if (!entry) {
      entry = { count: 0, examples: [] };
      stats.rejected[reason] = entry;
    }
    entry.count++;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(where);
  };

  // stats.sources stays in input order, however the opens of concurrent inputs interleave.
  const statsIndex: number[] = [];
  const addSourceStats = (sourceStats: SourceStats, index: number): void => {
    let at = statsIndex.length;
    while (at > 0 && (statsIndex[at - 1] as number) > index) at--;
    statsIndex.splice(at, 0, index);
    stats.sources.splice(at, 0, sourceStats);
  };

  async function* readSource(input: InputSource, index: number): AsyncGenerator<LogRecord[]> {
    const sourceStats: SourceStats = { name: input.name, format: '', reason: '', lines: 0, accepted: 0, rejected: 0 };
    addSourceStats(sourceStats, index);
    // Peek at the first bytes: a HAR or a JSON export is read as one document, not as lines.
    const peeked = await peekBytes(await input.open(), STREAM_DETECT_BYTES);
    const replay = (): AsyncGenerator<Buffer> => peeked.replay();
    const head = peeked.head.toString('utf8');
    const chosen = fixedStream ?? (fixed || fixedAggregate ? undefined : detectStream(head));
    if (!chosen && (fixedAggregate || (!fixed && gaCsvFormat.detect(head) >= AGGREGATE_DETECT_SCORE))) {
      const report = await gaCsvFormat.parse(replay(), input.name);
      const rows = report.sections.reduce((n, section) => n + section.rows.length + (section.totals ? 1 : 0), 0);
      sourceStats.format = gaCsvFormat.name;
      sourceStats.reason = fixedAggregate ? `--format ${gaCsvFormat.name}` : `${gaCsvFormat.name}: detected from the first bytes (${gaCsvFormat.description})`;
      sourceStats.lines = rows;
      sourceStats.accepted = rows;
      stats.lines += rows;
      stats.aggregates.push({ source: input.name, summary: summarizeAggregate(report), notes: report.notes });
      return;
    }
    if (chosen && !fixedStream && formatOptions.sessionKey) checkStreamFormat(chosen, formatOptions, input.name);
    if (chosen) {
      sourceStats.format = chosen.name;
      sourceStats.reason = fixedStream ? `--format ${chosen.name}` : `${chosen.name}: detected from the first bytes (${chosen.description})`;
      let batch: LogRecord[] = [];
      for await (const item of chosen.parse(replay(), input.name, formatOptions)) {
        sourceStats.lines++;
        stats.lines++;
        if (item === null) continue;
        if ('reject' in item) reject(item.reject, item.source, sourceStats);
        else {
          batch.push(item);
          sourceStats.accepted++;
          stats.accepted++;
          if (batch.length >= 1000) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
      return;
    }
    // The chunks go straight to the line splitter: a Readable in between would read up to 16
    // chunks (4 MB) ahead of the parser for nothing (the file stream reads ahead on its own).
    const lines = readLineBatches(replay(), input.name, options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes });
    const iterator = lines[Symbol.asyncIterator]();
    try {
      yield* parseSource(input, sourceStats, iterator);
    } finally {
      // Closes the file when detection fails or the consumer stops early.
      await iterator.return(undefined);
    }
  }

  async function* parseSource(input: InputSource, sourceStats: SourceStats, iterator: AsyncIterator<LineItem[]>): AsyncGenerator<LogRecord[]> {
    // Lines read for detection are kept and replayed through the parser.
    const buffered: LineItem[][] = [];
    let parser: LineParser | null = null;
    if (fixed) {
      parser = fixed.format.create(formatOptions);
      sourceStats.format = fixed.format.name;
      sourceStats.reason = fixed.reason;
    } else {
      const sample: string[] = [];
      while (sample.length < DETECT_SAMPLE_LINES) {
        const next = await iterator.next();
        if (next.done) break;
        buffered.push(next.value);
        for (const item of next.value) if ('line' in item && item.line.trim() !== '') sample.push(item.line);
      }
      if (sample.length > 0) {
        const detection = detectIn(input.name, sample, { ...detectOptions, ...(options.formats ? { formats: options.formats } : {}) });
        parser = createDetected(detection.format, formatOptions, input.name);
        sourceStats.format = detection.format.name;
        sourceStats.reason = detection.reason;
      } else {
        sourceStats.format = '-';
        sourceStats.reason = 'no non-empty lines';
      }
    }
    const name = input.name;
    const prefix = `${name}:`;
    const parseBatch = (batch: LineItem[]): LogRecord[] => {
      const out: LogRecord[] = [];
      sourceStats.lines += batch.length;
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i] as LineItem;
        // (A property read, not `in`: the three kinds of item have different shapes.)
        const line = (item as { line?: string }).line;
        if (line !== undefined) {
          if (parser === null) continue; // only blank lines and unreadable ones
          const where = prefix + item.lineNo;
          const result = parser.parse(line, where);
          if (result === null) continue;
          if ('reject' in result) reject(result.reject, where, sourceStats);
          else out.push(result);
        } else if ('tooLong' in item) reject('line too long', prefix + item.lineNo, sourceStats);
        else if ('invalid' in item) reject(item.invalid, prefix + item.lineNo, sourceStats);
      }
      sourceStats.accepted += out.length;
      stats.lines += batch.length;
      stats.accepted += out.length;
      return out;
    };
    for (const batch of buffered) {
      const out = parseBatch(batch);
      if (out.length > 0) yield out;
    }
    buffered.length = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const out = parseBatch(next.value);
      if (out.length > 0) yield out;
    }
  }

  async function* oneAfterAnother(): AsyncGenerator<LogRecord[]> {
    for (let i = 0; i < sources.length; i++) yield* readSource(sources[i] as InputSource, i);
  }
  const order = options.order ?? 'time';
  // One generator behind both views: records read through one are gone from the other.
  const batches =
    order === 'input' || sources.length === 1
      ? oneAfterAnother()
      : mergeByTime(sources.map((source, i) => () => readSource(source, i)), concurrency);
  async function* records(): AsyncGenerator<LogRecord> {
    for await (const batch of batches) yield* batch;
  }
  return { records: records(), batches, stats };
}

/** The format's own option checks, then whether it reads the session key's kind at all. */
function checkStreamFormat(format: StreamFormat, options: FormatOptions, inputName?: string): void {
  try {
    format.validate(options);
    checkSessionKey(format, options.sessionKey);
  } catch (err) {
    throw inputName !== undefined ? withInput(err, inputName) : err;
  }
}

function createDetected(format: LineFormat, options: FormatOptions, inputName: string): LineParser {
  try {
    checkSessionKey(format, options.sessionKey);
    return format.create(options);
  } catch (err) {
    throw withInput(err, inputName);
  }
}

/** A detected format's refusal of an option, said with the input it was detected in. */
function withInput(err: unknown, inputName: string): unknown {
  if (!(err instanceof UsageError)) return err;
  return new UsageError(`${err.message} (detected in ${inputName})`, { ...(err.hint ? { hint: err.hint } : {}), problems: err.problems, cause: err });
}

/** A format that cannot read this kind of key at all: a UsageError naming both. */
function checkSessionKey(format: { name: string; sessionKeys?: readonly SessionKeyKind[] }, key: SessionKey | undefined): void {
  if (key === undefined || (format.sessionKeys ?? []).includes(key.kind)) return;
  const kinds = format.sessionKeys ?? [];
  throw unsupportedSessionKey(
    key,
    format.name,
    kinds.length === 0 ? 'logs no cookie, header or field that could identify a visitor' : `reads only ${kinds.map((k) => `${k}:`).join(' and ')} keys`,
    kinds.length === 0 ? 'use --session-key ip+ua (the default) for this input' : `use --session-key ${kinds[0]}:NAME, or ip+ua (the default)`,
  );
}

/** Inputs listed one per line; past a screenful (an S3 prefix may hold thousands), a summary. */
const LISTED_SOURCES = 10;

/** What each input was read as, for stderr: one line per input, the rest summed up. */
export function formatSourceSummary(stats: ReadStats): string {
  const { sources } = stats;
  let text = '';
  for (const source of sources.slice(0, LISTED_SOURCES)) {
    text += `${source.name}: ${source.reason}; ${source.lines} lines, ${source.accepted} records, ${source.rejected} rejected\n`;
  }
  if (sources.length > LISTED_SOURCES) {
    const rest = sources.slice(LISTED_SOURCES);
    const formats = new Map<string, number>();
    for (const s of rest) formats.set(s.format, (formats.get(s.format) ?? 0) + 1);
    const sum = (key: 'lines' | 'accepted' | 'rejected'): number => rest.reduce((n, s) => n + s[key], 0);
    text += `… and ${rest.length} more inputs (${[...formats].map(([f, n]) => `${f} ×${n}`).join(', ')}): ${sum('lines')} lines, ${sum('accepted')} records, ${sum('rejected')} rejected\n`;
  }
  return text;
}

/** Rejected lines by reason, most frequent first, with their examples ("file:line"). */
export function formatRejections(rejected: Record<string, { count: number; examples: string[] }>): string {
  return Object.entries(rejected)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .map(([reason, { count, examples }]) => {
      const shown = examples.filter(Boolean);
      return `  rejected ${count} × ${reason}${shown.length > 0 ? ` (e.g. ${shown.join(', ')})` : ''}\n`;
    })
    .join('');
}

/** Both, for commands that only read (parse). */
export function formatReadSummary(stats: ReadStats): string {
  return formatSourceSummary(stats) + formatRejections(stats.rejected);
}

/** How well the first bytes must match a GA CSV export to be read as one (see detectAnalyticsCsv). */
const AGGREGATE_DETECT_SCORE = 0.6;

/** Bytes of an input read before choosing between a whole-document format and lines. */
const STREAM_DETECT_BYTES = 16 * 1024;

/** The whole-document format that claims these first bytes (score at least 0.5), if any. */
function detectStream(head: string): StreamFormat | undefined {
  let best: StreamFormat | undefined;
  let bestScore = 0.5;
  for (const format of streamFormats) {
    const score = format.detect(head);
    if (score >= bestScore) {
      best = format;
      bestScore = score;
    }
  }
  return best;
}

function chooseFixedFormat(options: ReadRecordsOptions): { format: LineFormat; reason: string } | null {
  const list = options.formats ?? registry;
  if (options.format !== undefined) {
    let format: LineFormat;
    try {
      format = getFormat(options.format, list);
    } catch (error) {
      if (!isTidemarkError(error) || options.formats !== undefined) throw error;
      const names = [...list.map((f) => f.name), ...streamFormats.map((f) => f.name), gaCsvFormat.name];
      throw new UsageError(`unknown format "${options.format}"`, { hint: `known formats: ${names.join(', ')}; or give --log-format with an nginx log_format or Apache LogFormat string` });
    }
    return { format, reason: options.logFormat !== undefined ? `--format ${format.name} --log-format` : `--format ${format.name}` };
  }
  if (options.logFormat !== undefined) {
    const format = formatFromLogFormat(options.logFormat);
    return { format, reason: `--log-format (${format.name} syntax)` };
  }
  return null;
}

function detectIn(name: string, sample: string[], options: Parameters<typeof detectFormat>[1]): ReturnType<typeof detectFormat> {
  try {
    return detectFormat(sample, options);
  } catch (err) {
    if (isTidemarkError(err)) {
      throw new InputError(err.message, { location: name, problems: err.problems, ...(err.hint ? { hint: err.hint } : {}), cause: err });
    }
    throw err;
  }
}

/**
 * A k-way merge by record time over inputs that are each roughly in time order (ALB writes one
 * file per node every 5 minutes, CloudFront one per edge location, several delivered late), so
 * that the model builder sees one stream whose remaining disorder its reorder window absorbs.
 *
 * Inputs join the merge in the order given (sorted names, S3 key order, which is time order for
 * ALB and CloudFront). `concurrency` of them are merged at once, with the next few opened ahead
 * (so that many small S3 objects do not wait for each other's first byte); the next input joins
 * when one ends, and also, up to MAX_OPEN_INPUTS, as soon as the merge reaches the first record
 * time of the input that joined last: an input given later is assumed to start no earlier, so
 * it joins before the merge passes that time. Inputs given newest first (rotated logs:
 * access.log, access.log.1, ...) are merged exactly too: each one that joins starts earlier
 * than the merge, which makes the next one join at once.
 *
 * The heap holds one cursor per input, keyed by the time of its next record; ties go to the
 * input given first, so the output is deterministic. The one case it cannot order: an input
 * that starts earlier than an input given before it and joins only after the merge has moved
 * past its start. Its records come late; the builder's reorder window takes them when they are
 * within it, and counts them as "out of order" otherwise.
 */
export async function* mergeByTime(inputs: (() => AsyncIterable<LogRecord[]>)[], concurrency = DEFAULT_CONCURRENCY): AsyncGenerator<LogRecord[]> {
  const limit = Math.max(1, concurrency);
  // Opens run ahead of need, so that inputs that end quickly (many small S3 objects) do not
  // wait for each other's first byte: up to `limit` being opened while few are merged, and a
  // few while the merge is full.
  const openAhead = limit + Math.max(2, limit >> 2);
  const heap: Cursor[] = [];
  const opening: Promise<Cursor | null>[] = [];
  let next = 0;
  let lastFirstMs = -Infinity;

  const openOne = async (index: number): Promise<Cursor | null> => {
    const iterator = (inputs[index] as () => AsyncIterable<LogRecord[]>)()[Symbol.asyncIterator]();
    for (;;) {
      const first = await iterator.next();
      if (first.done) return null;
      if (first.value.length === 0) continue;
      const cursor: Cursor = { index, iterator, batch: first.value, pos: 0, ahead: null };
      readAhead(cursor);
      return cursor;
    }
  };
  const fill = (): void => {
    while (next < inputs.length && opening.length < limit && heap.length + opening.length < openAhead) {
      const started = openOne(next++);
      started.catch(() => {}); // awaited in order by admitNext
      opening.push(started);
    }
  };
  const more = (): boolean => opening.length > 0 || next < inputs.length;
  // Another input joins when a slot is free, or when the merge has reached the first time of
  // the input that joined last (the next one, given later, may start right there).
  const wantsMore = (): boolean => heap.length < MAX_OPEN_INPUTS && (heap.length < limit || headMs(heap[0] as Cursor) >= lastFirstMs);
  const admitNext = async (): Promise<void> => {
    if (opening.length === 0) opening.push(openOne(next++));
    const cursor = await (opening.shift() as Promise<Cursor | null>);
    if (cursor !== null) {
      lastFirstMs = (cursor.batch[0] as LogRecord).timeMs;
      heapPush(heap, cursor);
    }
    fill();
  };

  try {
    fill();
    let out: LogRecord[] = [];
    for (;;) {
      while (more() && wantsMore()) await admitNext();
      if (heap.length === 0) break;
      const top = heap[0] as Cursor;
      out.push(top.batch[top.pos++] as LogRecord);
      if (top.pos < top.batch.length) siftDown(heap, 0);
      else if (await refillNonEmpty(top)) siftDown(heap, 0);
      else {
        heapPopTop(heap);
        fill();
      }
      if (out.length >= MERGED_BATCH) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    // Closes every input still open: the consumer stopped early, or an input failed.
    const closing = heap.map((cursor) => closeCursor(cursor));
    for (const started of opening) closing.push(started.then((cursor) => (cursor ? closeCursor(cursor) : undefined)));
    await Promise.allSettled(closing);
  }
}

interface Cursor {
  /** Position in the inputs as given: breaks ties. */
  index: number;
  iterator: AsyncIterator<LogRecord[]>;
  batch: LogRecord[];
  pos: number;
  /** The next batch, already requested: I/O and decompression overlap with the merge. */
  ahead: Promise<IteratorResult<LogRecord[]>> | null;
}

function readAhead(cursor: Cursor): void {
  const ahead = cursor.iterator.next();
  // Awaited later; until then a failure must not count as an unhandled rejection.
  ahead.catch(() => {});
  cursor.ahead = ahead;
}

async function refillNonEmpty(cursor: Cursor): Promise<boolean> {
  for (;;) {
    const result = await (cursor.ahead as Promise<IteratorResult<LogRecord[]>>);
    if (result.done) return false;
    cursor.batch = result.value;
    cursor.pos = 0;
    readAhead(cursor);
    if (result.value.length > 0) return true;
  }
}

async function closeCursor(cursor: Cursor): Promise<void> {
  // A pending read ahead settles first (async generators queue return() behind next()).
  await cursor.iterator.return?.(undefined);
}

function headMs(cursor: Cursor): number {
  return (cursor.batch[cursor.pos] as LogRecord).timeMs;
}

function less(a: Cursor, b: Cursor): boolean {
  const ta = headMs(a);
  const tb = headMs(b);
  return ta < tb || (ta === tb && a.index < b.index);
}

function heapPush(heap: Cursor[], cursor: Cursor): void {
  let i = heap.length;
  heap.push(cursor);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(cursor, heap[parent] as Cursor)) break;
    heap[i] = heap[parent] as Cursor;
    i = parent;
  }
  heap[i] = cursor;
}

function heapPopTop(heap: Cursor[]): void {
  const last = heap.pop() as Cursor;
  if (heap.length > 0) {
    heap[0] = last;
    siftDown(heap, 0);
  }
}

function siftDown(heap: Cursor[], start: number): void {
  const n = heap.length;
  const item = heap[start] as Cursor;
  let i = start;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    const child = right < n && less(heap[right] as Cursor, heap[left] as Cursor) ? right : left;
    if (!less(heap[child] as Cursor, item)) break;
    heap[i] = heap[child] as Cursor;
    i = child;
  }
  heap[i] = item;
}
