import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTidemarkError } from '../../src/core/errors.js';
import { APACHE_COMBINED, NGINX_COMBINED } from '../../src/formats/clf.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from '../../src/formats/types.js';
import { checkProperty } from './check.js';
import { fixtureLines } from './fixture-lines.js';

/*
 * Issue 10, "bad input": every registered line format, fed arbitrary text and mutations of real
 * fixture lines (truncated, flipped bytes, doubled quotes, huge fields, control characters),
 * returns a record, a `{ reject }` or null: it never throws, never hangs, and a record it
 * returns is well formed. Fixed seed, bounded runs: the same cases on every machine.
 */

const SEED = 20_261_010;
const RUNS = 300;
/**
 * A parse slower than this on one line (best of three, so that a GC pause does not count) is a
 * hang in the making: catastrophic backtracking, or work quadratic in the line length.
 */
const SLOW_PARSE_MS = 250;

/**
 * Formats that take options: the custom log formats with a fixed format string that exercises
 * more variables than combined, and the generic JSON lines format with a field map.
 */
const OPTIONS: Record<string, FormatOptions> = {
  jsonl: { map: { time: 'ts', method: 'req.method', url: 'req.url', status: 'res.status', bytes: 'res.bytes', client: 'ip', userAgent: 'req.headers.ua' } },
  nginx: { logFormat: `${NGINX_COMBINED} $request_time $upstream_response_time "$http_x_forwarded_for" $host $msec` },
  apache: { logFormat: `${APACHE_COMBINED} %D %v "%{Cookie}i" %T` },
};

const lines = fixtureLines();

function createParser(format: LineFormat): LineParser {
  return format.create(OPTIONS[format.name] ?? {});
}

const show = (line: string): string => JSON.stringify(line.length > 300 ? `${line.slice(0, 300)}…(${line.length} chars)` : line);

/** What is wrong with a parse result, or null. (Plain checks: expect() per field is slow over many thousand parses.) */
function problem(result: ParseResult): string | null {
  if (result === null) return null;
  if (typeof result !== 'object') return `returned ${typeof result}`;
  if ('reject' in result) return typeof result.reject === 'string' && result.reject.length > 0 ? null : `reject reason ${JSON.stringify(result.reject)}`;
  if (!Number.isFinite(result.timeMs)) return `timeMs ${result.timeMs}`;
  if (typeof result.method !== 'string') return `method ${String(result.method)}`;
  if (typeof result.path !== 'string') return `path ${String(result.path)}`;
  if (typeof result.query !== 'string') return `query ${String(result.query)}`;
  if (!Number.isInteger(result.status)) return `status ${result.status}`;
  if (result.bytes !== null && !Number.isFinite(result.bytes)) return `bytes ${result.bytes}`;
  if (result.durationMs !== null && !Number.isFinite(result.durationMs)) return `durationMs ${result.durationMs}`;
  for (const field of ['client', 'userAgent', 'referrer', 'host', 'source'] as const) if (typeof result[field] !== 'string') return `${field} ${String(result[field])}`;
  return null;
}

