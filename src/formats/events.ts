import { pipeline, Readable } from 'node:stream';
import { parse as csvParse, type Info } from 'csv-parse';
import { describeError, InputError, isTidemarkError } from '../core/errors.js';
import { compileMapper, requiredMap, type FieldSources } from './json-mapping.js';
import { jsonItems } from './json-stream.js';
import { zoneResolver } from './time.js';
import type { StreamFormat, StreamItem } from './stream-types.js';
import type { FormatOptions } from './types.js';

/*
 * Event exports: one row per request or page view, from an analytics tool, a CDN's event
 * stream or a spreadsheet, mapped to our fields with `--map` (see json-mapping.ts for the keys):
 *
 *   events-csv   a CSV with a header row; --map values are column names (matched exactly, then
 *                ignoring case and surrounding spaces). The delimiter (`,` `;` or tab) is taken
 *                from the header line.
 *   events-json  a JSON array of objects, or NDJSON; --map values are dotted paths.
 *
 * A row without a mapped method is a GET (these are page views); without a status, status is
 * 0 ("not logged"). Rows are streamed (csv-parse, stream-json): memory does not grow with the file.
 * `--session-key field:NAME` reads the visitor's key from column NAME (CSV) or JSON path NAME.
 */

const CSV_EXAMPLE = "--map time=Timestamp --map path='Page URL' --map client='Visitor ID'";
const JSON_EXAMPLE = '--map time=ts --map url=page.url --map client=user.id --map session=session.id';

export const eventsJsonFormat: StreamFormat = {
  name: 'events-json',
  description: 'events as a JSON array or NDJSON, mapped by --map field=json.path (one row per request or page view)',
  detect: () => 0, // needs a map
  validate: (options) => {
    requiredMap(options.map, 'events-json', JSON_EXAMPLE);
    zoneResolver(options.timeZone);
  },
  sessionKeys: ['field'],
  async *parse(bytes: AsyncIterable<Buffer>, sourceName: string, options: FormatOptions): AsyncIterable<StreamItem> {
    const sources = requiredMap(options.map, 'events-json', JSON_EXAMPLE);
    const map = compileMapper(sources, {
      zone: zoneResolver(options.timeZone),
      defaultMethod: 'GET',
      noRequest: 'no request fields (check --map)',
      ...(options.sessionKey ? { sessionKey: { places: [options.sessionKey.name], cookie: null } } : {}),
    });
    for await (const item of jsonItems(bytes, sourceName, { expected: 'a JSON array or NDJSON of events' })) {
      if ('reject' in item) {
        yield item;
        continue;
      }
      const value = item.value;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { reject: 'not a JSON object', source: item.source };
        continue;
      }
      const result = map(value as Record<string, unknown>, item.source);
      yield result !== null && 'reject' in result ? { reject: result.reject, source: item.source } : result;
    }
  },
};

export const eventsCsvFormat: StreamFormat = {
  name: 'events-csv',
  description: 'events as CSV with a header row, mapped by --map field=column (one row per request or page view)',
  detect: () => 0, // needs a map
  validate: (options) => {
    requiredMap(options.map, 'events-csv', CSV_EXAMPLE);
    zoneResolver(options.timeZone);
  },
  sessionKeys: ['field'],
  parse: (bytes, sourceName, options) => csvRows(bytes, sourceName, options),
};

