import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeByTime, readRecords, type RecordStream } from '../../src/commands/read-records.js';
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

  it('reads files of different formats, detecting each, in input order when asked', async () => {
    const stream = await readRecords(['formats/filebeat-2019/nginx-access/access.log', 'formats/elastic-beats/nginx-access/test-with-host.log', 'sources/gzip-named.log'], { order: 'input' }, io);
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
    // A syslog file is not an access log in any format.
    const syslog = join(tmp, 'syslog');
    writeFileSync(syslog, 'Nov 27 10:00:01 web1 systemd[1]: Started nginx.\nNov 27 10:00:02 web1 kernel: eth0 link up\nNov 27 10:00:03 web1 cron[42]: (root) CMD (run-parts)\n');
    const stream = await readRecords([syslog], {}, io);
    const error = await all(stream).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toBe(syslog);
    expect((error as InputError).message).toMatch(/syslog: the log format was not recognized from the first 3 lines/);
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
    const stream = await readRecords(['formats/filebeat-2019/nginx-access/access.log', 'sources/gzip-named.log'], { order: 'input' }, io);
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

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A combined-format line at `timeMs` (1 s resolution, as the format logs it). */
function line(timeMs: number, path: string, client = '203.0.113.7'): string {
  const d = new Date(timeMs);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return `${client} - - [${stamp}] "GET ${path} HTTP/1.1" 200 100 "-" "test"`;
}

function isSorted(times: number[]): boolean {
  return times.every((t, i) => i === 0 || (times[i - 1] as number) <= t);
}

describe('readRecords: several inputs merged into time order', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-merge-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const io = { cwd: tmp, stdin: new PassThrough() };
  const write = (name: string, lines: string[], gzip = false): string => {
    writeFileSync(join(tmp, name), gzip ? gzipSync(`${lines.join('\n')}\n`) : `${lines.join('\n')}\n`);
    return name;
  };

  it('interleaves three files that cover the same ten minutes (one per ALB node)', async () => {
    // Node n logs every 3 s from n seconds on: a-b-c-a-b-c... when merged.
    const files = ['node-a.log', 'node-b.log', 'node-c.log'].map((name, n) => {
      const lines: string[] = [];
      for (let t = n * 1000; t < 600_000; t += 3000) lines.push(line(T0 + t, `/n${n}/${t / 1000}`));
      return write(name, lines, n === 1);
    });
    const stream = await readRecords(files, {}, io);
    const records = await all(stream);
    expect(records).toHaveLength(600);
    expect(records.map((r) => r.timeMs)).toEqual(Array.from({ length: 600 }, (_, i) => T0 + i * 1000));
    expect(records.slice(0, 4).map((r) => r.source)).toEqual(['node-a.log:1', 'node-b.log:1', 'node-c.log:1', 'node-a.log:2']);
    expect(stream.stats.sources.map((s) => [s.name, s.lines, s.accepted])).toEqual([
      ['node-a.log', 200, 200],
      ['node-b.log', 200, 200],
      ['node-c.log', 200, 200],
    ]);
    // The same inputs one after another are 10 minutes out of order at each file boundary.
    const sequential = await all(await readRecords(files, { order: 'input' }, io));
    expect(isSorted(sequential.map((r) => r.timeMs))).toBe(false);
  });

  it('merges rotated logs given newest first, more of them than are open at once', async () => {
    // access.log is today, access.log.1 yesterday, ... access.log.5.gz five days ago.
    const DAY = 86_400_000;
    const names = Array.from({ length: 6 }, (_, k) => {
      const lines = Array.from({ length: 30 }, (_, i) => line(T0 - k * DAY + i * 60_000, `/day-${k}/${i}`));
      return write(k === 0 ? 'access.log' : `access.log.${k}${k >= 2 ? '.gz' : ''}`, lines, k >= 2);
    });
    const stream = await readRecords(names, { concurrency: 2 }, io);
    const records = await all(stream);
    expect(records).toHaveLength(180);
    expect(isSorted(records.map((r) => r.timeMs))).toBe(true);
    expect(records[0]?.source).toBe('access.log.5.gz:1');
    expect(records[179]?.source).toBe('access.log:30');
    // Reported in the order given, whatever order they were opened in.
    expect(stream.stats.sources.map((s) => s.name)).toEqual(names);
  });

  it('opens more inputs than the concurrency when their times overlap (CloudFront: many files per hour)', async () => {
    const names = Array.from({ length: 7 }, (_, k) =>
      write(`E2DIST.2026-11-27-10.${k}.log`, Array.from({ length: 40 }, (_, i) => line(T0 + i * 60_000 + k * 1000, `/f${k}/${i}`))),
    );
    const records = await all(await readRecords(names, { concurrency: 2 }, io));
    expect(records).toHaveLength(280);
    expect(isSorted(records.map((r) => r.timeMs))).toBe(true);
  });

  it('breaks ties by the order the inputs were given, and keeps each input in file order', async () => {
    const a = write('tie-a.log', [line(T0, '/a1'), line(T0, '/a2'), line(T0 + 1000, '/a3')]);
    const b = write('tie-b.log', [line(T0, '/b1'), line(T0 + 1000, '/b2')]);
    const records = await all(await readRecords([b, a], {}, io));
    expect(records.map((r) => r.path)).toEqual(['/b1', '/a1', '/a2', '/b2', '/a3']);
    // A record out of order inside one input stays where it is (the model's reorder window takes it).
    const c = write('late.log', [line(T0, '/c1'), line(T0 + 5000, '/c2'), line(T0 + 2000, '/c3')]);
    const d = write('d.log', [line(T0 + 1000, '/d1'), line(T0 + 3000, '/d2')]);
    expect((await all(await readRecords([c, d], {}, io))).map((r) => r.path)).toEqual(['/c1', '/d1', '/d2', '/c2', '/c3']);
  });

  it('stops cleanly when the consumer stops, and names an input that fails mid-way', async () => {
    const a = write('stop-a.log', Array.from({ length: 5000 }, (_, i) => line(T0 + i * 1000, `/a/${i}`)));
    const b = write('stop-b.log', Array.from({ length: 5000 }, (_, i) => line(T0 + i * 1000, `/b/${i}`)));
    const stream = await readRecords([a, b], {}, io);
    let seen = 0;
    for await (const batch of stream.batches) {
      seen += batch.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(stream.stats.sources.map((s) => s.name)).toEqual([a, b]);

    const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
    const failing = await readRecords(['sources/truncated.log.gz', join(tmp, a)], {}, { cwd: fixtures, stdin: new PassThrough() });
    const error = await all(failing).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^sources\/truncated\.log\.gz: the compressed data is truncated/);
  });

  it('merges any async batches by time (the building block)', async () => {
    const batches = (times: number[][]) => async function* () {
      for (const batch of times) yield batch.map((t) => ({ timeMs: t }) as LogRecord);
    };
    const merge = async (inputs: (() => AsyncGenerator<LogRecord[]>)[], concurrency: number): Promise<number[]> => {
      const out: number[] = [];
      for await (const batch of mergeByTime(inputs, concurrency)) out.push(...batch.map((r) => r.timeMs));
      return out;
    };
    // Empty inputs and empty batches are skipped; one input open at a time is enough while each
    // input given later starts no earlier than the one before, or earlier than the merge is.
    expect(await merge([batches([[1, 4], [], [9]]), batches([]), batches([[2, 3], [10]]), batches([[2], [5, 6, 7, 8]])], 1)).toEqual([1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await merge([batches([[5, 6]]), batches([[3, 7]]), batches([[1, 8]])], 1)).toEqual([1, 3, 5, 6, 7, 8]);
    // The documented limit: an input that starts earlier than one given before it, and that only
    // joins once the merge has moved on, comes late (the model's reorder window may still take it).
    expect(await merge([batches([[1, 4]]), batches([[2, 3]]), batches([[0, 9]])], 1)).toEqual([1, 0, 2, 3, 4, 9]);
    expect(await merge([batches([[1, 4]]), batches([[2, 3]]), batches([[0, 9]])], 3)).toEqual([0, 1, 2, 3, 4, 9]);
  });
});
