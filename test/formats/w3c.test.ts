import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { awsAndW3cFormats } from '../../src/formats/aws-registry.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import { isRecord, type FormatOptions, type ParseResult } from '../../src/formats/types.js';
import { w3c } from '../../src/formats/w3c.js';

const fixture = (path: string): string[] => readFileSync(new URL(`../fixtures/aws/${path}`, import.meta.url), 'utf8').split('\n');
const detect = (lines: string[]): string => detectFormat(lines, { formats: [...formats, ...awsAndW3cFormats] }).format.name;
const ms = (iso: string): number => Date.parse(iso);

/** Every line through one parser (the directives are state), null results dropped. */
function parseAll(lines: string[], options: FormatOptions = {}): ParseResult[] {
  const parser = w3c.create(options);
  return lines.map((line, i) => parser.parse(line, `u_ex.log:${i + 1}`)).filter((r) => r !== null);
}

const IIS_HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2024-05-06 07:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken',
];
const IIS_LINE =
  '2024-05-06 07:08:09 10.0.0.5 GET /api/products/42 color=red 443 - 198.51.100.23 Mozilla/5.0+(X11;+Linux+x86_64)+Firefox/125.0 https://shop.example.com/ shop.example.com 200 0 0 2048 300 250';

const cases: [string, string[], FormatOptions, Partial<LogRecord> | { reject: string }][] = [
  ['every field; UTC; start = date time − time-taken (ms); + for spaces', [...IIS_HEADER, IIS_LINE], {}, {
    timeMs: ms('2024-05-06T07:08:08.750Z'), method: 'GET', path: '/api/products/42', query: 'color=red', status: 200, bytes: 2048, durationMs: 250,
    client: '198.51.100.23', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', referrer: 'https://shop.example.com/', host: 'shop.example.com', source: 'u_ex.log:5',
  }],
  ['--time-zone does not move UTC date/time', [...IIS_HEADER, IIS_LINE], { timeZone: '+02:00' }, { timeMs: ms('2024-05-06T07:08:08.750Z') }],
  ['"-" values are empty', [...IIS_HEADER, IIS_LINE.replace('color=red', '-').replace('https://shop.example.com/ shop.example.com', '- -')], {}, { query: '', referrer: '', host: '' }],
  ['no header: the IIS default columns', ['2024-05-06 07:08:09 10.0.0.5 GET /health - 80 - 10.0.0.9 - - 200 0 0 15'], {}, {
    timeMs: ms('2024-05-06T07:08:08.985Z'), path: '/health', status: 200, durationMs: 15, client: '10.0.0.9', userAgent: '', bytes: null, source: 'u_ex.log:1',
  }],
  ['IIS Advanced Logging: date-local/time-local in --time-zone, quoted values with "", ms fraction, TimeTakenMS', [
    '#Software: IIS Advanced Logging Module', '', '#Fields:   date-local time-local   cs-method cs-uri-stem c-ip cs(User-Agent) cs(Host) sc-status TimeTakenMS', '',
    '2024-05-06 09:08:09.500 GET /a "198.51.100.23" "Mozilla/5.0 ""quoted"" (X11)" "shop.example.com" 200 100',
  ], { timeZone: 'Europe/Paris' }, { timeMs: ms('2024-05-06T07:08:09.400Z'), userAgent: 'Mozilla/5.0 "quoted" (X11)', client: '198.51.100.23', host: 'shop.example.com', durationMs: 100 }],
  ['a time-only log takes its date from #Date', ['#Date: 2024-05-06 07:00:00', '#Fields: time c-ip cs-method cs-uri-stem sc-status', '07:08:09 198.51.100.23 GET /a 200'], {}, { timeMs: ms('2024-05-06T07:08:09Z'), status: 200 }],
  ['#GMT-Offset: date and time are local at that offset (Oracle Web Cache)', ['#GMT-Offset: -0800', '#Fields: date time cs-method cs-uri sc-status bytes', '2024-05-06 07:08:09 GET /a/b?x=1 200 350'], {}, {
    timeMs: ms('2024-05-06T15:08:09Z'), path: '/a/b', query: 'x=1', bytes: 350,
  }],
  ['cs-uri as host/path (Incapsula), all values quoted, empty status', ['#Fields: date time c-ip cs-uri cs-method cs-uri-query sc-status', '"2024-05-06" "07:08:09" "198.51.100.23" "www.example.com/page.php" "GET" "variable=test" ""'], {}, {
    host: 'www.example.com', path: '/page.php', query: 'variable=test', status: 0,
  }],
  ['cs-uri as an absolute URL', ['#Fields: date time cs-method cs-uri sc-status', '2024-05-06 07:08:09 GET https://shop.example.com:443/x?y 200'], {}, { host: 'shop.example.com', path: '/x', query: 'y' }],
  ['more values than #Fields names: the extra ones are ignored', ['#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query', IIS_LINE], {}, { path: '/api/products/42', status: 0, durationMs: null }],
  ['runs of spaces between values', ['#Fields:  date  time  cs-method  cs-uri-stem  sc-status', '2024-05-06     07:08:09    GET    /a     404'], {}, { status: 404, path: '/a' }],
  ['non-ASCII user agent', [...IIS_HEADER, IIS_LINE.replace('Mozilla/5.0+(X11;+Linux+x86_64)+Firefox/125.0', 'ÄÖÜäöü+Mözillä/5.0')], {}, { userAgent: 'ÄÖÜäöü Mözillä/5.0' }],
  // Malformed.
  ['an IIS FTP log: [n]USER is an FTP command', ['#Fields: time c-ip cs-method cs-uri-stem sc-status', '#Date: 2000-10-09 16:44:49', '16:44:49 1.1.1.1 [2]USER anonymous 331'], {}, { reject: 'FTP command (not an HTTP request)' }],
  ['a method that is not a word', [...IIS_HEADER, IIS_LINE.replace(' GET ', ' G3T ')], {}, { reject: 'not an HTTP method' }],
  ['a bad date', [...IIS_HEADER, IIS_LINE.replace('2024-05-06', '2024-05-36')], {}, { reject: 'bad timestamp' }],
  ['time-only without #Date', ['#Fields: time c-ip cs-method cs-uri-stem sc-status', '07:08:09 198.51.100.23 GET /a 200'], {}, { reject: 'no date (time-only log without a #Date directive)' }],
  ['too few values', [...IIS_HEADER, '2024-05-06 07:08:09 10.0.0.5'], {}, { reject: 'too few fields' }],
  ['a bad status', [...IIS_HEADER, IIS_LINE.replace(' 200 0 0 ', ' OK 0 0 ')], {}, { reject: 'bad status' }],
  ['bad bytes', [...IIS_HEADER, IIS_LINE.replace(' 2048 300 ', ' 2k 300 ')], {}, { reject: 'bad byte count' }],
  ['bad time-taken', [...IIS_HEADER, IIS_LINE.replace(/ 250$/, ' 25ms')], {}, { reject: 'bad duration' }],
  ['#Fields without cs-method', ['#Fields: date time c-ip cs-uri-stem sc-status', '2024-05-06 07:08:09 198.51.100.23 /a 200'], {}, { reject: '#Fields lacks cs-method' }],
  ['a combined log line', ['198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"'], {}, { reject: 'bad timestamp' }],
];

