import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { cloudfront } from '../../src/formats/cloudfront.js';
import { eventsCsvFormat, eventsJsonFormat } from '../../src/formats/events.js';
import { ga4BigQueryFormat } from '../../src/formats/ga4-bigquery.js';
import { harFormat } from '../../src/formats/har.js';
import { formatFromLogFormat, getFormat } from '../../src/formats/index.js';
import { canonicalHeaderName, cookieValue, parseSessionKey, type SessionKey } from '../../src/formats/session-key.js';
import type { StreamFormat } from '../../src/formats/stream-types.js';
import type { FormatOptions, LineFormat } from '../../src/formats/types.js';
import { w3c } from '../../src/formats/w3c.js';

const key = (text: string): SessionKey => parseSessionKey(text) as SessionKey;

function parseLine(format: LineFormat, options: FormatOptions, line: string): LogRecord {
  const result = format.create(options).parse(line, 'x:1');
  if (result === null || 'reject' in result) throw new Error(`not a record: ${JSON.stringify(result)}`);
  return result;
}

async function parseStream(format: StreamFormat, options: FormatOptions, text: string): Promise<(LogRecord | null)[]> {
  format.validate(options);
  const out: (LogRecord | null)[] = [];
  for await (const item of format.parse(Readable.from([Buffer.from(text)]), 'in.json', options)) {
    if (item !== null && 'reject' in item) throw new Error(`rejected: ${item.reject}`);
    out.push(item);
  }
  return out;
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseSessionKey', () => {
  it('reads the three kinds and the default', () => {
    expect(parseSessionKey(undefined)).toBeNull();
    expect(parseSessionKey('ip+ua')).toBeNull();
    expect(parseSessionKey('IP+UA')).toBeNull();
    expect(parseSessionKey('cookie:sid')).toEqual({ kind: 'cookie', name: 'sid', text: 'cookie:sid' });
    expect(parseSessionKey('Header:X-User')).toEqual({ kind: 'header', name: 'X-User', text: 'header:X-User' });
    expect(parseSessionKey('field:user.id')).toEqual({ kind: 'field', name: 'user.id', text: 'field:user.id' });
  });

  it('says what is wrong with a malformed key', () => {
    expect(usageError(() => parseSessionKey('session:sid')).message).toContain('unknown kind of key');
    expect(usageError(() => parseSessionKey('cookie:')).message).toContain('no name after the colon');
    expect(usageError(() => parseSessionKey('cookie:a b')).message).toContain('a cookie name may not hold spaces');
    expect(parseSessionKey('field:User Id')?.name).toBe('User Id'); // a CSV column may
  });
});

describe('cookieValue', () => {
  it.each([
    ['sid=abc', 'sid', 'abc'],
    ['theme=dark; sid=abc; lang=en', 'sid', 'abc'],
    ['xsid=no; sid=yes', 'sid', 'yes'],
    ['sidx=no;sid=yes', 'sid', 'yes'],
    ['a=1;+sid=iis', 'sid', 'iis'],
    ['sid="quoted"', 'sid', 'quoted'],
    ['theme=dark', 'sid', ''],
    ['', 'sid', ''],
    ['sid', 'sid', ''],
  ])('%s → %s = %s', (header, name, value) => {
    expect(cookieValue(header, name)).toBe(value);
  });

  it('spells header names as Go servers log them', () => {
    expect(canonicalHeaderName('x-user-id')).toBe('X-User-Id');
    expect(canonicalHeaderName('COOKIE')).toBe('Cookie');
  });
});

