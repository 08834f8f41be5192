import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { detectHar, harEntryToRecord, harFormat } from '../../src/formats/har.js';
import { streamFormats } from '../../src/formats/stream-registry.js';
import type { StreamItem } from '../../src/formats/stream-types.js';
import { UTC } from '../../src/formats/time.js';

const FIXTURES = new URL('../fixtures/har/', import.meta.url);
const fixture = (name: string): URL => new URL(name, FIXTURES);

async function collect(items: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  startedDateTime: '2024-01-01T10:00:00.123+01:00',
  time: 42.5,
  request: {
    method: 'get',
    url: 'https://shop.example.com:8443/api/items/7?x=1#top',
    headers: [{ name: 'User-Agent', value: 'UA/1' }, { name: 'referer', value: 'https://shop.example.com/' }],
  },
  response: { status: 200, bodySize: 120, content: { size: 480 } },
  pageref: 'page_1',
  ...over,
});

describe('HAR entries', () => {
  it('maps every field', () => {
    expect(harEntryToRecord(entry(), 'f.har:entry 1', 'har:f.har', UTC)).toEqual({
      timeMs: Date.parse('2024-01-01T09:00:00.123Z'),
      method: 'GET',
      path: '/api/items/7',
      query: 'x=1',
      status: 200,
      bytes: 120,
      durationMs: 42.5,
      client: 'har:f.har',
      userAgent: 'UA/1',
      referrer: 'https://shop.example.com/',
      host: 'shop.example.com',
      source: 'f.har:entry 1',
    } satisfies LogRecord);
  });

  it.each<[string, Record<string, unknown>, Partial<LogRecord> | { reject: string }]>([
    ['bodySize unknown: content.size', { response: { status: 200, bodySize: -1, content: { size: 480 } } }, { bytes: 480 }],
    ['no sizes at all', { response: { status: 200, bodySize: -1 } }, { bytes: null }],
    ['a 304 with nothing on the wire', { response: { status: 304, bodySize: 0, content: { size: 23866 } } }, { status: 304, bytes: 0 }],
    ['no time', { time: undefined }, { durationMs: null }],
    ['the response content type', { response: { status: 200, bodySize: 10, content: { size: 10, mimeType: 'text/css; charset=utf-8' } } }, { contentType: 'text/css; charset=utf-8' }],
    ['status 0: blocked or cancelled', { response: { status: 0, bodySize: -1 } }, { reject: 'no response' }],
    ['no response object', { response: undefined }, { reject: 'no response' }],
    ['a data: URL', { request: { method: 'GET', url: 'data:image/png;base64,AAAA', headers: [] } }, { reject: 'not an HTTP URL' }],
    ['no URL', { request: { method: 'GET', headers: [] } }, { reject: 'no URL' }],
    ['a bad startedDateTime', { startedDateTime: 'Mon Jan 1' }, { reject: 'bad timestamp' }],
    ['a status that is not a number', { response: { status: 'OK' } }, { reject: 'bad status' }],
  ])('%s', (_name, over, want) => {
    const got = harEntryToRecord(entry(over), 's', 'c', UTC);
    if ('reject' in want) expect(got).toEqual({ ...want, source: 's' });
    else expect(got).toMatchObject(want);
  });

  it('rejects an entry that is not an object', () => {
    expect(harEntryToRecord(7, 's', 'c', UTC)).toEqual({ reject: 'not an entry object', source: 's' });
  });
});

