import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecords, type RecordStream } from '../../src/commands/read-records.js';
import { InputError, UsageError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const io = { cwd: FIXTURES, stdin: new PassThrough() };

async function all(stream: RecordStream): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of stream.records) out.push(record);
  return out;
}

describe('readRecords', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-read-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads files of different formats, detecting each, in input order', async () => {
    const stream = await readRecords(['formats/filebeat-2019/nginx-access/access.log', 'formats/elastic-beats/nginx-access/test-with-host.log', 'sources/gzip-named.log'], {}, io);
    const records = await all(stream);
    expect(records).toHaveLength(12 + 10 + 12);
    expect(records[0]?.source).toBe('formats/filebeat-2019/nginx-access/access.log:1');
    expect(records[12]).toMatchObject({ host: 'example.com', source: 'formats/elastic-beats/nginx-access/test-with-host.log:1' });
    expect(records[33]?.source).toBe('sources/gzip-named.log:12');
    expect(stream.stats.sources.map((s) => [s.name, s.format, s.reason, s.lines, s.accepted, s.rejected])).toEqual([
      ['formats/filebeat-2019/nginx-access/access.log', 'combined', 'combined: 12/12 sample lines matched', 12, 12, 0],
      ['formats/elastic-beats/nginx-access/test-with-host.log', 'vhost_combined', 'vhost_combined: 10/10 sample lines matched, as many as combined but with more fields', 10, 10, 0],
      ['sources/gzip-named.log', 'combined', 'combined: 12/12 sample lines matched', 12, 12, 0],
    ]);
    expect(stream.stats).toMatchObject({ lines: 34, accepted: 34, rejected: {} });
  });

  it('counts unreadable lines by reason with examples, and goes on', async () => {
    const long = join(tmp, 'long.log');
    const good = '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326 "-" "curl"';
    writeFileSync(long, [good, 'x'.repeat(1000), good, ...Array.from({ length: 7 }, () => 'junk line'), ...Array.from({ length: 20 }, () => good)].join('\n'));
    const stream = await readRecords(['sources/binary.log', long], { maxLineBytes: 500 }, io);
    const records = await all(stream);
    expect(records).toHaveLength(2 + 22);
    expect(stream.stats.rejected).toEqual({
      binary: { count: 1, examples: ['sources/binary.log:2'] },
      'invalid utf-8': { count: 1, examples: ['sources/binary.log:3'] },
      'line too long': { count: 1, examples: [`${long}:2`] },
      'does not match format': { count: 7, examples: [4, 5, 6, 7, 8].map((n) => `${long}:${n}`) },
    });
    expect(stream.stats.sources[1]).toMatchObject({ lines: 30, accepted: 22, rejected: 8 });
  });

  it('uses --format or --log-format when given, and says so', async () => {
    const forced = await readRecords(['formats/elastic-beats/nginx-access/test-with-host.log'], { format: 'combined' }, io);
    const records = await all(forced);
    expect(forced.stats.sources[0]).toMatchObject({ format: 'combined', reason: '--format combined', accepted: 10 });
    expect(records[0]?.host).toBe('');

    const custom = await readRecords(['formats/lnav/logfile_regexp_access_log.0'], { logFormat: '%v:%p %h %{sessid}e %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D' }, io);
    const customRecords = await all(custom);
    expect(custom.stats.sources[0]).toMatchObject({ format: 'apache', reason: '--log-format (apache syntax)', accepted: 2 });
    expect(customRecords[0]).toMatchObject({ host: 'localhost', durationMs: 116.075 });
  });

  it('checks options and inputs before reading anything', async () => {
    await expect(readRecords(['sources/gzip-named.log'], { format: 'nope' }, io)).rejects.toThrow(UsageError);
    await expect(readRecords(['sources/gzip-named.log'], { timeZone: 'Nowhere/Land' }, io)).rejects.toThrow(/unknown time zone/);
    await expect(readRecords(['sources/gzip-named.log'], { logFormat: '$remote_addr "$request"' }, io)).rejects.toThrow(/has no time/);
    await expect(readRecords(['missing-1.log', 'missing-2.log'], {}, io)).rejects.toMatchObject({ problems: ['missing-1.log: no such file or directory', 'missing-2.log: no such file or directory'] });
  });

  it('names the input whose format is not recognized', async () => {
    const w3c = join(tmp, 'u_ex.log');
    writeFileSync(w3c, '#Software: Microsoft IIS\n#Fields: date time cs-method cs-uri-stem sc-status\n2024-01-01 00:00:01 GET / 200\n');
    const stream = await readRecords([w3c], {}, io);
    const error = await all(stream).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toBe(w3c);
    expect((error as InputError).message).toMatch(/u_ex\.log: the log format was not recognized from the first 3 lines/);
    expect((error as InputError).problems).toContain('combined: score 0');
  });

  it('yields what it read before a truncated gzip, then names the file', async () => {
    const stream = await readRecords(['sources/truncated.log.gz'], {}, io);
    const seen: LogRecord[] = [];
    const error = await (async () => {
      for await (const record of stream.records) seen.push(record);
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^sources\/truncated\.log\.gz: the compressed data is truncated after \d+ lines/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBe(stream.stats.accepted);
  });

  it('reads stdin and empty inputs', async () => {
    const empty = join(tmp, 'empty.log');
    writeFileSync(empty, '\n\n');
    const line = '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326';
    const stream = await readRecords(['-', empty], {}, { cwd: tmp, stdin: Readable.from([gzipSync(`${line}\n${line}\n`)]) });
    expect(await all(stream)).toHaveLength(2);
    expect(stream.stats.sources).toEqual([
      { name: 'stdin', format: 'common', reason: 'common: 2/2 sample lines matched', lines: 2, accepted: 2, rejected: 0 },
      { name: empty, format: '-', reason: 'no non-empty lines', lines: 2, accepted: 0, rejected: 0 },
    ]);
  });

  it('lets a consumer stop early', async () => {
    const stream = await readRecords(['formats/filebeat-2019/nginx-access/access.log', 'sources/gzip-named.log'], {}, io);
    for await (const record of stream.records) {
      expect(record.status).toBe(200);
      break;
    }
    expect(stream.stats.sources).toHaveLength(1);
  });

  it('offers batches for fast consumers, and can be read only once', async () => {
    const stream = await readRecords(['sources/tree/**/*.log*'], {}, io);
    let count = 0;
    for await (const batch of stream.batches) count += batch.length;
    expect(count).toBe(6);
    expect(stream.stats.sources.map((s) => s.name)).toEqual(['sources/tree/a.log', 'sources/tree/b.log.gz', 'sources/tree/sub/c.log']);
    await expect(all(stream)).resolves.toEqual([]);
  });
});