describe('nginx and Apache log formats', () => {
  const NGINX = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_cookie" $cookie_uid "$http_x_user"';
  const nginxLine = '10.1.1.1 - alice [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0" "theme=dark; sid=S-1" U-9 "user-7"';
  const nginx = formatFromLogFormat(NGINX);

  it.each([
    ['cookie:uid', 'U-9'], // $cookie_uid wins over parsing $http_cookie
    ['cookie:sid', 'S-1'], // from $http_cookie
    ['cookie:theme', 'dark'],
    ['cookie:other', ''],
    ['header:x-user', 'user-7'],
    ['header:X-User', 'user-7'],
    ['field:remote_user', 'alice'],
    ['field:$remote_user', 'alice'],
  ])('nginx %s → %j', (text, value) => {
    const record = parseLine(nginx, { sessionKey: key(text) }, nginxLine);
    expect(record.sessionKey).toBe(value);
    expect(record.path).toBe('/a'); // the rest of the line is read as before
    expect(record.client).toBe('10.1.1.1');
  });

  it('gives no sessionKey property unless one is asked for (the usual records are unchanged)', () => {
    expect('sessionKey' in parseLine(nginx, {}, nginxLine)).toBe(false);
  });

  it('a `-` is no value', () => {
    const record = parseLine(nginx, { sessionKey: key('field:remote_user') }, nginxLine.replace('alice', '-'));
    expect(record.sessionKey).toBe('');
  });

  it('reads Apache %{NAME}C, %{Cookie}i, %{Header}i and %u', () => {
    const apache = formatFromLogFormat('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" "%{Cookie}i" %{uid}C "%{X-User}i"', 'apache');
    const line = '10.1.1.1 - bob [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0" "sid=S-2; x=1" U-3 "user-8"';
    expect(parseLine(apache, { sessionKey: key('cookie:uid') }, line).sessionKey).toBe('U-3');
    expect(parseLine(apache, { sessionKey: key('cookie:sid') }, line).sessionKey).toBe('S-2');
    expect(parseLine(apache, { sessionKey: key('header:x-user') }, line).sessionKey).toBe('user-8');
    expect(parseLine(apache, { sessionKey: key('field:remote_user') }, line).sessionKey).toBe('bob');
    expect(parseLine(apache, { sessionKey: key('field:%u') }, line).sessionKey).toBe('bob');
  });

  it('reads field:remote_user from the built-in combined format', () => {
    const line = '10.1.1.1 - carol [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0"';
    expect(parseLine(getFormat('combined'), { sessionKey: key('field:remote_user') }, line).sessionKey).toBe('carol');
    expect(parseLine(getFormat('nginx_main'), { sessionKey: key('field:remote_user') }, `${line} "-"`).sessionKey).toBe('carol');
  });

  it('fails before reading when the format does not log the key, naming key, format and what to log', () => {
    const err = usageError(() => getFormat('combined').create({ sessionKey: key('cookie:sid') }));
    expect(err.message).toContain('--session-key cookie:sid');
    expect(err.message).toContain('format combined');
    expect(err.message).toContain('%{Cookie}i');
    expect(err.hint).toContain('--log-format');
    const header = usageError(() => nginx.create({ sessionKey: key('header:x-tenant') }));
    expect(header.message).toContain('$http_x_tenant');
    const field = usageError(() => nginx.create({ sessionKey: key('field:user_id') }));
    expect(field.message).toContain('has no field user_id');
    expect(field.message).toContain('$remote_user');
  });
});

