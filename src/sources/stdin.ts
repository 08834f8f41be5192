import { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { assertReadable, decompress, SNIFF_BYTES, sniffCompression } from './compression.js';
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
      if (opened) {
        throw new InputError('stdin was already read', { hint: 'pass `-` only once' });
      }
      opened = true;
      const iterator = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
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
      assertReadable(compression, STDIN_NAME);
      async function* replay(): AsyncGenerator<Buffer> {
        if (first.length > 0) yield first;
        if (ended) return;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield toBuffer(next.value);
        }
      }
      return decompress(Readable.from(replay(), { objectMode: false }), compression);
    },
  };
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
