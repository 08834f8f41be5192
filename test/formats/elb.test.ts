import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { awsAndW3cFormats } from '../../src/formats/aws-registry.js';
import { elb } from '../../src/formats/elb.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import { isRecord, type ParseResult } from '../../src/formats/types.js';

const fixtureLines = (path: string): string[] =>
  readFileSync(new URL(`../fixtures/aws/${path}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
/** The message column of logstash-patterns-core's spec lines. */
const logstash = (row: number): string => (fixtureLines('logstash/aws.messages.tsv')[row - 1] as string).split('\t')[1] as string;
const detect = (lines: string[]): string => detectFormat(lines, { formats: [...formats, ...awsAndW3cFormats] }).format.name;
const parse = (line: string): ParseResult => elb.create({}).parse(line, 'elb.log:7');
const ms = (iso: string): number => Date.parse(iso);

const samples = fixtureLines('lnav/format-samples/elb_log.samples.log');
const LINE =
  '2024-05-06T07:08:09.500000Z shop-lb 198.51.100.23:40001 10.0.3.4:8080 0.000100 0.250000 0.000050 201 201 321 45 ' +
  '"POST https://shop.example.com:443/api/orders?src=app HTTP/1.1" "okhttp/4.12.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2';

const cases: [string, string, Partial<LogRecord> | { reject: string } | null][] = [
  ['every field; start = timestamp − the three processing times', LINE, {
    timeMs: Math.floor(ms('2024-05-06T07:08:09.500Z') - 250.15), method: 'POST', path: '/api/orders', query: 'src=app', status: 201, bytes: 45,
    durationMs: 250.15, client: '198.51.100.23', userAgent: 'okhttp/4.12.0', referrer: '', host: 'shop.example.com', source: 'elb.log:7',
  }],
  ['lnav sample: microsecond timers', samples[0] as string, {
    timeMs: Math.floor(ms('2015-11-17T05:45:24.077255Z') - 0.031 - 9.511 - 0.029), durationMs: 9.571, path: '/foo/bar', query: 'baz=1234', host: 'example.com', userAgent: 'test agent',
  }],
  ['logstash spec: a 2014 line that stops after the request', logstash(2), { status: 200, bytes: 29, userAgent: '', host: 'www.example.com', durationMs: 1.178 }],
  ['logstash spec: backend "-" and -1 timers: no duration, start = timestamp', logstash(3), {
    timeMs: ms('2015-04-10T08:11:09.865Z'), durationMs: null, status: 408, method: 'PUT', path: '/videos/F4_M-T4X0MM6Hvy1PFHesw', client: '49.150.87.133',
  }],
  ['logstash spec: "(#56-0ef1d4a5)" in the user agent', logstash(4), { userAgent: 'curl/7.38.0 (#56-0ef1d4a5)' }],
  ['logstash spec: user agent "-" and no TLS', logstash(5), { userAgent: '', status: 200 }],
  ['a backend status "-" (no backend answered)', LINE.replace('201 201', '503 -'), { status: 503 }],
  // TCP and SSL listeners, and malformed lines.
  ['lnav sample: TCP listener "- - - "', samples[3] as string, { reject: 'TCP/SSL listener connection (no HTTP request)' }],
  ['lnav sample: SSL listener', samples[4] as string, { reject: 'TCP/SSL listener connection (no HTTP request)' }],
  ['empty line', '', null],
  ['an ALB line', fixtureLines('lnav/format-samples/alb_log.samples.log')[0] as string, { reject: 'does not match format' }],
  ['a combined log line', '198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"', { reject: 'does not match format' }],
  ['a bad timestamp', LINE.replace('2024-05-06T07:08:09', '2024-05-06T25:08:09'), { reject: 'bad timestamp' }],
  ['cut short', LINE.split(' ').slice(0, 9).join(' '), { reject: 'too few fields' }],
  ['a timer that is not a number', LINE.replace('0.250000', '0,25'), { reject: 'bad processing time' }],
  ['a bad status', LINE.replace('201 201', '2O1 201'), { reject: 'bad status' }],
  ['bad bytes', LINE.replace('321 45', '321 4x5'), { reject: 'bad byte count' }],
];

describe('elb', () => {
  it.each(cases)('%s', (_name, text, want) => {
    const result = parse(text);
    if (want === null || 'reject' in want) expect(result).toEqual(want);
    else expect(result).toMatchObject(want);
  });

  it('is detected among all formats; a log of TCP-listener lines is still named elb', () => {
    expect(detect(samples)).toBe('elb');
    expect(detect([LINE, LINE])).toBe('elb');
    const tcpOnly = [samples[3] as string, samples[4] as string];
    expect(detect(tcpOnly)).toBe('elb');
    expect(tcpOnly.map(parse).filter(isRecord)).toEqual([]);
    expect(elb.detect(fixtureLines('lnav/format-samples/alb_log.samples.log'))).toBe(0);
    expect(elb.detect(['198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"'])).toBe(0);
  });
});
