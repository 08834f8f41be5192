import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { assertReadable, decompress, SNIFF_BYTES, sniffCompression } from './compression.js';
import { openError } from './file.js';
import type { InputSource } from './types.js';

export const STDIN_NAME = 'stdin';

/**
 * Standard input (`-`), gzip detected from its first bytes like files. It can be read once:
 * a second open() is an error rather than an empty input.
 */
export function stdinSource(stdin: NodeJS.ReadableStream): InputSource {
  let opened = false;
  return {
    name: STDIN_NAME,
    async open(): Promise<Readable> {
      if (opened) throw new InputError('stdin was already read', { hint: 'pass `-` only once' });
      opened = true;
      return peekAndDecompress(stdin, STDIN_NAME);
    },
  };
}

/**
 * A pipe or device given by path: a FIFO from the shell's process substitution
 * (`tidemark import <(zcat old/*.gz)` passes /dev/fd/63), /dev/stdin. It cannot be read at an
 * offset, so its first bytes are peeked from the stream like stdin's.
 */
export function pipeSource(name: string, absolutePath: string): InputSource {
  return {
    name,
    async open(): Promise<Readable> {
      const stream = createReadStream(absolutePath, { highWaterMark: 64 * 1024 });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (err) => reject(openError(name, err)));
      });
      return peekAndDecompress(stream, name);
    },
  };
}

/** Reads the first bytes to recognize compression, then replays them ahead of the rest. */
async function peekAndDecompress(input: NodeJS.ReadableStream, name: string): Promise<Readable> {
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const first = Buffer.concat(head, headBytes);
  const compression = sniffCompression(first);
  try {
    assertReadable(compression, name);
  } catch (err) {
    await iterator.return?.();
    throw err;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (first.length > 0) yield first;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield toBuffer(next.value);
      }
    } finally {
      await iterator.return?.();
    }
  }
  return decompress(Readable.from(replay(), { objectMode: false }), compression);
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
