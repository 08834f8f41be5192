import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { jsonFormats } from '../../src/formats/json-registry.js';
import { compilePath, durationMsOf, epochToMs, splitTarget, timeOf, valueAt } from '../../src/formats/json-values.js';
import { caddyFormat, cloudflareFormat, envoyFormat, genericJsonFormat, traefikFormat } from '../../src/formats/jsonl.js';
import { UTC } from '../../src/formats/time.js';
import type { FormatOptions, LineFormat, ParseResult } from '../../src/formats/types.js';

const LOCAL = new URL('../fixtures/jsonl/', import.meta.url);
const TRAEFIK = new URL('../../../shared/fixtures/elastic-integrations/traefik-access/test-format-json.log', import.meta.url);

function lines(url: URL): string[] {
  return readFileSync(url, 'utf8').split('\n').filter((l) => l !== '');
}
const local = (name: string): string[] => lines(new URL(name, LOCAL));
const ms = (iso: string): number => Date.parse(iso);
const parse = (format: LineFormat, line: string, options: FormatOptions = {}): ParseResult => format.create(options).parse(line, 'f:1');

type Want = Partial<LogRecord> | { reject: string } | null;

function check(result: ParseResult, want: Want): void {
  if (want === null) {
    expect(result).toBeNull();
    return;
  }
  if ('reject' in want) {
    expect(result).toEqual(want);
    return;
  }
  expect(result).not.toBeNull();
  expect(result).not.toHaveProperty('reject');
  const record = result as LogRecord;
  for (const [key, value] of Object.entries(want)) {
    if (typeof value === 'number' && (key === 'timeMs' || key === 'durationMs')) expect(record[key as keyof LogRecord], key).toBeCloseTo(value, 3);
    else expect(record[key as keyof LogRecord], key).toEqual(value);
  }
}