describe('JSON lines', () => {
  const caddyLine = JSON.stringify({
    level: 'info', ts: 1795780800.5, logger: 'http.log.access', msg: 'handled request',
    request: { remote_ip: '10.2.2.2', method: 'GET', host: 'shop.example', uri: '/p/1', headers: { 'User-Agent': ['Mozilla/5.0'], Cookie: ['a=1; sid=C-1'], 'X-User-Id': ['u-42'] } },
    user_id: 'caddy-user', duration: 0.01, size: 10, status: 200,
  });

  it('Caddy: header and cookie from request.headers, field from any path', () => {
    const caddy = getFormat('caddy');
    expect(parseLine(caddy, { sessionKey: key('header:x-user-id') }, caddyLine).sessionKey).toBe('u-42');
    expect(parseLine(caddy, { sessionKey: key('cookie:sid') }, caddyLine).sessionKey).toBe('C-1');
    expect(parseLine(caddy, { sessionKey: key('field:user_id') }, caddyLine).sessionKey).toBe('caddy-user');
    expect(parseLine(caddy, { sessionKey: key('field:request.remote_ip') }, caddyLine).sessionKey).toBe('10.2.2.2');
    expect(parseLine(caddy, { sessionKey: key('field:nope') }, caddyLine).sessionKey).toBe('');
  });

  it('Traefik: request_<Header> fields', () => {
    const line = JSON.stringify({ StartUTC: '2026-11-27T10:00:00Z', RequestMethod: 'GET', RequestPath: '/p', DownstreamStatus: 200, ClientHost: '10.3.3.3', 'request_X-User-Id': 't-1', request_Cookie: 'sid=T-2' });
    expect(parseLine(getFormat('traefik'), { sessionKey: key('header:X-USER-ID') }, line).sessionKey).toBe('t-1');
    expect(parseLine(getFormat('traefik'), { sessionKey: key('cookie:sid') }, line).sessionKey).toBe('T-2');
  });

  it('Cloudflare: RequestHeaders and Cookies custom fields', () => {
    const line = JSON.stringify({ EdgeStartTimestamp: '2026-11-27T10:00:00Z', ClientRequestMethod: 'GET', ClientRequestURI: '/p', EdgeResponseStatus: 200, RequestHeaders: { 'x-user-id': 'cf-1' }, Cookies: { sid: 'cf-2' } });
    expect(parseLine(getFormat('cloudflare'), { sessionKey: key('header:X-User-Id') }, line).sessionKey).toBe('cf-1');
    expect(parseLine(getFormat('cloudflare'), { sessionKey: key('cookie:sid') }, line).sessionKey).toBe('cf-2');
  });

  it('Envoy logs no headers and plain jsonl does not know where they are: UsageErrors that point at field:', () => {
    const envoy = usageError(() => getFormat('envoy').create({ sessionKey: key('header:x-user') }));
    expect(envoy.message).toBe('--session-key header:x-user: format envoy logs no request headers');
    expect(envoy.hint).toContain('field:PATH');
    const jsonl = usageError(() => getFormat('jsonl').create({ map: { time: 'ts', path: 'url' }, sessionKey: key('cookie:sid') }));
    expect(jsonl.message).toContain('format jsonl');
    const line = JSON.stringify({ ts: '2026-11-27T10:00:00Z', url: '/p', user: { id: 7 } });
    expect(parseLine(getFormat('jsonl'), { map: { time: 'ts', path: 'url' }, sessionKey: key('field:user.id') }, line).sessionKey).toBe('7');
  });
});

describe('HAR', () => {
  const entry = (cookies: unknown, headers: { name: string; value: string }[]) => ({
    startedDateTime: '2026-11-27T10:00:00.000Z',
    time: 12,
    request: { method: 'GET', url: 'https://shop.example/p', headers: [{ name: 'User-Agent', value: 'Mozilla/5.0' }, ...headers], ...(cookies ? { cookies } : {}) },
    response: { status: 200, bodySize: 10 },
  });
  const har = JSON.stringify({
    log: {
      entries: [
        entry([{ name: 'sid', value: 'H-1' }], [{ name: 'x-user', value: 'hu-1' }]),
        entry(null, [{ name: 'cookie', value: 'a=1; sid=H-2' }, { name: 'X-User', value: 'hu-2' }]),
        entry([], []),
      ],
    },
  });

  it('reads request headers and cookies (the cookies array, else the Cookie header)', async () => {
    const byCookie = await parseStream(harFormat, { sessionKey: key('cookie:sid') }, har);
    expect(byCookie.map((r) => r?.sessionKey)).toEqual(['H-1', 'H-2', '']);
    const byHeader = await parseStream(harFormat, { sessionKey: key('header:X-USER') }, har);
    expect(byHeader.map((r) => r?.sessionKey)).toEqual(['hu-1', 'hu-2', '']);
  });

  it('field: has no meaning in a HAR', () => {
    const err = usageError(() => harFormat.validate({ sessionKey: key('field:user') }));
    expect(err.message).toContain('--session-key field:user: format har');
    expect(err.hint).toContain('header:NAME or cookie:NAME');
  });
});

