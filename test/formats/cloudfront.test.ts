import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { decodeLoose } from '../../src/formats/aws-fields.js';
import { awsAndW3cFormats } from '../../src/formats/aws-registry.js';
import { cloudfront } from '../../src/formats/cloudfront.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import { isRecord, type ParseResult } from '../../src/formats/types.js';

const fixture = (path: string): string[] => readFileSync(new URL(`../fixtures/aws/${path}`, import.meta.url), 'utf8').split('\n');
const detect = (lines: string[]): string => detectFormat(lines, { formats: [...formats, ...awsAndW3cFormats] }).format.name;
const ms = (iso: string): number => Date.parse(iso);

/** Every line through one parser (the #Fields header is state), null results dropped. */
function parseAll(lines: string[]): ParseResult[] {
  const parser = cloudfront.create({});
  return lines.map((line, i) => parser.parse(line, `cf.log:${i + 1}`)).filter((r) => r !== null);
}

const FIELDS_33 =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) ' +
  'x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher ' +
  'x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type ' +
  'sc-content-type sc-content-len sc-range-start sc-range-end';

/** A standard 33-column line; `over` replaces columns by name. */
function line(over: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    date: '2024-05-06', time: '07:08:09', 'x-edge-location': 'FRA56-P1', 'sc-bytes': '2048', 'c-ip': '198.51.100.23', 'cs-method': 'GET',
    'cs(Host)': 'd111111abcdef8.cloudfront.net', 'cs-uri-stem': '/api/products/42', 'sc-status': '200', 'cs(Referer)': 'https://shop.example.com/',
    'cs(User-Agent)': 'Mozilla/5.0%20(X11;%20Linux%20x86_64)%20Firefox/125.0', 'cs-uri-query': 'color=red', 'cs(Cookie)': '-',
    'x-edge-result-type': 'Miss', 'x-edge-request-id': 'abc==', 'x-host-header': 'shop.example.com', 'cs-protocol': 'https', 'cs-bytes': '300',
    'time-taken': '0.250', 'x-forwarded-for': '-', 'ssl-protocol': 'TLSv1.3', 'ssl-cipher': 'TLS_AES_128_GCM_SHA256', 'x-edge-response-result-type': 'Miss',
    'cs-protocol-version': 'HTTP/2.0', 'fle-status': '-', 'fle-encrypted-fields': '-', 'c-port': '40001', 'time-to-first-byte': '0.240',
    'x-edge-detailed-result-type': 'Miss', 'sc-content-type': 'application/json', 'sc-content-len': '2000', 'sc-range-start': '-', 'sc-range-end': '-',
    ...over,
  };
  return FIELDS_33.split(' ').map((name) => values[name]).join('\t');
}

const HEADER = ['#Version: 1.0', `#Fields: ${FIELDS_33}`];