/** Parses the lines in order with one parser per format (some keep state, like W3C #Fields). */
function parseAll(batch: string[]): void {
  for (const format of formats) {
    const parser = createParser(format);
    batch.forEach((line, i) => {
      const parse = (): ParseResult => {
        try {
          return parser.parse(line, `fuzz:${i + 1}`);
        } catch (err) {
          throw new Error(`${format.name} threw on ${show(line)}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
        }
      };
      let started = performance.now();
      const result = parse();
      let ms = performance.now() - started;
      const wrong = problem(result);
      if (wrong !== null) throw new Error(`${format.name} returned a bad result (${wrong}) on ${show(line)}: ${JSON.stringify(result).slice(0, 500)}`);
      for (let retry = 0; retry < 2 && ms >= SLOW_PARSE_MS; retry++) {
        // Slow once may be a GC pause or a first compile; slow every time is the parser.
        started = performance.now();
        createParser(format).parse(line, `fuzz:${i + 1}`);
        ms = Math.min(ms, performance.now() - started);
      }
      if (ms >= SLOW_PARSE_MS) throw new Error(`${format.name} took ${ms.toFixed(0)} ms on ${show(line)}`);
    });
  }
}

// Pieces that real log lines are made of, so random text reaches past the first field.
const TOKENS = [
  ' ', ' ', ' ', '\t', '"', '"', '[', ']', '-', '{', '}', ':', ',', '=', '?', '&', '%', '\\', '\\"',
  '127.0.0.1', '::1', '[2001:db8::1]:443', 'GET', 'POST', 'get', 'PATCHp', '/', '/api/items/42', '/a?b=c&d', 'http://example.com:80/x?y',
  'HTTP/1.1', 'HTTP/2.0', '200', '404', '-1', '000', '999', '1e308', 'NaN', '0.004', '12345678901234567890',
  '10/Oct/2000:13:55:36 -0700', '29/Feb/2023:25:61:61 +9999', '2019-10-22T12:34:56.789Z', '2019-13-45', '1571747696.789',
  '#Fields: date time cs-method cs-uri-stem sc-status', '#Version: 1.0', 'Mozilla/5.0 (X11; Linux)', '"-"', '{"a":1}',
];
const tokenLine = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(''));

const arbitraryLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
  tokenLine,
);

type Mutation = (line: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Truncation anywhere.
  fc.nat().map((n): Mutation => (line) => line.slice(0, n % (line.length + 1))),
  // Flipped bytes in the UTF-8 encoding (may leave invalid sequences, decoded as U+FFFD).
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips): Mutation => (line) => {
    const bytes = Buffer.from(line, 'utf8');
    if (bytes.length === 0) return line;
    for (const [at, mask] of flips) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ mask;
    return bytes.toString('utf8');
  }),
  // Doubled quotes: all of them, or one.
  fc.boolean().map((all): Mutation => (line) => (all ? line.replaceAll('"', '""') : line.replace('"', '""'))),
  // A huge field: a long run inserted at a random place. Up to 60 K: the sources reject lines
  // over 64 KiB as 'line too long' before any parser sees them.
  fc.tuple(fc.nat(), fc.constantFrom(10_000, 30_000, 60_000), fc.constantFrom('A', ' ', '"', '9', '%', '\\')).map(
    ([at, size, ch]): Mutation =>
      (line) => {
        const i = at % (line.length + 1);
        return line.slice(0, i) + ch.repeat(size) + line.slice(i);
      },
  ),
  // Control characters and stray separators.
  fc.tuple(fc.nat(), fc.constantFrom('\0', '\r', '\u001b[31m', '\u2028', '\ufeff', '\ud800', '\t', ' - ', '"', '[', ']')).map(
    ([at, s]): Mutation =>
      (line) => {
        const i = at % (line.length + 1);
        return line.slice(0, i) + s + line.slice(i);
      },
  ),
  // A character dropped, or a stretch duplicated.
  fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.boolean()).map(
    ([at, len, drop]): Mutation =>
      (line) => {
        const i = at % (line.length + 1);
        return drop ? line.slice(0, i) + line.slice(i + 1) : line.slice(0, i + len) + line.slice(i, i + len) + line.slice(i + len);
      },
  ),
);

const mutatedLine = fc
  .tuple(fc.constantFrom(...lines), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([line, mutations]) => mutations.reduce((text, mutate) => mutate(text), line));

describe('line format parsers under arbitrary input', () => {
  it('has formats and fixture lines to work with', () => {
    expect(formats.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(50);
    for (const format of formats) expect(() => createParser(format), format.name).not.toThrow();
  });

  it('parse the unmutated fixture lines without throwing', () => {
    parseAll(lines);
  });

  it('never throw on arbitrary text', () => {
    checkProperty(
      fc.property(fc.array(arbitraryLine, { minLength: 1, maxLength: 4 }), (batch) => parseAll(batch)),
      SEED,
      RUNS,
    );
  });

  it('never throw on mutated fixture lines (truncated, flipped bytes, doubled quotes, huge fields)', () => {
    checkProperty(
      fc.property(fc.array(mutatedLine, { minLength: 1, maxLength: 3 }), (batch) => parseAll(batch)),
      SEED + 1,
      RUNS,
    );
  });

  it('format detection answers or throws a tidemark error, whatever the sample', () => {
    checkProperty(
      fc.property(fc.array(fc.oneof(arbitraryLine, mutatedLine), { maxLength: 8 }), (sample) => {
        try {
          const detection = detectFormat(sample);
          expect(formats).toContain(detection.format);
        } catch (err) {
          expect(isTidemarkError(err), `detectFormat threw ${String(err)}`).toBe(true);
        }
      }),
      SEED + 2,
      200,
    );
  });
});
