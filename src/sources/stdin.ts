import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { peekAndDecompress } from './compression.js';
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

