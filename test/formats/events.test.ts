import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { eventsCsvFormat, eventsJsonFormat, sniffDelimiter } from '../../src/formats/events.js';
import type { StreamFormat, StreamItem } from '../../src/formats/stream-types.js';
import type { FormatOptions } from '../../src/formats/types.js';

async function* bytes(text: string, pieceSize = 0): AsyncGenerator<Buffer> {
  const all = Buffer.from(text);
  if (pieceSize === 0) yield all;
  else for (let i = 0; i < all.length; i += pieceSize) yield all.subarray(i, i + pieceSize);
}

async function read(format: StreamFormat, text: string, options: FormatOptions, name = 'ev', pieceSize = 0): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of format.parse(bytes(text, pieceSize), name, options)) out.push(item);
  return out;
}

const ms = (iso: string): number => Date.parse(iso);

describe('events-csv', () => {
  const csv = [
    'Timestamp,Page URL,Visitor ID,Session,Device,Referrer',
    '2024-03-01T09:00:00Z,https://shop.example.com/,v1,s1,desktop,https://www.google.com/',
    '2024-03-01T09:00:42Z,"https://shop.example.com/search?q=red,blue",v1,s1,desktop,https://shop.example.com/',
    '1709283700,/cart,v2,,mobile,',
    ',/nowhere,v3,s9,desktop,',
    '',
    'not a time,/x,v3,s9,desktop,',
  ].join('\n');
  const map = { time: 'Timestamp', url: 'page url', client: 'Visitor ID', session: 'Session', userAgent: 'Device', referrer: 'Referrer' };

  it('maps columns to records; a row per page view', async () => {
    const items = await read(eventsCsvFormat, csv, { map }, 'views.csv');
    expect(items).toHaveLength(5);
    expect(items[0]).toEqual({
      timeMs: ms('2024-03-01T09:00:00Z'), method: 'GET', path: '/', query: '', status: 0, bytes: null, durationMs: null,
      client: 'v1:s1', userAgent: 'desktop', referrer: 'https://www.google.com/', host: 'shop.example.com', source: 'views.csv:2',
    } satisfies LogRecord);
    expect(items[1]).toMatchObject({ path: '/search', query: 'q=red,blue', source: 'views.csv:3' });
    expect(items[2]).toMatchObject({ timeMs: 1_709_283_700_000, path: '/cart', client: 'v2', host: '', userAgent: 'mobile' });
    expect(items[3]).toEqual({ reject: 'bad timestamp', source: 'views.csv:5' });
    expect(items[4]).toEqual({ reject: 'bad timestamp', source: 'views.csv:7' });
  });

  it('reads the same in 3-byte pieces', async () => {
    const whole = await read(eventsCsvFormat, csv, { map });
    expect(await read(eventsCsvFormat, csv, { map }, 'ev', 3)).toEqual(whole);
  });

  it('semicolon-separated with a BOM and CRLF (a European spreadsheet export)', async () => {
    const text = '\ufeffZeit;Seite;Methode;Status\r\n01/Mar/2024:10:00:00 +0100;/de/start;GET;200\r\n01/Mar/2024:10:00:05 +0100;/de/kasse;POST;302\r\n';
    const items = await read(eventsCsvFormat, text, { map: { time: 'Zeit', path: 'Seite', method: 'Methode', status: 'Status' } });
    expect(items).toMatchObject([
      { timeMs: ms('2024-03-01T09:00:00Z'), path: '/de/start', method: 'GET', status: 200 },
      { timeMs: ms('2024-03-01T09:00:05Z'), path: '/de/kasse', method: 'POST', status: 302 },
    ]);
  });

  it('a row with an unclosed quote is rejected, the others read', async () => {
    const text = 'time,path\n2024-03-01T09:00:00Z,/a\n2024-03-01T09:00:01Z,"/b\n';
    const items = await read(eventsCsvFormat, text, { map: { time: 'time', path: 'path' } });
    expect(items[0]).toMatchObject({ path: '/a' });
    expect(items.slice(1)).toEqual([{ reject: 'unclosed quote', source: 'ev:3' }]);
  });

  it('mapped columns missing from the header: an InputError listing them and the columns there are', async () => {
    const run = read(eventsCsvFormat, csv, { map: { time: 'When', path: 'Where', client: 'Visitor ID' } }, 'views.csv');
    await expect(run).rejects.toThrow(InputError);
    await expect(read(eventsCsvFormat, csv, { map: { time: 'When', path: 'Where' } }, 'views.csv')).rejects.toThrow(
      /^views\.csv:1: the CSV header has no column for time=When, path=Where$/,
    );
  });

  it('an empty input yields nothing', async () => {
    expect(await read(eventsCsvFormat, '', { map })).toEqual([]);
  });

  it.each([
    ['a,b;c', ','],
    ['a;b;c', ';'],
    ['a\tb\tc', '\t'],
    ['"x;y;z",b,c', ','],
  ])('sniffDelimiter(%j) = %j', (line, want) => {
    expect(sniffDelimiter(line)).toBe(want);
  });
});

