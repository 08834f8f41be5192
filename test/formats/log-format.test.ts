import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { compileLogFormat, detectSyntax, normalizeFormatString } from '../../src/formats/log-format.js';
import { LogFormatParser } from '../../src/formats/log-format-parser.js';
import { UTC, zoneResolver } from '../../src/formats/time.js';
import type { ParseResult } from '../../src/formats/types.js';

function parse(format: string, line: string, timeZone?: string): ParseResult {
  return new LogFormatParser(compileLogFormat(format), zoneResolver(timeZone)).parse(line, 'test.log:1');
}

const T = '27/Nov/2026:14:03:11 +0000';
const T_MS = Date.UTC(2026, 10, 27, 14, 3, 11);
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0';

describe('log format compiler', () => {
  it('compiles the nginx and Apache spellings of combined to the same steps', () => {
    const nginx = compileLogFormat('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"');
    const apache = compileLogFormat('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"');
    expect(nginx.syntax).toBe('nginx');
    expect(apache.syntax).toBe('apache');
    const shape = (c: typeof nginx): unknown[] => c.steps.map((s) => [s.op, s.text, s.anchor, s.vars.map((v) => v.code)]);
    expect(shape(nginx)).toEqual(shape(apache));
  });

  it('accepts whole config lines', () => {
    expect(normalizeFormatString(`log_format main '$remote_addr - $remote_user [$time_local] "$request" '\n    '$status $body_bytes_sent';`)).toBe(
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
    );
    expect(normalizeFormatString('LogFormat "%h %l %u %t \\"%r\\" %>s %b" common')).toBe('%h %l %u %t "%r" %>s %b');
    expect(normalizeFormatString(`log_format json escape=json '{"t":"$time_iso8601"}';`)).toBe('{"t":"$time_iso8601"}');
    expect(normalizeFormatString('"$request" $status')).toBe('"$request" $status');
  });

  it('recognizes the syntax from the variables', () => {
    expect(detectSyntax('$remote_addr [$time_local] "$request"')).toBe('nginx');
    expect(detectSyntax('%h %t "%r" %>s')).toBe('apache');
    expect(() => detectSyntax('no variables here')).toThrow(UsageError);
  });

  it.each([
    ['$remote_addr "$request" $status', /has no time/],
    ['$remote_addr [$time_local] $status', /has no request/],
    ['%h %t "%r" %Z', /unknown directive %Z/],
    ['%h %t "%r" %{minutes}T', /unit must be s, ms or us/],
    ['%h %{%Q}t "%r"', /%Q is not supported/],
  ])('refuses %s', (format, message) => {
    expect(() => compileLogFormat(format)).toThrow(UsageError);
    expect(() => compileLogFormat(format)).toThrow(message);
  });

  const cases: [string, string, string, Partial<LogRecord>][] = [
    [
      'nginx $request_time: start = logged time − request time',
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time',
      `203.0.113.7 - - [${T}] "GET /api/items?page=2 HTTP/1.1" 200 512 "-" "${UA}" 0.250`,
      { timeMs: T_MS - 250, method: 'GET', path: '/api/items', query: 'page=2', status: 200, bytes: 512, durationMs: 250, client: '203.0.113.7', userAgent: UA, referrer: '' },
    ],
    [
      'Apache %D: %t is the start, kept',
      '%h %l %u %t "%r" %>s %b %D',
      `203.0.113.7 - - [${T}] "POST /login HTTP/1.1" 302 - 116075`,
      { timeMs: T_MS, method: 'POST', path: '/login', status: 302, bytes: null, durationMs: 116.075 },
    ],
    [
      'Apache %{end:...}t is the end: start = end − %D',
      '%h %{end:%d/%b/%Y:%H:%M:%S %z}t "%r" %>s %b %D',
      `203.0.113.7 ${T} "GET / HTTP/1.1" 200 10 2000000`,
      { timeMs: T_MS - 2000, durationMs: 2000 },
    ],
    [
      'lnav custom: vhost:port, session id, µs at the end',
      '%v:%p %h %{sessid}e %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D',
      'localhost:443 178.20.184.42 1j0vhgd jsmith [26/Jul/2023:00:01:26 -0700] "GET /secure/RapidBoard.jspa?rapidView=1295&selectedIssue=AA-409111 HTTP/2.0" 200 17163 "-" "Mozilla/5.0" 116075',
      { host: 'localhost', client: '178.20.184.42', path: '/secure/RapidBoard.jspa', query: 'rapidView=1295&selectedIssue=AA-409111', status: 200, bytes: 17163, durationMs: 116.075, timeMs: Date.UTC(2023, 6, 26, 7, 1, 26) },
    ],
    [
      'nginx escape=json, with an escaped quote inside a value',
      '{"time":"$time_iso8601","client":"$remote_addr","request":"$request","status":$status,"bytes":$body_bytes_sent,"ua":"$http_user_agent","rt":$request_time}',
      '{"time":"2026-11-27T14:03:11+00:00","client":"198.51.100.4","request":"GET /a?b=1 HTTP/2.0","status":404,"bytes":0,"ua":"curl \\"quoted\\"","rt":0.004}',
      { timeMs: T_MS - 4, method: 'GET', path: '/a', query: 'b=1', status: 404, bytes: 0, client: '198.51.100.4', userAgent: 'curl \\"quoted\\"', durationMs: 4 },
    ],
    [
      'nginx $msec and $host$request_uri read together and split',
      '$msec $request_method $scheme://$host$request_uri $status',
      '1617192247.123 get https://shop.example.com:8443/cart?x=1 201',
      { timeMs: 1617192247123, method: 'GET', host: 'shop.example.com', path: '/cart', query: 'x=1', status: 201, bytes: null, durationMs: null },
    ],
    [
      'nginx $uri$is_args$args',
      '$remote_addr [$time_local] "$request_method $uri$is_args$args" $status',
      `::1 [${T}] "PUT /items/7?force=true" 204`,
      { method: 'PUT', path: '/items/7', query: 'force=true', status: 204, client: '::1' },
    ],
    [
      'nginx $uri$is_args$args without a query',
      '$remote_addr [$time_local] "$request_method $uri$is_args$args" $status',
      `::1 [${T}] "PUT /items/7" 204`,
      { method: 'PUT', path: '/items/7', query: '' },
    ],
    [
      'Apache strftime time with milliseconds, %U%q',
      '%{%Y-%m-%d %H:%M:%S}t.%{msec_frac}t %a "%m %U%q %H" %>s %B',
      '2026-11-27 14:03:11.042 192.0.2.1 "GET /search?q=shoes HTTP/1.1" 200 1234',
      { timeMs: T_MS + 42, method: 'GET', path: '/search', query: 'q=shoes', status: 200, bytes: 1234, client: '192.0.2.1' },
    ],
    [
      'nginx $upstream_response_time list when there is no $request_time',
      '$remote_addr [$time_local] "$request" $status $upstream_response_time',
      `10.1.1.1 [${T}] "GET /x HTTP/1.1" 502 0.100, 0.004`,
      { durationMs: 104, timeMs: T_MS - 104, status: 502 },
    ],
    [
      'Apache %>s wins over %s',
      '%h %t "%r" %s %>s %b',
      `10.1.1.1 [${T}] "GET /x HTTP/1.1" 200 404 5`,
      { status: 404, bytes: 5 },
    ],
    [
      'Apache X-Forwarded-For header before the address: the forwarded client',
      '%{X-Forwarded-For}i %h %l %u %t "%r" %>s %b',
      `203.0.113.9, 10.0.0.1 10.0.0.2 - - [${T}] "GET / HTTP/1.1" 200 1`,
      { client: '203.0.113.9' },
    ],
    [
      'an unbracketed $time_local (it has a space inside)',
      '$remote_addr $time_local "$request" $status',
      `10.1.1.1 ${T} "GET / HTTP/1.1" 200`,
      { timeMs: T_MS, client: '10.1.1.1', status: 200 },
    ],
    [
      'a time without offset, read in --time-zone',
      '$remote_addr [$time_local] "$request" $status',
      '10.1.1.1 [27/Nov/2026 15:03:11] "GET / HTTP/1.1" 200',
      { timeMs: T_MS },
    ],
    [
      'backslash-escaped quotes in the format, as in httpd.conf',
      '%h %l %u %t \\"%r\\" %>s %b',
      `10.1.1.1 - - [${T}] "GET / HTTP/1.1" 200 1`,
      { method: 'GET', status: 200 },
    ],
    [
      'literals that look like code stay literals',
      '[$time_local] \'); throw new Error("x"); (\' $request_method $uri $status',
      `[${T}] '); throw new Error("x"); (' GET /safe 200`,
      { method: 'GET', path: '/safe', status: 200 },
    ],
  ];

  it.each(cases)('%s', (_name, format, line, expected) => {
    const result = parse(format, line, _name.includes('--time-zone') ? '+01:00' : undefined);
    expect(result).toMatchObject({ ...expected, source: 'test.log:1' });
  });

  it.each([
    ['%h %t "%r" %>s %b', `10.1.1.1 [${T}] "GET / HTTP/1.1" abc 1`, 'bad status'],
    ['%h %t "%r" %>s %b', `10.1.1.1 [${T}] "GET / HTTP/1.1" 200 1k`, 'bad byte count'],
    ['%h %t "%r" %>s %b', `10.1.1.1 [99/Nov/2026:14:03:11 +0000] "GET / HTTP/1.1" 200 1`, 'bad timestamp'],
    ['%h %t "%r" %>s %b', `10.1.1.1 "GET / HTTP/1.1" 200 1`, 'does not match format'],
    ['%h %t "%r" %>s %b', `10.1.1.1 [${T}]`, 'does not match format'],
    ['%h %t "%r" %>s %b %D', `10.1.1.1 [${T}] "GET / HTTP/1.1" 200 1 fast`, 'bad duration'],
    ['$remote_addr [$time_local] "$request" $status $request_length', `10.1.1.1 [${T}] "GET / HTTP/1.1" 200 x`, 'bad $request_length'],
  ])('rejects with a stable reason: %s | %s', (format, line, reason) => {
    expect(parse(format, line)).toEqual({ reject: reason });
  });

  it('returns null for blank lines (not records, not rejections)', () => {
    expect(parse('%h %t "%r" %>s %b', '')).toBeNull();
    expect(parse('%h %t "%r" %>s %b', '   ')).toBeNull();
  });

  it('counts captured fields when asked (for detection)', () => {
    const compiled = compileLogFormat('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"');
    const parser = new LogFormatParser(compiled, UTC, true);
    parser.parse(`10.1.1.1 - - [${T}] "GET / HTTP/1.1" 200 1 "-" "curl"`, 'x');
    expect(parser.captured).toBe(6); // client, time, request, status, bytes, user agent
  });
});