describe('HAR detection', () => {
  it.each<[string, string, number]>([
    ['Charles', readFileSync(fixture('charles.har'), 'utf8').slice(0, 4096), 1],
    ['with a BOM', readFileSync(fixture('with-bom.har'), 'utf8').slice(0, 4096), 1],
    ['compact', '{"log":{"version":"1.2","creator":{"name":"x"},"entries":[', 1],
    ['"log" alone', '{ "log": { "pages": [', 0.6],
    ['JSON lines', '{"StartUTC":"2024-01-01T00:00:00Z","RequestMethod":"GET"}', 0],
    ['a text log', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326', 0],
  ])('%s', (_name, head, want) => {
    expect(detectHar(head)).toBe(want);
  });

  it('is in the stream registry, and the only format there that claims a HAR', () => {
    const head = readFileSync(fixture('firefox.har'), 'utf8').slice(0, 8192);
    const scores = streamFormats.map((f) => [f.name, f.detect(head)] as const);
    expect(scores.filter(([, s]) => s > 0)).toEqual([['har', 1]]);
  });
});

describe('HAR streaming', () => {
  it('reads a file with a byte-order mark', async () => {
    const items = await collect(harFormat.parse(createReadStream(fixture('with-bom.har')), 'with-bom.har', {}));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ method: 'POST', path: '/metrics', status: 200, source: 'with-bom.har:entry 1', client: 'har:with-bom.har' });
  });

  it('reads entries split across any chunk boundary, including inside the BOM and a multi-byte character', async () => {
    const text = Buffer.from(`\ufeff${JSON.stringify({ log: { version: '1.2', entries: [entry({ request: { method: 'GET', url: 'https://x.example/caf%C3%A9', headers: [{ name: 'User-Agent', value: 'Bäcker/1 ✓' }] } }), entry()] } })}`);
    for (const size of [1, 2, 3, 7, 64]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) parts.push(text.subarray(i, i + size));
      const items = await collect(harFormat.parse(chunks(...parts), 'x.har', {}));
      expect(items.map((r) => (r as LogRecord).userAgent), `chunk size ${size}`).toEqual(['Bäcker/1 ✓', 'UA/1']);
    }
  });

  it('yields entries as they arrive, before the input ends', async () => {
    let produced = 0;
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"log":{"version":"1.2","entries":[');
      for (let i = 0; i < 2000; i++) {
        produced++;
        yield Buffer.from((i ? ',' : '') + JSON.stringify(entry()));
      }
      yield Buffer.from(']}}');
    }
    const iterator = harFormat.parse(slow(), 's.har', {})[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(produced).toBeLessThan(2000);
    await iterator.return?.(undefined);
  });

  it('stops reading its input when the consumer stops', async () => {
    let closed = false;
    async function* input(): AsyncGenerator<Buffer> {
      try {
        yield Buffer.from('{"log":{"entries":[');
        for (let i = 0; ; i++) yield Buffer.from((i ? ',' : '') + JSON.stringify(entry()));
      } finally {
        closed = true;
      }
    }
    let n = 0;
    for await (const _ of harFormat.parse(input(), 'endless.har', {})) if (++n === 3) break;
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(true);
  });

  it('a truncated file: the entries before the cut, then an InputError that says how far it got', async () => {
    const whole = readFileSync(fixture('firefox.har'));
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const items: StreamItem[] = [];
    const read = async (): Promise<void> => {
      for await (const item of harFormat.parse(chunks(cut), 'firefox.har', {})) items.push(item);
    };
    await expect(read()).rejects.toThrow(InputError);
    expect(items.length).toBeGreaterThan(0);
    await expect(collect(harFormat.parse(chunks(cut), 'firefox.har', {}))).rejects.toThrow(new RegExp(`^firefox\\.har: invalid JSON after entry ${items.length}`));
  });

  it.each([
    ['not JSON', 'GET / HTTP/1.1\n', /not JSON/],
    ['broken at the start', '{"log": {"entries": [{"startedDateTime": }', /invalid JSON/],
  ])('%s is an InputError naming the file', async (_name, text, message) => {
    const run = collect(harFormat.parse(chunks(text), 'bad.har', {}));
    await expect(run).rejects.toThrow(InputError);
    await expect(collect(harFormat.parse(chunks(text), 'bad.har', {}))).rejects.toThrow(message);
  });

  it('an empty file or empty entries: no items', async () => {
    expect(await collect(harFormat.parse(chunks(''), 'e.har', {}))).toEqual([]);
    expect(await collect(harFormat.parse(chunks('{"log":{"version":"1.2","entries":[]}}'), 'e.har', {}))).toEqual([]);
  });

  it('reads timestamps without an offset in --time-zone', async () => {
    const text = JSON.stringify({ log: { entries: [entry({ startedDateTime: '2024-07-01T12:00:00.000' })] } });
    const [record] = await collect(harFormat.parse(chunks(text), 'tz.har', { timeZone: 'Europe/Paris' }));
    expect((record as LogRecord).timeMs).toBe(Date.parse('2024-07-01T10:00:00Z'));
  });
});