describe('events-json', () => {
  const map = { time: 'ts', url: 'page.url', client: 'user.id', session: 'session.id', durationMs: 'page.loadMs', status: 'page.status' };
  const rows = [
    { ts: '2024-03-01T09:00:00.250Z', page: { url: 'https://app.example.com/home', loadMs: 812, status: 200 }, user: { id: 'u1' }, session: { id: 7 } },
    { ts: 1709283601000, page: { url: '/settings?tab=2' }, user: { id: 'u1' }, session: { id: 7 } },
    { ts: 1709283602, note: 'no page' },
    'a string',
  ];

  it('a JSON array', async () => {
    const items = await read(eventsJsonFormat, JSON.stringify(rows, null, 2), { map }, 'ev.json');
    expect(items).toEqual([
      { timeMs: ms('2024-03-01T09:00:00.250Z'), method: 'GET', path: '/home', query: '', status: 200, bytes: null, durationMs: 812, client: 'u1:7', userAgent: '', referrer: '', host: 'app.example.com', source: 'ev.json:entry 1' },
      expect.objectContaining({ timeMs: 1_709_283_601_000, path: '/settings', query: 'tab=2', client: 'u1:7', source: 'ev.json:entry 2' }),
      { reject: 'no request fields (check --map)', source: 'ev.json:entry 3' },
      { reject: 'not a JSON object', source: 'ev.json:entry 4' },
    ]);
  });

  it('NDJSON, with a bad line among good ones', async () => {
    const text = `${rows.slice(0, 2).map((r) => JSON.stringify(r)).join('\n')}\n{"ts": 17\n\n${JSON.stringify(rows[0])}\n`;
    const items = await read(eventsJsonFormat, text, { map }, 'ev.ndjson', 7);
    expect(items.map((i) => (i !== null && 'reject' in i ? i : (i as LogRecord).source))).toEqual([
      'ev.ndjson:1', 'ev.ndjson:2', { reject: 'invalid JSON', source: 'ev.ndjson:3' }, 'ev.ndjson:5',
    ]);
  });

  it('NDJSON lines over the limit are rejected without holding them', async () => {
    const long = JSON.stringify({ ts: 1709283601, page: { url: `/${'x'.repeat(2 * 1024 * 1024)}` } });
    const text = `${long}\n${JSON.stringify(rows[1])}\n`;
    const items = await read(eventsJsonFormat, text, { map }, 'big.ndjson', 64 * 1024);
    expect(items).toEqual([{ reject: 'line too long', source: 'big.ndjson:1' }, expect.objectContaining({ path: '/settings', source: 'big.ndjson:2' })]);
  });

  it('not JSON at all: an InputError', async () => {
    await expect(read(eventsJsonFormat, 'time,path\n', { map })).rejects.toThrow(/^ev: not JSON \(starts with "t"\)/);
  });
});

describe('options', () => {
  it.each<[StreamFormat, FormatOptions, RegExp]>([
    [eventsCsvFormat, {}, /events-csv needs a field mapping/],
    [eventsJsonFormat, { map: { path: 'p' } }, /no time \(or endTime\)/],
    [eventsJsonFormat, { map: { time: 't', url: 'u', nope: 'x' } }, /unknown field "nope"/],
    [eventsCsvFormat, { map: { time: 't', path: 'p' }, timeZone: 'Mars/Olympus' }, /unknown time zone/],
  ])('%#: validate throws a UsageError', (format, options, message) => {
    expect(() => format.validate(options)).toThrow(UsageError);
    expect(() => format.validate(options)).toThrow(message);
  });

  it('these formats need a map, so detection never picks them', () => {
    expect(eventsCsvFormat.detect('time,path\n')).toBe(0);
    expect(eventsJsonFormat.detect('[{"ts":1}]')).toBe(0);
  });
});
