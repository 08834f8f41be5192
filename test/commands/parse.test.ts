import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { recordWriter } from '../../src/commands/parse.js';
import type { LogRecord } from '../../src/core/types.js';
import { testContext } from '../helpers/context.js';

const KEYS = ['time', 'method', 'path', 'query', 'status', 'bytes', 'durationMs', 'client', 'userAgent', 'referrer', 'host', 'source'];

function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('tidemark parse', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-parse-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const bigLines = Array.from({ length: 3000 }, (_, i) => `203.0.113.7 - - [27/Nov/2026:10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000] "GET /p/${i} HTTP/1.1" 200 ${i}`);
  writeFileSync(join(tmp, 'big.log'), `${bigLines.join('\n')}\n`);

  it('prints one normalized record per accepted line, keys in order, and sums up on stderr', async () => {
    writeFileSync(
      join(tmp, 'access.log'),
      [
        '203.0.113.7 - - [27/Nov/2026:10:00:01 +0100] "GET /shop/items?id=7&q=a%20b HTTP/1.1" 200 5120 "https://ref.example/" "Mozilla/5.0 \\"quoted\\""',
        'not a log line',
        '198.51.100.2 - bob [27/Nov/2026:10:00:02 +0100] "POST /cart HTTP/1.1" 302 - "-" "curl/8.0"',
        '',
      ].join('\n'),
    );
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['parse', 'access.log'], ctx)).toBe(0);
    const records = ndjson(ctx.out());
    expect(records).toHaveLength(2);
    expect(Object.keys(records[0] as object)).toEqual(KEYS);
    expect(records[0]).toEqual({
      time: '2026-11-27T09:00:01.000Z',
      method: 'GET',
      path: '/shop/items',
      query: 'id=7&q=a%20b',
      status: 200,
      bytes: 5120,
      durationMs: null,
      client: '203.0.113.7',
      userAgent: 'Mozilla/5.0 \\"quoted\\"',
      referrer: 'https://ref.example/',
      host: '',
      source: 'access.log:1',
    });
    expect(records[1]).toMatchObject({ method: 'POST', path: '/cart', status: 302, bytes: null, source: 'access.log:3' });
    expect(ctx.err()).toContain('access.log: combined: 2/3 sample lines matched; 3 lines, 2 records, 1 rejected');
    expect(ctx.err()).toContain('  rejected 1 × does not match format (e.g. access.log:2)');
    expect(ctx.err()).toContain('parsed 3 lines from 1 input: 2 records, 1 rejected');
  });

  it('reads inputs one after another (not merged), gzip and stdin too, with --format and --log-format', async () => {
    const late = '203.0.113.7 - - [27/Nov/2026:12:00:00 +0000] "GET /late HTTP/1.1" 200 1';
    const early = '203.0.113.7 - - [27/Nov/2026:08:00:00 +0000] "GET /early HTTP/1.1" 200 1';
    writeFileSync(join(tmp, 'late.log.gz'), gzipSync(`${late}\n`));
    const ctx = testContext({ cwd: tmp, stdin: Readable.from([Buffer.from(`${early}\n`)]) });
    expect(await runCli(['parse', 'late.log.gz', '-', '--format', 'common'], ctx)).toBe(0);
    expect(ndjson(ctx.out()).map((r) => [r.path, r.source])).toEqual([
      ['/late', 'late.log.gz:1'],
      ['/early', 'stdin:1'],
    ]);
    expect(ctx.err()).toContain('late.log.gz: --format common');

    writeFileSync(join(tmp, 'timed.log'), '203.0.113.7 [27/Nov/2026:10:00:05 +0000] "GET /t HTTP/1.1" 200 0.250\n');
    const custom = testContext({ cwd: tmp });
    expect(await runCli(['parse', 'timed.log', '--log-format', '$remote_addr [$time_local] "$request" $status $request_time'], custom)).toBe(0);
    // nginx logs the end of the request: the start is 250 ms earlier.
    expect(ndjson(custom.out())[0]).toMatchObject({ time: '2026-11-27T10:00:04.750Z', durationMs: 250, status: 200 });
  });

  it('writes in large pieces, not once per record', async () => {
    let writes = 0;
    let out = '';
    const ctx = testContext({ cwd: tmp, stdout: { write: (t: string) => void ((out += t), writes++) } });
    expect(await runCli(['parse', 'big.log'], ctx)).toBe(0);
    expect(ndjson(out)).toHaveLength(3000);
    expect(writes).toBeLessThan(20);
  });

  it('waits for a slow stdout when the sink can say when it has drained', async () => {
    let out = '';
    let unflushed = 0;
    let mostUnflushed = 0;
    const stdout = {
      write: (t: string): void => {
        out += t;
        unflushed++;
        mostUnflushed = Math.max(mostUnflushed, unflushed);
      },
      whenDrained: () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            unflushed = 0;
            resolve();
          }, 1),
        ),
    };
    const ctx = testContext({ cwd: tmp, stdout });
    expect(await runCli(['parse', 'big.log'], ctx)).toBe(0);
    expect(ndjson(out)).toHaveLength(3000);
    expect(mostUnflushed).toBe(1);
  });

  it('fails with exit 2 and a clear message on a missing input', async () => {
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['parse', 'missing.log'], ctx)).toBe(2);
    expect(ctx.err()).toContain('missing.log: no such file or directory');
  });
});

describe('recordWriter', () => {
  const base: LogRecord = { timeMs: 0, method: 'GET', path: '/', query: '', status: 200, bytes: 1, durationMs: 1.5, client: 'c', userAgent: 'u', referrer: '', host: 'h', source: 's:1' };

  it.each([
    ['plain', base],
    ['escapes', { ...base, path: '/a"b\\c', userAgent: 'tab\there\u0001', referrer: 'é ü 日本 😀' }],
    ['milliseconds and fractions', { ...base, timeMs: Date.UTC(2026, 0, 2, 3, 4, 5, 67) + 0.8 }],
    ['nulls', { ...base, bytes: null, durationMs: null, status: 0 }],
    ['far dates', { ...base, timeMs: Date.UTC(1999, 11, 31, 23, 59, 59, 999) }],
  ])('%s: the same as JSON.stringify', (_name, record) => {
    const write = recordWriter();
    const text = write(record);
    expect(text.endsWith('\n')).toBe(true);
    const { timeMs, ...rest } = record;
    expect(JSON.parse(text)).toEqual({ time: new Date(Math.floor(timeMs)).toISOString(), ...rest });
    expect(text).toBe(`${JSON.stringify({ time: new Date(Math.floor(timeMs)).toISOString(), method: record.method, path: record.path, query: record.query, status: record.status, bytes: record.bytes, durationMs: record.durationMs, client: record.client, userAgent: record.userAgent, referrer: record.referrer, host: record.host, source: record.source })}\n`);
  });

  it('caches the second without mixing up neighbours', () => {
    const write = recordWriter();
    const times = [1000, 1999, 2000, 1500, 2001.5];
    expect(times.map((t) => (JSON.parse(write({ ...base, timeMs: t })) as { time: string }).time)).toEqual(times.map((t) => new Date(Math.floor(t)).toISOString()));
  });
});
