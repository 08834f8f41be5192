import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { awsAndW3cFormats } from '../../src/formats/aws-registry.js';
import { detectFormat, formats } from '../../src/formats/index.js';
import { s3access } from '../../src/formats/s3access.js';
import type { ParseResult } from '../../src/formats/types.js';

const fixtureLines = (path: string): string[] =>
  readFileSync(new URL(`../fixtures/aws/${path}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
const logstash = (row: number): string => (fixtureLines('logstash/aws.messages.tsv')[row - 1] as string).split('\t')[1] as string;
const detect = (lines: string[]): string => detectFormat(lines, { formats: [...formats, ...awsAndW3cFormats] }).format.name;
const parse = (line: string): ParseResult => s3access.create({}).parse(line, 's3.log:3');
const ms = (iso: string): number => Date.parse(iso);

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const LINE =
  `${OWNER} shop-assets [06/May/2024:07:08:09 +0200] 198.51.100.23 - 3E57427F3EXAMPLE REST.GET.OBJECT img/logo.png ` +
  '"GET /img/logo.png?v=3 HTTP/1.1" 200 - 5120 5120 42 17 "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64), with commas" - ' +
  'Ws4NmH0VkXgtA5NTgCSdr+lk5kGM7nt3= SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString shop-assets.s3.eu-west-1.amazonaws.com TLSv1.2 - Yes';
const samples = fixtureLines('lnav/format-samples/s3_log.samples.log');

const cases: [string, string, Partial<LogRecord> | { reject: string } | null][] = [
  ['every field; the time is the start as logged, total time the duration', LINE, {
    timeMs: ms('2024-05-06T05:08:09Z'), method: 'GET', path: '/img/logo.png', query: 'v=3', status: 200, bytes: 5120, durationMs: 42,
    client: '198.51.100.23', userAgent: 'Mozilla/5.0 (X11; Linux x86_64), with commas', referrer: 'https://shop.example.com/',
    host: 'shop-assets.s3.eu-west-1.amazonaws.com', source: 's3.log:3',
  }],
  ['"-" bytes sent means zero; "-" total time is no duration', LINE.replace('200 - 5120 5120 42 17', '304 - - 5120 - -'), { status: 304, bytes: 0, durationMs: null }],
  ['an error code', LINE.replace('200 - 5120', '403 AccessDenied 243'), { status: 403, bytes: 243 }],
  ['a user agent with escaped quotes', LINE.replace('"Mozilla/5.0 (X11; Linux x86_64), with commas"', '"aws-cli/2.15 \\"md/x\\" os/linux"'), { userAgent: 'aws-cli/2.15 \\"md/x\\" os/linux' }],
  ['lnav sample: a 2012 line that stops after the user agent', samples[0] as string, { timeMs: ms('2012-02-10T21:42:07Z'), path: '/index', durationMs: 10, host: '', userAgent: expect.stringContaining('Chrome/17') as unknown as string }],
  ['lnav sample: the AWS documentation line', samples[1] as string, { path: '/awsexamplebucket1', query: 'versioning', bytes: 113, host: 'awsexamplebucket1.s3.us-west-1.amazonaws.com' }],
  ['logstash spec: short owner ids, "-" requester', logstash(7), { status: 304, bytes: 0, durationMs: 10, userAgent: 'Mozilla/5.0', client: '10.0.1.2' }],
  // Not requests, and malformed lines.
  ['an operation S3 ran by itself (request-uri "-"): not a record', `${OWNER} shop-assets [06/May/2024:07:08:09 +0000] - AmazonS3 9B0CDA8F9EXAMPLE S3.EXPIRE.OBJECT img/old.png - - - - 1024 - - - - - - - - - - -`, null],
  ['one object of a multi-object delete: not a record', `${OWNER} shop-assets [06/May/2024:07:08:09 +0000] 198.51.100.23 arn:aws:iam::123456789012:user/ops 8CD7A4A71E2E5C9E BATCH.DELETE.OBJECT img/old.png - 204 - - 1024 - - - - -`, null],
  ['logstash spec: a line cut after the time', logstash(8), { reject: 'too few fields' }],
  ['empty line', '', null],
  ['no [time] third', LINE.replace('[06/May/2024:07:08:09 +0200]', '2024-05-06T07:08:09Z'), { reject: 'does not match format' }],
  ['a bad time', LINE.replace('06/May/2024', '06/Mai/2024'), { reject: 'bad timestamp' }],
  ['an operation that is not one', LINE.replace('REST.GET.OBJECT', 'get-object'), { reject: 'does not match format' }],
  ['a bad status', LINE.replace('" 200 -', '" OK -'), { reject: 'bad status' }],
  ['bad bytes', LINE.replace('200 - 5120 5120', '200 - 5k 5120'), { reject: 'bad byte count' }],
  ['a bad total time', LINE.replace('5120 5120 42 17', '5120 5120 4.2 17'), { reject: 'bad duration' }],
  ['a combined log line', '198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"', { reject: 'does not match format' }],
];

describe('s3access', () => {
  it.each(cases)('%s', (_name, text, want) => {
    const result = parse(text);
    if (want === null || 'reject' in want) expect(result).toEqual(want);
    else expect(result).toMatchObject(want);
  });

  it('is detected among all formats, and not on other bracketed-time logs', () => {
    expect(detect(samples)).toBe('s3access');
    expect(detect([LINE, logstash(6), logstash(7)])).toBe('s3access');
    expect(s3access.detect(['198.51.100.23 - - [06/May/2024:07:08:09 +0000] "GET / HTTP/1.1" 200 45 "-" "curl/8.0"'])).toBe(0);
    expect(s3access.detect(fixtureLines('lnav/logfile_haproxy.0'))).toBe(0);
  });
});