describe('event exports and GA4', () => {
  it('events-json: field is a JSON path', async () => {
    const text = JSON.stringify([{ ts: '2026-11-27T10:00:00Z', url: '/a', visitor: { id: 'v1' } }, { ts: '2026-11-27T10:00:01Z', url: '/b' }]);
    const records = await parseStream(eventsJsonFormat, { map: { time: 'ts', url: 'url' }, sessionKey: key('field:visitor.id') }, text);
    expect(records.map((r) => r?.sessionKey)).toEqual(['v1', '']);
  });

  it('events-csv: field is a column (matched like mapped ones); a missing column is an error naming it', async () => {
    const csv = 'Time,Page,User Id\n2026-11-27T10:00:00Z,/a,u1\n2026-11-27T10:00:01Z,/b,u2\n';
    const options = { map: { time: 'Time', path: 'Page' } };
    const records = await parseStream(eventsCsvFormat, { ...options, sessionKey: key('field:user id') }, csv);
    expect(records.map((r) => r?.sessionKey)).toEqual(['u1', 'u2']);
    await expect(parseStream(eventsCsvFormat, { ...options, sessionKey: key('field:Account') }, csv)).rejects.toThrow(/no column for --session-key field:Account/);
  });

  it('GA4: field is a row path or an event parameter; GA sessions stay the client', async () => {
    const row = {
      event_name: 'page_view', event_timestamp: '1795780800000000', user_pseudo_id: 'p1', user_id: 'member-9',
      event_params: [{ key: 'page_location', value: { string_value: 'https://shop.example/a' } }, { key: 'ga_session_id', value: { int_value: '77' } }, { key: 'plan', value: { string_value: 'gold' } }],
    };
    const text = JSON.stringify(row);
    const [byUser] = await parseStream(ga4BigQueryFormat, { sessionKey: key('field:user_id') }, text);
    expect(byUser?.sessionKey).toBe('member-9');
    expect(byUser?.client).toBe('p1:77');
    const [byParam] = await parseStream(ga4BigQueryFormat, { sessionKey: key('field:plan') }, text);
    expect(byParam?.sessionKey).toBe('gold');
    const [none] = await parseStream(ga4BigQueryFormat, {}, text);
    expect(none).toBeDefined();
    expect(none !== null && none !== undefined && 'sessionKey' in none).toBe(false);
  });
});

describe('W3C and CloudFront', () => {
  it('W3C: field is a column, header cs(Name), cookie from cs(Cookie); a header block without it gives no key', () => {
    const parser = w3c.create({ sessionKey: key('cookie:sid') });
    parser.parse('#Fields: date time cs-method cs-uri-stem c-ip cs-username cs(User-Agent) cs(Cookie) cs(X-User) sc-status', 'x:1');
    const line = '2026-11-27 10:00:00 GET /a 10.4.4.4 dave Mozilla/5.0+(X11) theme=dark;+sid=W-1 wu-1 200';
    const first = parser.parse(line, 'x:2') as LogRecord;
    expect(first.sessionKey).toBe('W-1');
    expect(first.userAgent).toBe('Mozilla/5.0 (X11)');
    parser.parse('#Fields: date time cs-method cs-uri-stem c-ip sc-status', 'x:3');
    expect((parser.parse('2026-11-27 10:00:01 GET /b 10.4.4.4 200', 'x:4') as LogRecord).sessionKey).toBe('');
    const byUser = w3c.create({ sessionKey: key('field:cs-username') });
    byUser.parse('#Fields: date time cs-method cs-uri-stem c-ip cs-username cs(User-Agent) cs(Cookie) cs(X-User) sc-status', 'x:1');
    expect((byUser.parse(line, 'x:2') as LogRecord).sessionKey).toBe('dave');
    const byHeader = w3c.create({ sessionKey: key('header:x-user') });
    byHeader.parse('#Fields: date time cs-method cs-uri-stem c-ip cs-username cs(User-Agent) cs(Cookie) cs(X-User) sc-status', 'x:1');
    expect((byHeader.parse(line, 'x:2') as LogRecord).sessionKey).toBe('wu-1');
  });

  it('CloudFront: cookie from cs(Cookie) (URL-encoded)', () => {
    const fields = 'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie)';
    const parser = cloudfront.create({ sessionKey: key('cookie:sid') });
    parser.parse(`#Fields: ${fields}`, 'x:1');
    const record = parser.parse(['2026-11-27', '10:00:00', 'FRA2', '100', '10.5.5.5', 'GET', 'd.cloudfront.net', '/a', '200', '-', 'Mozilla/5.0', '-', 'theme=dark;%20sid=CF-1'].join('\t'), 'x:2') as LogRecord;
    expect(record.sessionKey).toBe('CF-1');
  });
});