async function* csvRows(bytes: AsyncIterable<Buffer>, sourceName: string, options: FormatOptions): AsyncGenerator<StreamItem> {
  const wanted = requiredMap(options.map, 'events-csv', CSV_EXAMPLE);
  const zone = zoneResolver(options.timeZone);
  const { head, rest } = await peekLine(bytes);
  if (head === null) return;
  const skipped: { reason: string; line: number }[] = [];
  const parser = csvParse({
    bom: true,
    delimiter: sniffDelimiter(head),
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      const lines = typeof err?.lines === 'number' ? err.lines : 0;
      skipped.push({ reason: err?.code === 'CSV_QUOTE_NOT_CLOSED' ? 'unclosed quote' : 'bad CSV row', line: lines });
      return undefined;
    },
  });
  const out = pipeline(Readable.from(rest, { objectMode: false }), parser, () => {
    // Errors surface through the iteration below.
  });
  let header: string[] | null = null;
  let map: ((row: Record<string, unknown>, source: string) => ReturnType<ReturnType<typeof compileMapper>>) | null = null;
  let line = 0;
  try {
    for await (const item of out as AsyncIterable<{ record: string[]; info: Info }>) {
      line = item.info.lines;
      // csv-parse reports skipped rows as it meets them, ahead of the rows it has buffered.
      while (skipped.length > 0 && (skipped[0] as { line: number }).line < line) {
        const s = skipped.shift() as { reason: string; line: number };
        yield { reject: s.reason, source: `${sourceName}:${s.line}` };
      }
      if (header === null) {
        header = item.record.map((h) => h.trim());
        const { resolved, keyColumn } = resolveColumns(wanted, header, `${sourceName}:${line}`, options.sessionKey?.name);
        map = compileMapper(resolved, {
          zone,
          defaultMethod: 'GET',
          noRequest: 'no request fields (check --map)',
          literalKeys: true,
          ...(keyColumn !== undefined ? { sessionKey: { places: [keyColumn], cookie: null } } : {}),
        });
        continue;
      }
      const row: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) row[header[i] as string] = item.record[i];
      const source = `${sourceName}:${line}`;
      const result = (map as NonNullable<typeof map>)(row, source);
      yield result !== null && 'reject' in result ? { reject: result.reject, source } : result;
    }
    for (const s of skipped) yield { reject: s.reason, source: `${sourceName}:${s.line}` };
  } catch (err) {
    if (isTidemarkError(err)) throw err;
    throw new InputError(`unreadable CSV after line ${line}: ${describeError(err)}`, { location: sourceName, cause: err });
  } finally {
    out.destroy();
  }
}

/**
 * The user's column names (and the `--session-key field:` column) → the header's spelling
 * (exact, else ignoring case and spaces). Every missing column is listed at once, with the
 * columns the file has.
 */
function resolveColumns(wanted: FieldSources, header: string[], location: string, keyName?: string): { resolved: FieldSources; keyColumn: string | undefined } {
  const resolved: FieldSources = {};
  const missing: string[] = [];
  const column = (name: string): string | undefined => header.find((h) => h === name) ?? header.find((h) => h.toLowerCase() === name.trim().toLowerCase());
  for (const [field, names] of Object.entries(wanted) as [keyof FieldSources, string[]][]) {
    const name = names[0] as string;
    const found = column(name);
    if (found === undefined) missing.push(`${field}=${name}`);
    else resolved[field] = [found];
  }
  const keyColumn = keyName === undefined ? undefined : column(keyName);
  if (keyName !== undefined && keyColumn === undefined) missing.push(`--session-key field:${keyName}`);
  if (missing.length > 0) {
    throw new InputError(`the CSV header has no column for ${missing.join(', ')}`, {
      location,
      hint: `columns in this file: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
    });
  }
  return { resolved, keyColumn };
}

/** `,` `;` or tab, whichever the header line has most of outside quotes (`,` on a tie). */
export function sniffDelimiter(headerLine: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c in counts) counts[c] = (counts[c] as number) + 1;
  }
  let best = ',';
  for (const d of [';', '\t']) if ((counts[d] as number) > (counts[best] as number)) best = d;
  return best;
}

/** The first line of the input (for sniffing), and the whole input to read again. */
async function peekLine(bytes: AsyncIterable<Buffer>): Promise<{ head: string | null; rest: AsyncIterable<Buffer> }> {
  const iterator = bytes[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let head: string | null = null;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    size += chunk.length;
    if (chunk.includes(0x0a) || size > 64 * 1024) break;
  }
  if (chunks.length > 0) {
    const text = Buffer.concat(chunks).toString('utf8');
    const nl = text.indexOf('\n');
    head = nl === -1 ? text : text.slice(0, nl);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      }
    } finally {
      await iterator.return?.(undefined);
    }
  }
  return { head, rest: rest() };
}
