import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { detectGa4, ga4BigQueryFormat, ga4RowToRecord } from '../../src/formats/ga4-bigquery.js';
import { streamFormats } from '../../src/formats/stream-registry.js';
import type { StreamItem } from '../../src/formats/stream-types.js';

const FIXTURES = new URL('../fixtures/ga4/', import.meta.url);

async function collect(items: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const A = '1197596843.1699999000';
const B = '987654321.1699990000';
const T0 = 1_699_999_990_123.456; // ms

/** The rows of the hand-made export, in order (see test/fixtures/ga4/NOTICE). */
const expected: (Partial<LogRecord> | { reject: string } | null)[] = [
  null, // session_start: not a request
  { timeMs: T0 + 500, method: 'GET', path: '/', query: '', host: 'shop.example.com', client: `${A}:1699999990`, userAgent: 'desktop', referrer: 'https://www.google.com/', status: 0, bytes: null, durationMs: null },
  null, // scroll
  { timeMs: T0 + 30_000, path: '/products/42', query: 'utm_source=news&color=red', referrer: 'https://shop.example.com/', client: `${A}:1699999990` },
  null, // user_engagement
  // Console JSON download style: numbers, nulls in the other typed fields.
  { timeMs: 1_700_000_100_250, path: '/cart', client: `${B}:1700000100`, userAgent: 'mobile', referrer: '' },
  { reject: 'no page_location' },
];

describe('GA4 rows', () => {
  it.each<[string, unknown, StreamItem | Partial<LogRecord>]>([
    ['not an object', [1, 2], { reject: 'not a JSON object', source: 's' }],
    ['another event', { event_name: 'scroll', event_timestamp: '1' }, null],
    ['a page_view without a timestamp', { event_name: 'page_view', event_params: [] }, { reject: 'bad timestamp', source: 's' }],
    ['a timestamp that is not a number', { event_name: 'page_view', event_timestamp: 'soon' }, { reject: 'bad timestamp', source: 's' }],
    ['no session id: the user alone', { event_name: 'page_view', event_timestamp: '1700000000000000', user_pseudo_id: 'u', event_params: [{ key: 'page_location', value: { string_value: 'https://a.example/x' } }] },
      { client: 'u', path: '/x', host: 'a.example', timeMs: 1_700_000_000_000 }],
    ['a relative page_location', { event_name: 'page_view', event_timestamp: 1700000000000000, event_params: [{ key: 'page_location', value: { string_value: '/rel?a=1' } }], device: { web_info: { hostname: 'h.example' } } },
      { path: '/rel', query: 'a=1', host: 'h.example' }],
  ])('%s', (_name, row, want) => {
    const got = ga4RowToRecord(row, 's');
    if (want === null || 'reject' in want) expect(got).toEqual(want);
    else expect(got).toMatchObject(want);
  });
});

describe('GA4 export files', () => {
  it('NDJSON, as bq extract writes it', async () => {
    const items = await collect(ga4BigQueryFormat.parse(createReadStream(new URL('events.ndjson', FIXTURES)), 'events.ndjson', {}));
    const want = [...expected, { reject: 'invalid JSON' }, { reject: 'bad timestamp' }, { timeMs: 1_700_000_200_000, path: '/help', client: B, userAgent: 'tablet' }];
    expect(items).toHaveLength(want.length);
    items.forEach((item, i) => {
      const w = want[i];
      if (w === undefined) throw new Error(`no expectation for line ${i + 1}`);
      if (w === null) expect(item, `line ${i + 1}`).toBeNull();
      else if ('reject' in w) expect(item, `line ${i + 1}`).toEqual({ reject: w.reject, source: `events.ndjson:${i + 1}` });
      else expect(item, `line ${i + 1}`).toMatchObject({ ...w, source: `events.ndjson:${i + 1}` });
    });
    const ts = items.filter((r): r is LogRecord => r !== null && !('reject' in r)).map((r) => r.timeMs);
    expect(ts[0]).toBeCloseTo(T0 + 500, 3);
  });

  it('a JSON array, as the console downloads it: the same records', async () => {
    const fromArray = await collect(ga4BigQueryFormat.parse(createReadStream(new URL('events-array.json', FIXTURES)), 'events-array.json', {}));
    const fromLines = await collect(ga4BigQueryFormat.parse(createReadStream(new URL('events.ndjson', FIXTURES)), 'events.ndjson', {}));
    const strip = (items: StreamItem[]): unknown[] => items.map((r) => (r === null ? null : { ...r, source: '' }));
    // The NDJSON file has one more line (a truncated row) after row 7.
    expect(strip(fromArray)).toEqual(strip([...fromLines.slice(0, 7), ...fromLines.slice(8)]));
    expect(fromArray[1]).toMatchObject({ source: 'events-array.json:entry 2' });
  });

  it('sessionization by client + user agent follows GA sessions', async () => {
    const items = await collect(ga4BigQueryFormat.parse(createReadStream(new URL('events.ndjson', FIXTURES)), 'e', {}));
    const keys = new Set(items.filter((r): r is LogRecord => r !== null && !('reject' in r)).map((r) => `${r.client}|${r.userAgent}`));
    expect([...keys]).toEqual([`${A}:1699999990|desktop`, `${B}:1700000100|mobile`, `${B}|tablet`]);
  });

  it('a truncated JSON array: the rows before the cut, then an InputError', async () => {
    const whole = readFileSync(new URL('events-array.json', FIXTURES));
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    async function* bytes(): AsyncGenerator<Buffer> {
      yield cut;
    }
    const items: StreamItem[] = [];
    await expect((async () => {
      for await (const item of ga4BigQueryFormat.parse(bytes(), 'cut.json', {})) items.push(item);
    })()).rejects.toThrow(InputError);
    expect(items.length).toBeGreaterThan(2);
  });

  it.each<[string, string, number]>([
    ['NDJSON', readFileSync(new URL('events.ndjson', FIXTURES), 'utf8').slice(0, 4096), 1],
    ['a JSON array', readFileSync(new URL('events-array.json', FIXTURES), 'utf8').slice(0, 4096), 1],
    ['only the two names', '{"event_timestamp":"1","event_name":"x"', 0.8],
    ['a HAR', '{"log":{"version":"1.2","entries":[', 0],
    ['JSON lines of something else', '{"ts":1,"msg":"x"}', 0],
  ])('detects %s', (_name, head, want) => {
    expect(detectGa4(head)).toBe(want);
  });

  it('only ga4-bigquery claims a GA4 export among the stream formats', () => {
    const head = readFileSync(new URL('events.ndjson', FIXTURES), 'utf8').slice(0, 4096);
    expect(streamFormats.filter((f) => f.detect(head) > 0).map((f) => f.name)).toEqual(['ga4-bigquery']);
  });
});