const cases: [string, string[], Partial<LogRecord> | { reject: string }][] = [
  ['every field, after a #Fields header; start = date time − time-taken', [...HEADER, line()], {
    timeMs: ms('2024-05-06T07:08:08.750Z'), method: 'GET', path: '/api/products/42', query: 'color=red', status: 200, bytes: 2048, durationMs: 250,
    client: '198.51.100.23', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', referrer: 'https://shop.example.com/', host: 'shop.example.com', source: 'cf.log:3',
  }],
  ['without a header: the standard 33 columns', [line()], { timeMs: ms('2024-05-06T07:08:08.750Z'), status: 200, source: 'cf.log:1' }],
  ['a TAB after "#Fields:"', ['#Version:\t1.0', `#Fields:\t${FIELDS_33.replaceAll(' ', '\t')}`, line()], { path: '/api/products/42', durationMs: 250 }],
  ['user agent encoded twice (%2520), as in the AWS documentation', [line({ 'cs(User-Agent)': 'Mozilla/5.0%2520(iPhone;%2520CPU%2520iPhone%2520OS%252010_2_1)' })], { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_2_1)' }],
  ['a bad %-sequence in the user agent stays as it is', [line({ 'cs(User-Agent)': 'bot%20v1%E0%A4%A%20%ZZ' })], { userAgent: 'bot v1%E0%A4%A %ZZ' }],
  ['the path stays as logged', [line({ 'cs-uri-stem': '/caf%C3%A9/a%20b' })], { path: '/caf%C3%A9/a%20b' }],
  ['status 000: the viewer left before the response', [line({ 'sc-status': '000' })], { status: 0 }],
  ['no x-host-header: the distribution domain', [line({ 'x-host-header': '-' })], { host: 'd111111abcdef8.cloudfront.net' }],
  ['IPv6 viewer', [line({ 'c-ip': '2001:db8:add:4002:91f2:a9b2:e09a:6fc6' })], { client: '2001:db8:add:4002:91f2:a9b2:e09a:6fc6' }],
  ['POST with a query', [line({ 'cs-method': 'POST', 'cs-uri-query': 'source=global' })], { method: 'POST', query: 'source=global' }],
  ['"-" time-taken: no duration, start = date time', [line({ 'time-taken': '-' })], { durationMs: null, timeMs: ms('2024-05-06T07:08:09Z') }],
  ['a line short of its trailing columns is still read', [line().split('\t').slice(0, 24).join('\t')], { status: 200, durationMs: 250 }],
  // Malformed.
  ['a bad date', [line({ date: '2024-02-30x' })], { reject: 'bad timestamp' }],
  ['a bad status', [line({ 'sc-status': 'OK' })], { reject: 'bad status' }],
  ['bad bytes', [line({ 'sc-bytes': '2k' })], { reject: 'bad byte count' }],
  ['bad time-taken', [line({ 'time-taken': '0,25' })], { reject: 'bad duration' }],
  ['too few columns', [line().split('\t').slice(0, 6).join('\t')], { reject: 'too few fields' }],
  ['a space-separated W3C line', ['2024-05-06 07:08:09 10.0.0.1 GET /a - 80 - 198.51.100.23 curl/8.0 - 200 0 0 15'], { reject: 'too few fields' }],
  ['a #Fields header without cs-method', ['#Fields: date time c-ip cs-uri-stem sc-status', '2024-05-06\t07:08:09\t198.51.100.23\t/a\t200'], { reject: '#Fields lacks cs-method' }],
];

describe('cloudfront', () => {
  it.each(cases)('%s', (_name, lines, want) => {
    const results = parseAll(lines);
    expect(results).toHaveLength(1);
    if ('reject' in want) expect(results[0]).toEqual(want);
    else expect(results[0]).toMatchObject(want);
  });

  it('follows a #Fields header that changes mid-file (older 24-column files, then 33)', () => {
    const old = fixture('node-cloudfront-log-parser/web-1-0.txt');
    const results = parseAll([...old, ...HEADER, line()]);
    expect(results.map((r) => (isRecord(r) ? [r.path, r.status, r.host] : r))).toEqual([
      ['/view/my/file.html', 200, 'd111111abcdef8.cloudfront.net'],
      ['/soundtrack/happy.mp3', 304, 'd111111abcdef8.cloudfront.net'],
      ['/api/products/42', 200, 'shop.example.com'],
    ]);
  });

  it('reads a real-time log export with a header: epoch timestamp, cs-user-agent, query in cs-uri-stem', () => {
    const [record] = parseAll(fixture('node-cloudfront-log-parser/kinesis-1-0.txt'));
    expect(record).toMatchObject({
      timeMs: 1607374321541 - 42, path: '/i', query: expect.stringMatching(/^stm=1607374321563&e=pp&url=http%253A/) as unknown as string,
      status: 200, bytes: 485, durationMs: 42, client: '127.0.0.1', host: 'test.cloudfront.net', referrer: 'http://localhost:5000/page-2',
    });
  });

  it('rejects RTMP streaming events, and still names the format', () => {
    const lines = fixture('node-cloudfront-log-parser/rtmp-1-0.txt');
    expect(parseAll(lines)).toEqual(Array.from({ length: 6 }, () => ({ reject: 'RTMP streaming event (not an HTTP request)' })));
    expect(detect(lines)).toBe('cloudfront');
  });

  it('is detected among all formats, and not on W3C/IIS logs', () => {
    expect(detect(fixture('node-cloudfront-log-parser/web-1-0.txt'))).toBe('cloudfront');
    expect(detect(fixture('node-cloudfront-log-parser/web-1-0-2019-12.txt'))).toBe('cloudfront');
    expect(detect([line(), line({ 'sc-status': '404' })])).toBe('cloudfront');
    expect(cloudfront.detect(fixture('filebeat-2019/iis-access/test.log'))).toBe(0);
    expect(cloudfront.detect(fixture('lnav/logfile_w3c_big.0'))).toBe(0);
  });

  it('decodes %XX loosely', () => {
    expect(decodeLoose('plain')).toBe('plain');
    expect(decodeLoose('a%20b%2520c%2522d%255Ce')).toBe('a b c"d\\e');
    expect(decodeLoose('%C3%A9%FF%20x')).toBe('é%FF x');
    expect(decodeLoose('100%')).toBe('100%');
  });
});