describe('JSON values', () => {
  it.each([
    // The epoch unit is decided by magnitude (json-values.ts, epochToMs).
    ['seconds', 1_700_000_000, 1_700_000_000_000],
    ['seconds with a fraction', 1_646_861_401.5, 1_646_861_401_500],
    ['milliseconds', 1_700_000_000_123, 1_700_000_000_123],
    ['microseconds', 1_700_000_000_123_456, 1_700_000_000_123.456],
    ['nanoseconds', 1_700_000_000_123_456_000, 1_700_000_000_123.456],
    ['seconds, 1970s', 100_000_000, 100_000_000_000],
    ['milliseconds, March 1973', 100_000_000_000, 100_000_000_000],
  ])('epoch %s', (_name, value, want) => {
    expect(epochToMs(value)).toBeCloseTo(want, 0);
  });

  it.each<[string, unknown, number]>([
    ['RFC 3339 with ns', '2021-03-16T18:56:54.735539596Z', ms('2021-03-16T18:56:54.735Z') + 0.539596],
    ['ISO with offset', '2023-03-29T17:37:42.482-07:00', ms('2023-03-30T00:37:42.482Z')],
    ['ISO without zone is UTC by default', '2023-03-29 17:37:42', ms('2023-03-29T17:37:42Z')],
    ['CLF', '10/Oct/2000:13:55:36 -0700', ms('2000-10-10T20:55:36Z')],
    ['epoch seconds as a string', '1700000000', ms('2023-11-14T22:13:20Z')],
    ['epoch ns as a string', '1667088002123000000', ms('2022-10-30T00:00:02.123Z')],
    ['GA4 µs as a string', '1699999999123456', 1_699_999_999_123.456],
    ['an array (first value)', ['2023-11-14T22:13:20Z'], ms('2023-11-14T22:13:20Z')],
  ])('timeOf: %s', (_name, value, want) => {
    expect(timeOf(value, UTC)).toBeCloseTo(want, 3);
  });

  it.each<[string, unknown]>([['words', 'yesterday'], ['date only', '2023-11-14'], ['null', null], ['object', {}], ['empty', '']])('timeOf rejects %s', (_name, value) => {
    expect(timeOf(value, UTC)).toBeNaN();
  });

  it.each<[unknown, number, number, number]>([
    [40356, 1, 1e6, 0.040356],
    ['34', 1, 1, 34],
    [0.012345, 1000, 1, 12.345],
    ['1.5ms', 1000, 1, 1.5],
    ['2m3.5s', 1, 1, 123_500],
    ['250µs', 1, 1, 0.25],
  ])('durationMsOf(%j)', (value, mul, div, want) => {
    expect(durationMsOf(value, mul, div)).toBeCloseTo(want, 9);
  });

  it('reads dotted paths, indexes and flat dotted keys', () => {
    const row = { request: { headers: { 'User-Agent': ['curl/8', 'x'] } }, 'http.request.method': 'GET', list: [{ a: 1 }] };
    expect(valueAt(row, compilePath('request.headers.User-Agent[0]'))).toBe('curl/8');
    expect(valueAt(row, compilePath('request.headers.User-Agent'))).toEqual(['curl/8', 'x']);
    expect(valueAt(row, compilePath('http.request.method'))).toBe('GET');
    expect(valueAt(row, compilePath('list[0].a'))).toBe(1);
    expect(valueAt(row, compilePath('request.nope.deeper'))).toBeUndefined();
  });

  it.each([
    ['https://user:pw@Shop.example.com:8443/a/b?x=1#frag', { path: '/a/b', query: 'x=1', host: 'shop.example.com' }],
    ['https://mitmproxy.org/?=', { path: '/', query: '=', host: 'mitmproxy.org' }],
    ['https://example.com', { path: '/', query: '', host: 'example.com' }],
    ['http://[2001:db8::1]:8080/x', { path: '/x', query: '', host: '2001:db8::1' }],
    ['/api/cart?id=7&x=%20', { path: '/api/cart', query: 'id=7&x=%20', host: '' }],
    ['/a%20b/c', { path: '/a%20b/c', query: '', host: '' }],
  ])('splitTarget(%s)', (target, want) => {
    expect(splitTarget(target)).toEqual(want);
  });
});

describe('detection', () => {
  const cases: [string, string[], string][] = [
    ['caddy.log', local('caddy.log'), 'caddy'],
    ['envoy.log', local('envoy.log'), 'envoy'],
    ['logfile_cloudflare.json', local('logfile_cloudflare.json'), 'cloudflare'],
  ];
  if (existsSync(TRAEFIK)) cases.push(['traefik test-format-json.log', lines(TRAEFIK), 'traefik']);
  else console.log('skipped: Traefik fixture not found at ../shared/fixtures (Elastic License, not copied)');

  it.each(cases)('%s is recognized as %s, by its keys only', (_name, sample, want) => {
    const scores = Object.fromEntries(jsonFormats.map((f) => [f.name, f.detect(sample)]));
    const best = Object.entries(scores).sort((a, b) => b[1] - a[1])[0] as [string, number];
    expect(best[0]).toBe(want);
    expect(best[1]).toBeGreaterThanOrEqual(0.6);
    for (const [name, score] of Object.entries(scores)) if (name !== want) expect(score, name).toBe(0);
  });

  it("Caddy's own log lines in the same file count neither way; a truncated line counts against", () => {
    expect(caddyFormat.detect(local('caddy.log'))).toBe(4 / 5);
    const runtime = '{"level":"info","ts":1700000001.2,"logger":"tls","msg":"cleaning storage unit"}';
    expect(caddyFormat.detect([runtime, runtime, local('caddy.log')[0] as string])).toBe(1);
    expect(caddyFormat.detect([runtime, runtime])).toBe(0);
  });

  it('scores text logs and the generic format 0', () => {
    const sample = ['127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326', '{"msg":"hello"}'];
    for (const f of jsonFormats) expect(f.detect(sample), f.name).toBe(0);
    expect(genericJsonFormat.detect(local('caddy.log'))).toBe(0);
  });
});

