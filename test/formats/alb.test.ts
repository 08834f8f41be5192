import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { alb } from '../../src/formats/alb.js';
import { awsAndW3cFormats } from '../../src/formats/aws-registry.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import type { ParseResult } from '../../src/formats/types.js';

const fixtureLines = (path: string): string[] =>
  readFileSync(new URL(`../fixtures/aws/${path}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
const detect = (lines: string[]): string => detectFormat(lines, { formats: [...formats, ...awsAndW3cFormats] }).format.name;
const parse = (line: string): ParseResult => alb.create({}).parse(line, 'alb.log:1');
const ms = (iso: string): number => Date.parse(iso);

/** An ALB line of today's 29+ fields; `over` replaces fields by index (quotes included). */
function line(over: Record<number, string> = {}): string {
  const fields = [
    'https', '2024-05-06T07:08:09.123456Z', 'app/shop-lb/0123456789abcdef', '203.0.113.7:53211', '10.0.1.5:8080',
    '0.002', '0.150', '0.001', '200', '200', '512', '2048',
    '"GET https://shop.example.com:443/api/products/42?color=red&size=m HTTP/1.1"', '"Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"',
    'TLS_AES_128_GCM_SHA256', 'TLSv1.3', 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/0123456789abcdef',
    '"Root=1-66388a89-0123456789abcdef01234567"', '"shop.example.com"', '"arn:aws:acm:eu-west-1:123456789012:certificate/abc"',
    '1', '2024-05-06T07:08:08.970000Z', '"forward"', '"-"', '"-"', '"10.0.1.5:8080"', '"200"', '"-"', '"-"',
  ];
  for (const [i, value] of Object.entries(over)) fields[Number(i)] = value;
  return fields.join(' ');
}

const samples = fixtureLines('lnav/format-samples/alb_log.samples.log');

const cases: [string, string, Partial<LogRecord> | { reject: string } | null][] = [
  ['every field of a current line', line(), {
    timeMs: ms('2024-05-06T07:08:08.970Z'), method: 'GET', path: '/api/products/42', query: 'color=red&size=m', status: 200, bytes: 2048,
    durationMs: 153, client: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', referrer: '', host: 'shop.example.com', source: 'alb.log:1',
  }],
  ['-1 timers: no duration, the start is still request_creation_time', line({ 5: '-1', 6: '-1', 7: '-1', 8: '504', 9: '-' }), {
    timeMs: ms('2024-05-06T07:08:08.970Z'), durationMs: null, status: 504,
  }],
  ['one -1 timer is enough to lose the duration', line({ 6: '-1', 8: '460' }), { durationMs: null, status: 460 }],
  ['target "-" and a Lambda error', line({ 4: '-', 8: '502', 9: '-', 24: '"LambdaInvalidResponse"' }), { status: 502, client: '203.0.113.7' }],
  ['http on port 80, no TLS fields', line({ 0: 'http', 12: '"POST http://shop.example.com:80/cart HTTP/1.1"', 14: '-', 15: '-' }), { method: 'POST', path: '/cart', query: '', host: 'shop.example.com' }],
  ['h2 to an IP address and port', line({ 0: 'h2', 12: '"GET https://10.0.2.105:773/ HTTP/2.0"', 18: '"-"' }), { path: '/', host: '10.0.2.105' }],
  ['grpcs', line({ 0: 'grpcs', 12: '"POST https://api.example.com:443/shop.Catalog/Get HTTP/2.0"' }), { method: 'POST', path: '/shop.Catalog/Get' }],
  ['websocket, user agent "-"', line({ 0: 'wss', 8: '101', 13: '"-"' }), { status: 101, userAgent: '' }],
  ['IPv6 client logged without brackets: the last group is the port', line({ 3: '2001:db8:c529:9dad:6bbc:c529:9dad:6bbc:50599' }), { client: '2001:db8:c529:9dad:6bbc:c529:9dad:6bbc' }],
  ['a user agent with quotes of its own', line({ 13: '"Mozilla/5.0 "quoted" thing"' }), { userAgent: 'Mozilla/5.0 "quoted" thing', host: 'shop.example.com' }],
  ['a missing space after a quoted field ("-"1), as in Filebeat\'s fixture', line({ 19: '"-"1', 20: '' }).replace('"-"1  ', '"-"1 '), {
    timeMs: ms('2024-05-06T07:08:08.970Z'),
  }],
  ['newer trailing fields are ignored', `${line()} TID_0123456789abcdef "-" "-" "-" "something new"`, { status: 200, durationMs: 153 }],
  ['non-HTTP bytes: "- http://host:80- -" names no endpoint', line({ 0: 'http', 5: '-1', 6: '-1', 7: '-1', 8: '400', 9: '-', 10: '0', 11: '0', 12: '"- http://shop.example.com:80- -"', 13: '"-"', 18: '"-"' }), {
    method: '', path: '', query: '', host: '', status: 400, bytes: 0, durationMs: null,
  }],
  ['"- - -" request', line({ 8: '400', 12: '"- - -"' }), { method: '', path: '', status: 400 }],
  ['lnav sample: a 2016 line without request_creation_time: start = time − processing', samples[0] as string, {
    timeMs: ms('2016-08-10T22:08:42.944Z'), durationMs: 1, host: 'www.example.com', client: '192.168.131.39', bytes: 366,
  }],
  ['lnav sample: unquoted domain_name and chosen_cert_arn (2016)', samples[1] as string, { timeMs: ms('2016-08-10T23:39:42.894Z'), durationMs: 171, bytes: 57 }],
  // Malformed.
  ['empty line', '', null],
  ['spaces only', '   ', null],
  ['an unknown connection type', line({ 0: 'tcp' }), { reject: 'does not match format' }],
  ['a bad time', line({ 1: '2024-13-06T07:08:09.123456Z' }), { reject: 'bad timestamp' }],
  ['cut short after the bytes', line().split(' ').slice(0, 12).join(' '), { reject: 'too few fields' }],
  ['a status that is not a number', line({ 8: 'OK' }), { reject: 'bad status' }],
  ['a timer that is not a number', line({ 6: '0.1s' }), { reject: 'bad processing time' }],
  ['sent bytes not a number', line({ 11: 'many' }), { reject: 'bad byte count' }],
  ['a combined log line', '203.0.113.7 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.0"', { reject: 'does not match format' }],
  ['a Classic ELB line', '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -', { reject: 'does not match format' }],
];

describe('alb', () => {
  it.each(cases)('%s', (_name, text, want) => {
    const result = parse(text);
    if (want === null || 'reject' in want) expect(result).toEqual(want);
    else expect(result).toMatchObject(want);
  });

  it('keeps no state between lines', () => {
    const parser = alb.create({});
    const a = parser.parse(line({ 12: '"GET https://a.example.com:443/x HTTP/1.1"' }), 'f:1');
    const b = parser.parse(line({ 12: '"GET http://b.example.com:80/y?z HTTP/1.1"' }), 'f:2');
    expect(a).toMatchObject({ host: 'a.example.com', path: '/x', query: '', source: 'f:1' });
    expect(b).toMatchObject({ host: 'b.example.com', path: '/y', query: 'z', source: 'f:2' });
  });

  it('is detected among all formats, and only on ALB lines', () => {
    expect(detect(samples)).toBe('alb');
    expect(detect([line(), line({ 0: 'h2' }), line({ 0: 'ws' })])).toBe('alb');
    expect(alb.detect(['203.0.113.7 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.0"'])).toBe(0);
    expect(alb.detect(fixtureLines('lnav/format-samples/elb_log.samples.log'))).toBe(0);
  });
});
