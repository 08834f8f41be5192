import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { awsAndW3cFormats } from '../../src/formats/aws-registry.js';
import { haproxy } from '../../src/formats/haproxy.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import { isRecord, type FormatOptions, type ParseResult } from '../../src/formats/types.js';

const fixtureLines = (path: string): string[] =>
  readFileSync(new URL(`../fixtures/aws/${path}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
/** The message column of logstash-patterns-core's spec lines (row 1 is the header). */
const logstash = (row: number): string => (fixtureLines('logstash/haproxy.messages.tsv')[row - 1] as string).split('\t')[1] as string;
const detect = (lines: string[]): string => detectFormat(lines, { formats: [...formats, ...awsAndW3cFormats] }).format.name;
const parse = (line: string, options: FormatOptions = {}): ParseResult => haproxy.create(options).parse(line, 'haproxy.log:9');
const ms = (iso: string): number => Date.parse(iso);

const LINE =
  'May  6 07:08:10 lb1 haproxy[1234]: 198.51.100.23:40001 [06/May/2024:07:08:09.123] www~ shop/web2 2/0/1/150/153 200 2048 - - ---- ' +
  '12/10/3/1/0 0/0 {shop.example.com|Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0} {} "GET /api/products/42?color=red HTTP/1.1"';
const lnav = fixtureLines('lnav/logfile_haproxy.0');

const cases: [string, string, FormatOptions, Partial<LogRecord> | { reject: string } | null][] = [
  ['every field, syslog-wrapped; start = accept date, duration = Ta', LINE, {}, {
    timeMs: ms('2024-05-06T07:08:09.123Z'), method: 'GET', path: '/api/products/42', query: 'color=red', status: 200, bytes: 2048, durationMs: 153,
    client: '198.51.100.23', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', referrer: '', host: 'shop.example.com', source: 'haproxy.log:9',
  }],
  ['the accept date is read in --time-zone', LINE, { timeZone: '+02:00' }, { timeMs: ms('2024-05-06T05:08:09.123Z') }],
  ['without the syslog prefix; logasap "+" on Tt', logstash(6), {}, { timeMs: ms('2013-12-09T12:59:46.633Z'), durationMs: 99627, status: 200, client: '127.0.0.1', userAgent: '', host: '' }],
  ['an ISO 8601 syslog stamp; no captures', logstash(3), {}, { timeMs: ms('2015-11-03T06:25:25.105Z'), status: 304, durationMs: 5027, path: '/component---src-pages-index-js-4b15624544f97cf0bb8f.js' }],
  ['captured host header, empty slots; absolute URI in the request', logstash(4), {}, { host: '192.168.0.12', path: '/serv/login.php', query: 'lang=en&profile=2' }],
  ['<NOSRV>, -1 timers and <BADREQ>', logstash(5), {}, { method: '', path: '', status: 408, durationMs: 6001, client: '188.223.50.7' }],
  ['a request cut short by the log line length (no closing quote)', logstash(7), {}, { method: 'GET', path: expect.stringMatching(/^\/path\/to\/request\/that\/exceeds/) as unknown as string, status: 200 }],
  ['CONNECT', logstash(8), {}, { method: 'CONNECT', path: 'localhost:8080', status: 405 }],
  ['lnav: the user agent captured alone', lnav[3] as string, {}, { userAgent: 'Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:65.0) Gecko/20100101 Firefox/65.0', durationMs: 1487, bytes: 11394 }],
  ['an X-Forwarded-For capture is not taken for a host', logstash(2), {}, { host: '', status: 200, durationMs: 99627 }],
  ['status -1 (no response) and Ta -1', LINE.replace('2/0/1/150/153 200', '2/0/-1/-1/-1 -1'), {}, { status: 0, durationMs: null }],
  ['IPv6 client', LINE.replace('198.51.100.23:40001', '2001:db8::17:40001'), {}, { client: '2001:db8::17' }],
  // Not requests.
  ['a TCP-mode line', logstash(9), {}, { reject: 'TCP log line (no HTTP request)' }],
  ['startup', lnav[0] as string, {}, null],
  ['a connection error after the accept date', 'Feb 25 16:20:15 192.168.4.2 haproxy[7]: 95.216.197.33:56224 [25/Feb/2019:16:20:10.111] prod_http_in/sktst2: SSL handshake failure', {}, null],
  ['"Connect from" (no httplog)', fixtureLines('filebeat-2019/haproxy-log/default.log')[0] as string, {}, null],
  ['empty line', '', {}, null],
  // Malformed.
  ['a bad accept date', LINE.replace('06/May/2024:07:08:09.123', '36/May/2024:07:08:09.123'), {}, { reject: 'bad timestamp' }],
  ['timers that are not numbers', LINE.replace('2/0/1/150/153', '2/0/1/150/x'), {}, { reject: 'bad timers' }],
  ['a status that is not a number', LINE.replace(' 200 2048 ', ' OK 2048 '), {}, { reject: 'bad status' }],
  ['bytes that are not a number', LINE.replace(' 200 2048 ', ' 200 2k '), {}, { reject: 'bad byte count' }],
  ['no request after the queues', LINE.slice(0, LINE.indexOf(' {')), {}, { reject: 'does not match format' }],
  ['an unterminated capture', LINE.replace('{} "GET', '{ "GET').replace(/\} \{/, ' '), {}, { reject: 'does not match format' }],
];

describe('haproxy', () => {
  it.each(cases)('%s', (_name, text, options, want) => {
    const result = parse(text, options);
    if (want === null || 'reject' in want) expect(result).toEqual(want);
    else expect(result).toMatchObject(want);
  });

  it('reads lnav\'s log with its startup and error lines mixed in', () => {
    const parser = haproxy.create({});
    const results = lnav.map((l, i) => parser.parse(l, `logfile_haproxy.0:${i + 1}`));
    expect(results.filter(isRecord)).toHaveLength(13);
    expect(results.filter((r) => r === null)).toHaveLength(4);
  });

  it('is detected among all formats, and not on CLF or S3 lines', () => {
    expect(detect(lnav)).toBe('haproxy');
    expect(detect(fixtureLines('filebeat-2019/haproxy-log/httplog-no-headers.log'))).toBe('haproxy');
    expect(detect(fixtureLines('lnav/format-samples/haproxy_log.samples.log'))).toBe('haproxy');
    expect(haproxy.detect(['198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"'])).toBe(0);
    expect(haproxy.detect(fixtureLines('lnav/format-samples/s3_log.samples.log'))).toBe(0);
  });
});
