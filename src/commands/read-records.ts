import { InputError, isTidemarkError } from '../core/errors.js';
import type { LogRecord } from '../core/types.js';
import { DETECT_SAMPLE_LINES, detectFormat, formatFromLogFormat, formats as registry, getFormat } from '../formats/index.js';
import type { FormatOptions, LineFormat, LineParser } from '../formats/types.js';
import { readLineBatches, resolveSources, type InputSource, type LineItem, type SourceIO } from '../sources/index.js';

export interface ReadRecordsOptions {
  /** A registered format name (`combined`, `nginx`, ...); detected per input when absent. */
  format?: string;
  /** An nginx log_format or Apache LogFormat string (with `format` nginx/apache, or alone). */
  logFormat?: string;
  /** For timestamps logged without an offset (IANA name or ±HH:MM); default UTC. */
  timeZone?: string;
  /** Lines longer than this are rejected as 'line too long'. Default 64 KiB. */
  maxLineBytes?: number;
  /** Formats to detect from (default: the registry); for tests. */
  formats?: LineFormat[];
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
}

export interface RecordStream {
  /** Records in input order (sources one after another, lines in file order; not sorted by time). */
  records: AsyncIterable<LogRecord>;
  /** The same records in batches (one per chunk read): cheaper per record. Consume one of the two (once). */
  batches: AsyncIterable<LogRecord[]>;
  /** Filled while the records are consumed; complete when they are. */
  stats: ReadStats;
}

const MAX_EXAMPLES = 5;

/**
 * Reads every input of `specs` (files, directories, globs, `-`) and parses its lines into
 * records. Inputs and options are checked up front (every missing input is listed at once);
 * the format of each input is detected from its first lines unless given. Unreadable lines are
 * counted by reason in `stats`, never fatal; a truncated gzip or an unrecognized format is
 * (an InputError naming the input).
 */
export async function readRecords(specs: string[], options: ReadRecordsOptions, io: SourceIO): Promise<RecordStream> {
  const formatOptions: FormatOptions = {};
  if (options.timeZone !== undefined) formatOptions.timeZone = options.timeZone;
  if (options.logFormat !== undefined) formatOptions.logFormat = options.logFormat;
  const fixed = chooseFixedFormat(options);
  // Create once now so that a bad --log-format or --time-zone fails before any input is read.
  if (fixed) fixed.format.create(formatOptions);
  else if (options.timeZone !== undefined) (options.formats ?? registry)[0]?.create(formatOptions);
  const sources = await resolveSources(specs, io);

  const stats: ReadStats = { sources: [], rejected: {}, lines: 0, accepted: 0 };
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

  async function* readSource(input: InputSource): AsyncGenerator<LogRecord[]> {
    const lines = readLineBatches(await input.open(), input.name, options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes });
    const iterator = lines[Symbol.asyncIterator]();
    try {
      yield* parseSource(input, iterator);
    } finally {
      // Closes the file when detection fails or the consumer stops early.
      await iterator.return(undefined);
    }
  }

  async function* parseSource(input: InputSource, iterator: AsyncIterator<LineItem[]>): AsyncGenerator<LogRecord[]> {
    const sourceStats: SourceStats = { name: input.name, format: '', reason: '', lines: 0, accepted: 0, rejected: 0 };
    stats.sources.push(sourceStats);
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
        const detection = detectIn(input.name, sample, { ...formatOptions, ...(options.formats ? { formats: options.formats } : {}) });
        parser = detection.format.create(formatOptions);
        sourceStats.format = detection.format.name;
        sourceStats.reason = detection.reason;
      } else {
        sourceStats.format = '-';
        sourceStats.reason = 'no non-empty lines';
      }
    }
    const name = input.name;
    const parseBatch = (batch: LineItem[]): LogRecord[] => {
      const out: LogRecord[] = [];
      for (const item of batch) {
        sourceStats.lines++;
        if ('line' in item) {
          if (parser === null) continue; // only blank lines and unreadable ones
          const result = parser.parse(item.line, `${name}:${item.lineNo}`);
          if (result === null) continue;
          if ('reject' in result) reject(result.reject, `${name}:${item.lineNo}`, sourceStats);
          else out.push(result);
        } else if ('tooLong' in item) reject('line too long', `${name}:${item.lineNo}`, sourceStats);
        else reject(item.invalid, `${name}:${item.lineNo}`, sourceStats);
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

  async function* allBatches(): AsyncGenerator<LogRecord[]> {
    for (const source of sources) yield* readSource(source);
  }
  // One generator behind both views: records read through one are gone from the other.
  const batches = allBatches();
  async function* records(): AsyncGenerator<LogRecord> {
    for await (const batch of batches) yield* batch;
  }
  return { records: records(), batches, stats };
}

function chooseFixedFormat(options: ReadRecordsOptions): { format: LineFormat; reason: string } | null {
  const list = options.formats ?? registry;
  if (options.format !== undefined) {
    const format = getFormat(options.format, list);
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