describe('traefik', () => {
  // Real lines (Elastic's pipeline tests), read from ../shared at test time.
  const have = existsSync(TRAEFIK);
  it.skipIf(!have)('reads every line of the Elastic fixture (v1 and v2 field names)', () => {
    const all = lines(TRAEFIK);
    const wants: Want[] = [
      { timeMs: ms('2021-03-16T18:56:54.735Z') + 0.539596, method: 'GET', path: '/', status: 404, bytes: 19, durationMs: 0.040356, client: '127.0.0.1', userAgent: 'curl/7.67.0', host: 'backend.elastic-package-service.docker.localhost' },
      { status: 200, bytes: 383, durationMs: 0.1, client: '10.10.10.20', userAgent: 'curl/7.64.1' },
      { path: '/ping', status: 200, client: '10.10.10.10', userAgent: '', host: '10.10.10.11' },
      // No StartUTC: StartLocal (which carries its offset) is the start.
      { timeMs: ms('2024-02-02T17:07:08.048Z') + 0.870614, path: '/foo/bar/baz.php', status: 404, client: '10.10.10.20' },
      { path: '/1.0.0/acme/current/foo.png', status: 304, bytes: 0, durationMs: 46.382173, host: 'foo.acme.com' },
      // `"key": value` spacing; ClientHost (the forwarded client) wins over the connection's ClientAddr.
      { path: '/api/v1/study/140410210038/card/comment', status: 200, bytes: 88, client: '175.16.199.10', durationMs: 59.518533 },
      // IPv6 ClientAddr "[::1]:56348" with ClientHost "::1".
      { client: '::1', status: 404, timeMs: ms('2024-04-15T13:26:33.809Z') + 0.02715 },
    ];
    expect(all).toHaveLength(wants.length);
    const parser = traefikFormat.create({});
    all.forEach((line, i) => check(parser.parse(line, `t:${i + 1}`), wants[i] as Want));
  });
  if (!have) console.log('skipped: Traefik fixture not found at ../shared/fixtures (Elastic License, not copied)');

  it.each<[string, string, Want]>([
    ['no StartUTC/StartLocal: time minus Duration', '{"ClientAddr":"[::1]:56348","DownstreamStatus":404,"Duration":32673000,"RequestMethod":"GET","RequestPath":"/x?y=1","RequestHost":"h","time":"2024-04-15T13:26:33Z"}',
      { timeMs: ms('2024-04-15T13:26:33Z') - 32.673, durationMs: 32.673, client: '::1', path: '/x', query: 'y=1', status: 404, host: 'h' }],
    ['OriginStatus when DownstreamStatus is missing', '{"StartUTC":"2024-01-01T00:00:00Z","RequestMethod":"PUT","RequestPath":"/a","OriginStatus":502,"OriginContentSize":0,"ClientAddr":"10.0.0.1:1"}',
      { method: 'PUT', status: 502, bytes: 0, client: '10.0.0.1', durationMs: null }],
    ['a referrer header', '{"StartUTC":"2024-01-01T00:00:00Z","RequestMethod":"GET","RequestPath":"/","DownstreamStatus":200,"request_Referer":"https://a.example/"}',
      { referrer: 'https://a.example/' }],
    ['no time at all', '{"RequestMethod":"GET","RequestPath":"/","DownstreamStatus":200}', { reject: 'bad timestamp' }],
    ['a status that is not a number', '{"StartUTC":"2024-01-01T00:00:00Z","RequestMethod":"GET","RequestPath":"/","DownstreamStatus":"OK"}', { reject: 'bad status' }],
    ['not an access line: skipped', '{"level":"info","msg":"Configuration loaded","time":"2024-01-01T00:00:00Z"}', null],
  ])('%s', (_name, line, want) => check(parse(traefikFormat, line), want));
});

