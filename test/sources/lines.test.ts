import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { readLineBatches, readLines, type LineItem } from '../../src/sources/lines.js';

/** A stream that yields `data` in chunks of the given sizes (cycled). */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  let pos = 0;
  for (let i = 0; pos < data.length; i++) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

async function collect(stream: NodeJS.ReadableStream | AsyncIterable<Buffer>, maxLineBytes?: number): Promise<LineItem[]> {
  const items: LineItem[] = [];
  for await (const item of readLines(stream, 'test.log', maxLineBytes === undefined ? {} : { maxLineBytes })) items.push(item);
  return items;
}

const text = (items: LineItem[]): (string | object)[] =>
  items.map((i) => ('line' in i ? i.line : 'tooLong' in i ? { tooLong: i.lineNo } : { [i.invalid]: i.lineNo }));

describe('readLines', () => {
  it('splits LF and CRLF lines, keeps a last line without newline, numbers lines from 1', async () => {
    const items = await collect(Readable.from([Buffer.from('a\nbb\r\n\nccc')]));
    expect(items).toEqual([
      { lineNo: 1, line: 'a' },
      { lineNo: 2, line: 'bb' },
      { lineNo: 3, line: '' },
      { lineNo: 4, line: 'ccc' },
    ]);
  });

  it('gives the same lines whatever the chunk boundaries (UTF-8 characters split too)', async () => {
    const data = Buffer.from('\ufeffGET /caf\u00e9 ok\r\nsecond line \u2603 \ud83d\ude00\nthird\n\nlast');
    const expected = ['GET /caf\u00e9 ok', 'second line \u2603 \ud83d\ude00', 'third', '', 'last'];
    for (const sizes of [[1], [2, 3], [7], [5, 1, 11], [1000]]) {
      expect(text(await collect(chunked(data, sizes)))).toEqual(expected);
    }
  });

  it('strips a UTF-8 BOM at the start only', async () => {
    const items = await collect(Readable.from([Buffer.from('\ufeffone\n\ufefftwo\n')]));
    expect(text(items)).toEqual(['one', '\ufefftwo']);
  });

  it('reports lines over the cap without keeping them, and goes on', async () => {
    const long = 'x'.repeat(5000);
    const data = Buffer.from(`ok\n${long}\nfine\n${long}`);
    for (const sizes of [[64], [3000], [100_000]]) {
      const items = await collect(chunked(data, sizes), 1000);
      expect(text(items)).toEqual(['ok', { tooLong: 2 }, 'fine', { tooLong: 4 }]);
    }
  });

  it('handles a huge line streamed in many chunks in constant memory', async () => {
    async function* huge(): AsyncGenerator<Buffer> {
      yield Buffer.from('first\n');
      const block = Buffer.alloc(64 * 1024, 0x61);
      for (let i = 0; i < 160; i++) yield block; // 10 MiB without a newline
      yield Buffer.from('\nafter\n');
    }
    const items = await collect(huge());
    expect(text(items)).toEqual(['first', { tooLong: 2 }, 'after']);
  });

  it('flags lines with control bytes as binary and invalid UTF-8 as such', async () => {
    const data = Buffer.concat([
      Buffer.from('good\tline\n'),
      Buffer.from('nul\u0000here\n'),
      Buffer.from([0x62, 0x61, 0x64, 0xc3, 0x28, 0x0a]),
      Buffer.from('esc\u001b[31m\n'),
      Buffer.from('cr\rinside\n'),
      Buffer.from('del\u007f\n'),
      Buffer.from('\u00e9t\u00e9\n'),
    ]);
    for (const sizes of [[4096], [3]]) {
      const items = await collect(chunked(data, sizes));
      expect(text(items)).toEqual(['good\tline', { binary: 2 }, { 'invalid utf-8': 3 }, { binary: 4 }, { binary: 5 }, { binary: 6 }, '\u00e9t\u00e9']);
    }
  });

  it('yields batches, one per chunk (and one for a last line without newline)', async () => {
    const batches: LineItem[][] = [];
    for await (const batch of readLineBatches(Readable.from([Buffer.from('a\nb\n'), Buffer.from('c\nd')]), 'x')) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([2, 1, 1]);
  });

  it('turns a stream error into an InputError naming the input and how far it got', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('one\ntwo\nthr');
      throw Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
    }
    const error = await collect(failing()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('E_INPUT');
    expect((error as InputError).message).toMatch(/^test\.log: the compressed data is truncated after 2 lines \(11 bytes decompressed\)/);
    expect((error as InputError).hint).toMatch(/zcat/);
  });
});
