import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { combined, common, nginxIngress, nginxMain, sslRequest, vhostCombined } from '../../src/formats/clf.js';
import { getFormat } from '../../src/formats/index.js';
import type { LineFormat, ParseResult } from '../../src/formats/types.js';

/** Line `n` (1-based) of a fixture under test/fixtures/formats. */
function fixtureLine(path: string, n: number): string {
  const lines = readFileSync(new URL(`../fixtures/formats/${path}`, import.meta.url), 'utf8').split('\n');
  return lines[n - 1] as string;
}

const parse = (format: LineFormat, line: string): ParseResult => format.create({}).parse(line, 'f:1');
const ms = (iso: string): number => Date.parse(iso);

type Case = [string, LineFormat, string, Partial<LogRecord> | { reject: string }];

// Real lines from the fixtures, one per oddity, with the fields we expect.
const cases: Case[] = [
  ['combined, plain', combined, fixtureLine('filebeat-2019/nginx-access/access.log', 2), {
    timeMs: ms('2016-10-25T12:49:34Z'), method: 'GET', path: '/favicon.ico', query: '', status: 404, bytes: 571,
    client: '77.179.66.156', referrer: 'http://localhost:8080/', durationMs: null, host: '',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/54.0.2840.59 Safari/537.36',
  }],
  ['combined, 304 with 0 bytes', combined, fixtureLine('filebeat-2019/nginx-access/access.log', 10), { status: 304, bytes: 0 }],
  ['combined, X-Forwarded-For list before the address', combined, fixtureLine('filebeat-2019/nginx-access/test.log', 3), { client: '85.181.35.98', path: '/ocelot' }],
  ['combined, quoted list then address', combined, fixtureLine('filebeat-2019/nginx-access/test.log', 5), { client: '199.96.1.1', path: '/assets/xxxx', query: 'q=100' }],
  ['combined, IPv6 in the list', combined, fixtureLine('filebeat-2019/nginx-access/test.log', 6), { client: '2a03:0000:10ff:f00f:0000:0000:0:8000' }],
  ['combined, trailing "$http_x_forwarded_for" ignored', combined, fixtureLine('filebeat-2019/nginx-access/test.log', 2), { status: 404, userAgent: 'Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2' }],
  ['combined, empty request "" with 400', combined, fixtureLine('filebeat-2019/nginx-access/test.log', 7), { method: '', path: '', status: 400, bytes: 0, userAgent: '' }],
  ['combined, "-" request with 408 and "-" bytes (a common line)', combined, fixtureLine('filebeat-2019/apache-access/test.log', 3), { method: '', path: '', status: 408, bytes: null, client: '::1' }],
  ['combined, hostname as client', combined, fixtureLine('filebeat-2019/apache-access/test.log', 5), { client: 'monitoring-server', path: '/status' }],
  ['combined, %-encoded path kept raw', combined, fixtureLine('elastic-beats/nginx-ingress_controller/test.log', 24), { path: '/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4' }],
  ['combined, invalid method kept, upper-cased', combined, fixtureLine('elastic-beats/nginx-ingress_controller/test.log', 6), { method: 'GETI', status: 400 }],
  ['combined, Traefik: unquoted - referer and extra fields', combined, fixtureLine('filebeat-2019/traefik-access/test.log', 3), { referrer: '', status: 200, bytes: 2814, path: '/en/' }],
  ['combined, double spaces and trailing response time', combined, fixtureLine('lnav/access_log.samples.log', 5), { client: '10.1.10.51', method: 'POST', bytes: null, userAgent: '' }],
  ['combined, "" referer', combined, fixtureLine('lnav/access_log.samples.log', 7), { referrer: '', status: 204 }],
  ['combined, Python http.server time without zone', combined, fixtureLine('lnav/access_log.samples.log', 8), { timeMs: ms('2023-08-29T22:02:58Z'), bytes: null }],
  ['combined, 1995 request without protocol', combined, fixtureLine('lnav/access_log.samples.log', 9), { method: 'GET', path: '/~scottp/publish.html', timeMs: ms('1995-06-01T06:00:59Z') }],
  ['combined, ident and user set', combined, fixtureLine('lnav/access_log.samples.log', 6).slice('www.example.com '.length), { client: '1.2.3.4', status: 200 }],
  ['combined, user name with @ and "" referer', combined, fixtureLine('logstash/httpd.messages.tsv', 3).split('\t')[1] as string, { client: '10.0.0.1', path: '/bar/foo/users/1/username%40example.com/authenticate', status: 400 }],
  ['combined, status "-"', combined, fixtureLine('logstash/httpd.messages.tsv', 4).split('\t')[1] as string, { status: 0, method: 'OPTIONS', bytes: 7908 }],
  ['common, darwin ::1', common, fixtureLine('filebeat-2019/apache-access/darwin-2.4.23.log', 1), { client: '::1', timeMs: ms('2016-12-26T14:16:28Z'), bytes: 45, userAgent: '' }],
  ['common, "-" request 408', common, fixtureLine('filebeat-2019/apache-access/darwin-2.4.23.log', 3), { method: '', status: 408, bytes: null }],
  ['vhost_combined, nginx host and list', vhostCombined, fixtureLine('elastic-beats/nginx-access/test-with-host.log', 1), { host: 'example.com', client: '10.0.0.2' }],
  ['vhost_combined, host:port and quoted list', vhostCombined, fixtureLine('elastic-beats/nginx-access/test-with-host.log', 5), { host: 'example.com', client: '199.96.1.1' }],
  ['vhost_combined, unix: client and junk request', vhostCombined, fixtureLine('elastic-beats/nginx-access/test-with-host.log', 8), { host: 'example.com', client: 'unix:', method: '', status: 400 }],
  ['vhost_combined, Apache %v:%p', vhostCombined, fixtureLine('goaccess/ci-vcombined.log', 2), { host: 'google.com', client: '::1', method: 'OPTIONS', path: '*' }],
  ['nginx_main, forwarded client', nginxMain, '172.24.0.3 - - [31/Dec/2024:17:32:06 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.11.1" "1.2.3.4, 10.10.1.1"', { client: '1.2.3.4' }],
  ['nginx_main, no forwarded address', nginxMain, '172.24.0.3 - - [31/Dec/2024:17:32:06 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.11.1" "-"', { client: '172.24.0.3' }],
  ['nginx_ingress, request time → start', nginxIngress, fixtureLine('elastic-beats/nginx-ingress_controller/test.log', 25), { durationMs: 33, timeMs: ms('2022-08-24T21:04:17Z') - 33, client: '2a02:cf40::', method: 'POST' }],
  ['nginx_ingress, upstream lists', nginxIngress, fixtureLine('elastic-beats/nginx-ingress_controller/test.log', 22), { durationMs: 1, status: 200 }],
  ['nginx_ingress, "-" upstream fields', nginxIngress, fixtureLine('elastic-beats/nginx-ingress_controller/test.log', 5), { status: 400, method: 'PATCHP', durationMs: 0 }],
  ['ssl_request, no status', sslRequest, fixtureLine('filebeat-2019/apache-access/ssl-request.log', 1), { client: '172.30.0.119', status: 0, bytes: 1375, path: '/nagiosxi/ajaxhelper.php' }],
  // Malformed lines.
  ['combined, ident and user missing (lnav bad line)', combined, fixtureLine('lnav/logfile_bad_access_log.0', 2), { reject: 'does not match format' }],
  ['combined, ISO time without brackets', combined, fixtureLine('lnav/access_log.samples.log', 3), { reject: 'does not match format' }],
  ['combined, Apache error log line', combined, fixtureLine('logstash/httpd.messages.tsv', 6).split('\t')[1] as string, { reject: 'does not match format' }],
  ['combined, bad month', combined, '1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326', { reject: 'bad timestamp' }],
  ['combined, cut after the request', combined, '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0"', { reject: 'does not match format' }],
  ['combined, status not a number', combined, '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" OK 2326', { reject: 'bad status' }],
  ['vhost_combined on a plain combined line', vhostCombined, fixtureLine('filebeat-2019/nginx-access/access.log', 1), { reject: 'does not match format' }],
  ['vhost_combined with a list where the host is', vhostCombined, fixtureLine('filebeat-2019/nginx-access/test.log', 6), { reject: 'bad host' }],
  ['nginx_main on Traefik extras', nginxMain, fixtureLine('filebeat-2019/traefik-access/test.log', 1), { reject: 'does not match format' }],
];