describe('w3c', () => {
  it.each(cases)('%s', (_name, lines, options, want) => {
    const results = parseAll(lines, options);
    expect(results).toHaveLength(1);
    if ('reject' in want) expect(results[0]).toEqual(want);
    else expect(results[0]).toMatchObject(want);
  });

  it('follows #Fields as it changes mid-file, and reads a line of an earlier field set by its count (Filebeat test.log)', () => {
    const results = parseAll(fixture('filebeat-2019/iis-access/test.log'));
    expect(results.map((r) => (isRecord(r) ? [r.client, r.status, r.bytes, r.host, r.durationMs] : r))).toEqual([
      ['85.181.35.98', 200, null, '', 123],
      ['127.0.0.1', 200, 123, 'example.com', 789],
      ['85.181.35.98', 200, 123, 'example.com', 789],
      ['10.50.6.188', 401, null, '', 0],
      ['10.50.6.188', 404, null, '', 0],
    ]);
  });

  it('skips comments and blank lines (not records, not rejected)', () => {
    const parser = w3c.create({});
    expect(['#Software: x', '', '   ', '#Remark: anything', '#Fields: date time cs-method cs-uri-stem'].map((l) => parser.parse(l, 's'))).toEqual([null, null, null, null, null]);
  });

  it('is detected among all formats (an FTP log too), and not on CloudFront or CLF lines', () => {
    expect(detect(fixture('filebeat-2019/iis-access/test.log'))).toBe('w3c');
    expect(detect(fixture('lnav/logfile_w3c.1'))).toBe('w3c');
    expect(detect(fixture('lnav/logfile_w3c.4'))).toBe('w3c');
    expect(detect(fixture('lnav/logfile_w3c.2'))).toBe('w3c');
    expect(detect(['2024-05-06 07:08:09 10.0.0.5 GET /health - 80 - 10.0.0.9 - - 200 0 0 15'])).toBe('w3c'); // IIS default columns
    expect(w3c.detect(fixture('node-cloudfront-log-parser/web-1-0.txt'))).toBe(0);
    expect(w3c.detect(['198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"'])).toBe(0);
    // An application log that starts with a date and a time is not an IIS log without a header.
    expect(w3c.detect(['2024-05-06 07:08:09 INFO [main] Starting server on port 8080'])).toBe(0);
  });
});
