import { describe, expect, it } from 'vitest';
import { clientOf, forwardedClientOf, secondsListToMs, splitRequest, stripPort, type RequestParts } from '../../src/formats/fields.js';

const split = (request: string): RequestParts => {
  const out: RequestParts = { method: 'x', path: 'x', query: 'x' };
  splitRequest(`"${request}"`, 1, request.length + 1, out);
  return out;
};

describe('fields', () => {
  it.each([
    ['GET /a/b?x=1&y=2 HTTP/1.1', 'GET', '/a/b', 'x=1&y=2'],
    ['get /lower HTTP/1.0', 'GET', '/lower', ''],
    ['POST /api HTTP/2.0', 'POST', '/api', ''],
    ['GET /~scottp/publish.html', 'GET', '/~scottp/publish.html', ''],
    ['OPTIONS * HTTP/1.0', 'OPTIONS', '*', ''],
    ['GET /a%20b?q=%22 HTTP/1.1', 'GET', '/a%20b', 'q=%22'],
    ['GET /a b HTTP/1.1', 'GET', '/a b', ''],
    ['GET /path? HTTP/1.1', 'GET', '/path', ''],
    ['GET http://example.com/x?y HTTP/1.1', 'GET', 'http://example.com/x', 'y'],
    ['M-SEARCH * HTTP/1.1', 'M-SEARCH', '*', ''],
    ['PATCHp /products/42 HTTP/1.1', 'PATCHP', '/products/42', ''],
    ['GET  /two-spaces  HTTP/1.1', 'GET', '/two-spaces', ''],
    ['GET /h2 HTTP/2', 'GET', '/h2', ''],
    ['-', '', '', ''],
    ['', '', '', ''],
    ['hello', '', '', ''],
    [']&\\xDF\\xBDV\\xE7\\xBB<\\x10;\\xA2b}\\xDFM\\x1D', '', '', ''],
    ['\\x16\\x03\\x01 garbage', '', '', ''],
  ])('splits the request %j', (request, method, path, query) => {
    expect(split(request)).toEqual({ method, path, query });
  });

  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::1', '::1'],
    ['monitoring-server', 'monitoring-server'],
    ['-', ''],
    ['10.0.0.2, 10.0.0.1, 127.0.0.1', '10.0.0.2'],
    ['10.0.0.2, 10.0.0.1, 85.181.35.98', '85.181.35.98'],
    ['"10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185', '199.96.1.1'],
    ['2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121', '2a03:0000:10ff:f00f:0000:0000:0:8000'],
    ['localhost, localhost', 'localhost'],
    ['lessons.example.com 192.168.0.1', '192.168.0.1'],
    ['fe80::1, fd00::2, 172.16.0.1', 'fe80::1'],
    ['100.64.0.1, 8.8.8.8:5353', '8.8.8.8:5353'],
  ])('picks the client of %j', (text, expected) => {
    expect(clientOf(text)).toBe(expected);
  });

  it('takes only IPs from X-Forwarded-For', () => {
    expect(forwardedClientOf('1.2.3.4, 10.10.1.1')).toBe('1.2.3.4');
    expect(forwardedClientOf('172.24.0.1')).toBe('172.24.0.1');
    expect(forwardedClientOf('unknown, 10.0.0.1')).toBe('10.0.0.1');
    expect(forwardedClientOf('2.75')).toBe('');
    expect(forwardedClientOf('-')).toBe('');
  });

  it.each([
    ['example.com:80', 'example.com'],
    ['example.com', 'example.com'],
    ['1.2.3.4:8080', '1.2.3.4'],
    ['[::1]:443', '[::1]'],
    ['2001:db8::1', '2001:db8::1'],
    ['host:', 'host:'],
  ])('strips the port of %s', (host, expected) => {
    expect(stripPort(host)).toBe(expected);
  });

  it.each([
    ['0.100', 100],
    ['0.100, 0.004', 104],
    ['0.100 : 0.004, 0.010', 114],
    ['0.100, -', 100],
    ['-', NaN],
    ['abc', NaN],
  ])('sums upstream times %j', (text, expected) => {
    expect(secondsListToMs(text, 0, text.length)).toBe(expected);
  });
});