describe('NCSA formats', () => {
  it.each(cases)('%s', (_name, format, line, expected) => {
    expect(parse(format, line)).toMatchObject(expected);
  });

  it('reads a whole fixture per format without rejections', () => {
    const files: [LineFormat, string][] = [
      [combined, 'filebeat-2019/nginx-access/access.log'],
      [combined, 'filebeat-2019/nginx-access/test.log'],
      [combined, 'filebeat-2019/apache-access/test.log'],
      [combined, 'filebeat-2019/apache-access/ubuntu-2.2.22.log'],
      [combined, 'lnav/logfile_access_log.0'],
      [common, 'filebeat-2019/apache-access/darwin-2.4.23.log'],
      [vhostCombined, 'elastic-beats/nginx-access/test-with-host.log'],
      [vhostCombined, 'goaccess/ci-vcombined.log'],
      [nginxIngress, 'elastic-beats/nginx-ingress_controller/test.log'],
    ];
    for (const [format, file] of files) {
      const parser = format.create({});
      const lines = readFileSync(new URL(`../fixtures/formats/${file}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
      const rejected = lines.map((l, i) => [i + 1, parser.parse(l, `${file}:${i + 1}`)] as const).filter(([, r]) => r === null || 'reject' in r);
      expect(rejected, `${format.name} on ${file}`).toEqual([]);
    }
  });

  it('the custom nginx and apache formats compile --log-format (default: combined)', () => {
    const line = fixtureLine('filebeat-2019/nginx-access/access.log', 1);
    expect(getFormat('nginx').create({}).parse(line, 'x')).toMatchObject({ status: 200 });
    expect(getFormat('apache').create({ logFormat: '%h %l %u %t "%r" %>s %b' }).parse(line, 'x')).toMatchObject({ status: 200, userAgent: '' });
    expect(getFormat('nginx').detect([line])).toBe(0);
  });
});