describe('caddy', () => {
  const all = local('caddy.log');
  it.each<[number, Want]>([
    [1, { timeMs: 1_699_999_999_500.1 - 12.345, method: 'GET', path: '/api/products/42', query: 'ref=home', status: 200, bytes: 5120, durationMs: 12.345, client: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', referrer: 'https://shop.example.com/', host: 'shop.example.com', source: 'f:1' }],
    // Caddy < 2.7: remote_addr "ip:port", no client_ip; the method upper-cased; the port of the host dropped.
    [2, { method: 'POST', path: '/api/cart', status: 201, client: '198.51.100.23', host: 'shop.example.com', durationMs: 100, timeMs: 1_699_999_999_800 }],
    // Another logger's line in the same file: not a request.
    [3, null],
    // time_format iso8601, duration_format string.
    [4, { timeMs: ms('2023-11-14T22:13:21.500Z') - 1.5, durationMs: 1.5, client: '2001:db8::1', path: '/', bytes: 10900 }],
    // client_ip (trusted proxies) wins over remote_ip.
    [5, { client: '192.0.2.44', status: 304, bytes: 0, durationMs: 0.4 }],
    [6, { reject: 'invalid JSON' }],
  ])('caddy.log:%i', (n, want) => check(parse(caddyFormat, all[n - 1] as string), want));
});

describe('envoy', () => {
  const all = local('envoy.log');
  it.each<[number, Want]>([
    // The first public X-Forwarded-For address is the client, not the proxy's connection.
    [1, { timeMs: ms('2023-11-14T22:13:20.123Z'), method: 'GET', path: '/api/cart', status: 200, bytes: 512, durationMs: 34, client: '198.51.100.4', userAgent: 'curl/8.4.0', host: 'shop.example.com' }],
    // Istio: numbers as strings, x_forwarded_for null → downstream_remote_address without its port.
    [2, { status: 503, bytes: 91, durationMs: 5, client: '10.244.0.9', host: 'reviews', path: '/reviews/0' }],
    // x-envoy-original-path is what the client sent; "-" XFF ignored; bracketed IPv6.
    [3, { method: 'POST', path: '/v1/orders', query: 'id=7', status: 201, client: '2001:db8::7', host: 'api.example.com' }],
    // Downstream disconnect: response_code 0, duration "-".
    [4, { status: 0, durationMs: null, userAgent: '', bytes: 0 }],
    [5, { reject: 'bad timestamp' }],
  ])('envoy.log:%i', (n, want) => check(parse(envoyFormat, all[n - 1] as string), want));
});

describe('cloudflare', () => {
  it('reads the lnav Logpush sample (RFC 3339 timestamps)', () => {
    check(parse(cloudflareFormat, local('logfile_cloudflare.json')[0] as string), {
      timeMs: ms('2022-10-30T00:00:02Z'), method: 'HEAD', path: '/', query: '', status: 301, bytes: 570, client: '87.226.160.250', userAgent: '', referrer: '', host: 'www.ripe.net',
      durationMs: null, // second resolution: no duration from two equal timestamps
    });
  });

  it.each<[string, string, Want]>([
    ['ns timestamps give a duration', '{"ClientIP":"192.0.2.1","ClientRequestHost":"a.example","ClientRequestMethod":"GET","ClientRequestURI":"/p?q=1","EdgeStartTimestamp":1667088002123000000,"EdgeEndTimestamp":1667088002168000000,"EdgeResponseStatus":200,"EdgeResponseBytes":1200,"EdgeResponseBodyBytes":1000,"ClientRequestUserAgent":"UA","ClientRequestReferer":"https://r.example/"}',
      { timeMs: ms('2022-10-30T00:00:02.123Z'), durationMs: 45, path: '/p', query: 'q=1', bytes: 1000, referrer: 'https://r.example/', userAgent: 'UA' }],
    ['unix seconds', '{"ClientIP":"192.0.2.1","ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeStartTimestamp":1667088002,"EdgeEndTimestamp":1667088003,"EdgeResponseStatus":200}',
      { timeMs: ms('2022-10-30T00:00:02Z'), durationMs: null }],
  ])('%s', (_name, line, want) => check(parse(cloudflareFormat, line), want));
});

describe('generic jsonl with --map', () => {
  const map = { time: 'ts', method: 'req.method', path: 'req.url', status: 'res.status', client: 'ip', durationMs: 'took', userAgent: 'req.headers.user-agent' };
  it.each<[string, string, Want]>([
    ['the brief\'s example', '{"ts":"2024-05-01T10:00:00Z","req":{"method":"get","url":"/a?b=1","headers":{"user-agent":"k6"}},"res":{"status":200},"ip":"203.0.113.9:5555","took":12.5}',
      { timeMs: ms('2024-05-01T10:00:00Z'), method: 'GET', path: '/a', query: 'b=1', status: 200, client: '203.0.113.9', durationMs: 12.5, userAgent: 'k6', bytes: null }],
    ['epoch ms time', '{"ts":1714557600000,"req":{"method":"GET","url":"/"},"res":{"status":"404"}}', { timeMs: ms('2024-05-01T10:00:00Z'), status: 404 }],
    ['an absolute URL gives the host', '{"ts":1714557600,"req":{"method":"GET","url":"https://api.example.com/v1/x"},"res":{"status":200}}', { path: '/v1/x', host: 'api.example.com' }],
    ['no request fields', '{"ts":1714557600,"msg":"started"}', { reject: 'no request fields (check --map)' }],
    ['a JSON array line', '[1,2,3]', { reject: 'not a JSON object' }],
    ['a text line', 'GET / 200', { reject: 'not JSON' }],
    ['broken JSON', '{"ts":1714557600,', { reject: 'invalid JSON' }],
    ['a blank line', '   ', null],
    ['a BOM before the first line', '\ufeff{"ts":1714557600,"req":{"method":"GET","url":"/"}}', { path: '/' }],
    ['{"reject":...} is data, not a rejection', '{"reject":"x","ts":1714557600,"req":{"method":"GET","url":"/r"}}', { path: '/r' }],
  ])('%s', (_name, line, want) => check(parse(genericJsonFormat, line, { map }), want));

  it('an endTime and a duration in seconds give the start', () => {
    check(parse(genericJsonFormat, '{"t":"2024-05-01T10:00:01Z","u":"/","d":"0.25"}', { map: { endTime: 't', url: 'u', durationSec: 'd' } }), {
      timeMs: ms('2024-05-01T10:00:00.750Z'), durationMs: 250, method: '',
    });
  });

  it('session ids join the client', () => {
    check(parse(genericJsonFormat, '{"t":1714557600,"u":"/","c":"u1","s":"7"}', { map: { time: 't', url: 'u', client: 'c', session: 's' } }), { client: 'u1:7' });
  });

  it('a --map overrides a preset field', () => {
    const line = '{"StartUTC":"2024-01-01T00:00:00Z","RequestMethod":"GET","RequestPath":"/","DownstreamStatus":200,"ClientHost":"10.0.0.1","request_X-Real-Ip":"198.51.100.8"}';
    check(parse(traefikFormat, line, { map: { client: 'request_X-Real-Ip' } }), { client: '198.51.100.8' });
  });

  it.each<[string, FormatOptions, RegExp]>([
    ['no map', {}, /needs a field mapping/],
    ['no time', { map: { path: 'u' } }, /no time \(or endTime\)/],
    ['no path', { map: { time: 't' } }, /no path \(or url\)/],
    ['an unknown field and an empty path, both listed', { map: { time: 't', path: 'p', colour: 'c', status: ' ' } }, /unknown field "colour".*"status" has an empty path/],
  ])('a bad map is a usage error: %s', (_name, options, message) => {
    expect(() => genericJsonFormat.create(options)).toThrow(UsageError);
    expect(() => genericJsonFormat.create(options)).toThrow(message);
  });
});
