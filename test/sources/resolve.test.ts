import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { readLines, resolveSources, type InputSource } from '../../src/sources/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sources/', import.meta.url));
const noStdin = new PassThrough();
const io = { cwd: FIXTURES, stdin: noStdin };

async function linesOf(source: InputSource): Promise<string[]> {
  const out: string[] = [];
  for await (const item of readLines(await source.open(), source.name)) out.push('line' in item ? item.line : JSON.stringify(item));
  return out;
}

async function names(specs: string[]): Promise<string[]> {
  return (await resolveSources(specs, io)).map((s) => s.name);
}

describe('resolveSources', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-sources-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('keeps files as given, expands directories recursively by name, skips dot-files', async () => {
    expect(await names(['gzip-named.log', 'tree'])).toEqual(['gzip-named.log', 'tree/a.log', 'tree/b.log.gz', 'tree/notes.txt', 'tree/sub/c.log']);
    expect(await names(['tree/'])).toEqual(['tree/a.log', 'tree/b.log.gz', 'tree/notes.txt', 'tree/sub/c.log']);
  });

  it('expands globs (sorted) and reads a file reached twice once', async () => {
    expect(await names(['tree/**/*.log', 'tree/a.log', '*.gz'])).toEqual(['tree/a.log', 'tree/sub/c.log', 'multi-member.log.gz', 'plain-named.log.gz', 'truncated.log.gz']);
  });

  it('lists every missing input at once, saying what to do', async () => {
    const error = await resolveSources(['missing.log', 'tree', 'nothing-*.log', 'tre?'], io).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.code).toBe('E_INPUT');
    expect(e.problems).toEqual([
      'missing.log: no such file or directory',
      'nothing-*.log: no files match this pattern',
      'tre?: matches 1 directory but no files (use dir/** to read inside them)',
    ]);
    expect(e.message).toMatch(/3 inputs cannot be read/);
    expect(e.hint).toMatch(/quote globs/);
  });

  it('rejects no input and a second stdin', async () => {
    await expect(resolveSources([], io)).rejects.toThrow(/no input given/);
    await expect(resolveSources(['-', '-'], io)).rejects.toThrow(/stdin is given twice/);
  });

  it('detects gzip by magic bytes, not by name', async () => {
    const [gz, plain] = await resolveSources(['gzip-named.log', 'plain-named.log.gz'], io);
    const a = await linesOf(gz as InputSource);
    const b = await linesOf(plain as InputSource);
    expect(a).toHaveLength(12);
    expect(a[0]).toMatch(/^77\.179\.66\.156 - - \[25\/Oct\/2016/);
    expect(b).toEqual(a);
  });

  it('reads multi-member gzip to the end', async () => {
    const [source] = await resolveSources(['multi-member.log.gz'], io);
    expect(await linesOf(source as InputSource)).toHaveLength(12);
  });

  it('names a truncated gzip and says how far it got', async () => {
    const [source] = await resolveSources(['truncated.log.gz'], io);
    const error = await linesOf(source as InputSource).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^truncated\.log\.gz: the compressed data is truncated after \d+ lines \(\d+ bytes decompressed\)$/);
    expect(Number(/after (\d+) lines/.exec((error as Error).message)?.[1])).toBeGreaterThan(0);
  });

  it('names a corrupt gzip', async () => {
    const file = join(tmp, 'corrupt.log.gz');
    const gz = gzipSync('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326\n'.repeat(50));
    gz[gz.length - 6] = (gz[gz.length - 6] as number) ^ 0xff; // the CRC no longer matches
    writeFileSync(file, gz);
    const [source] = await resolveSources([file], io);
    const error = await linesOf(source as InputSource).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/corrupt\.log\.gz: the compressed data is corrupt after \d+ lines/);
    expect((error as InputError).hint).toMatch(/gzip -t/);
  });

  it('refuses zstd, bzip2, xz and zip with the command to use instead', async () => {
    const file = join(tmp, 'access.log.zst');
    writeFileSync(file, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const [source] = await resolveSources([file], io);
    await expect((source as InputSource).open()).rejects.toThrow(/is zstd-compressed/);
    await expect((source as InputSource).open()).rejects.toMatchObject({ hint: expect.stringMatching(/zstd -dc/) });
  });

  it('reports a file removed after resolution when it is opened', async () => {
    const file = join(tmp, 'gone.log');
    writeFileSync(file, 'x\n');
    const [source] = await resolveSources([file], io);
    rmSync(file);
    await expect((source as InputSource).open()).rejects.toThrow(/gone\.log: no such file/);
  });

  it('reads stdin, plain or gzip, once', async () => {
    const plain = await resolveSources(['-'], { cwd: FIXTURES, stdin: Readable.from([Buffer.from('a\n'), Buffer.from('b\n')]) });
    expect(plain[0]?.name).toBe('stdin');
    expect(await linesOf(plain[0] as InputSource)).toEqual(['a', 'b']);
    await expect((plain[0] as InputSource).open()).rejects.toThrow(/stdin was already read/);

    const gz = gzipSync('one\ntwo\n');
    // The magic bytes arrive split over two chunks.
    const zipped = await resolveSources(['-'], { cwd: FIXTURES, stdin: Readable.from([gz.subarray(0, 1), gz.subarray(1)]) });
    expect(await linesOf(zipped[0] as InputSource)).toEqual(['one', 'two']);

    const empty = await resolveSources(['-'], { cwd: FIXTURES, stdin: Readable.from([]) });
    expect(await linesOf(empty[0] as InputSource)).toEqual([]);
  });

  it('reads a named pipe, as process substitution gives', async () => {
    const fifo = join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `gzip -c > ${fifo}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end('from\na pipe\n');
    const [source] = await resolveSources([fifo], io);
    expect(await linesOf(source as InputSource)).toEqual(['from', 'a pipe']);
  });

  it('keeps BOM-stripped CRLF lines and reports binary lines without stopping', async () => {
    const [bom, binary] = await resolveSources(['bom-crlf.log', 'binary.log'], io);
    const a = await linesOf(bom as InputSource);
    expect(a).toHaveLength(3);
    expect(a[0]?.startsWith('77.179.66.156')).toBe(true);
    expect(a.every((l) => !l.endsWith('\r'))).toBe(true);
    const b = await linesOf(binary as InputSource);
    expect(b.map((l) => (l.startsWith('{') ? JSON.parse(l) : 'line'))).toEqual(['line', { lineNo: 2, invalid: 'binary' }, { lineNo: 3, invalid: 'invalid utf-8' }, 'line']);
  });
});
