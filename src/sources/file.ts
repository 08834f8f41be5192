import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { assertReadable, decompress, SNIFF_BYTES, sniffCompression } from './compression.js';
import type { InputSource } from './types.js';

/** A file on disk, opened lazily (there may be thousands) and decompressed by its magic bytes. */
export function fileSource(name: string, absolutePath: string): InputSource {
  return {
    name,
    async open(): Promise<Readable> {
      let handle;
      try {
        handle = await open(absolutePath, 'r');
      } catch (err) {
        throw openError(name, err);
      }
      try {
        const head = Buffer.alloc(SNIFF_BYTES);
        const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
        const compression = sniffCompression(head.subarray(0, bytesRead));
        assertReadable(compression, name);
        // 256 KiB reads: a quarter of the per-read cost of 64 KiB ones (lines are decoded one by
        // one, so chunk size no longer decides the size of any string).
        const raw = handle.createReadStream({ start: 0, highWaterMark: 256 * 1024 });
        return decompress(raw, compression);
      } catch (err) {
        await handle.close().catch(() => {});
        if (err instanceof InputError) throw err;
        throw openError(name, err);
      }
    },
  };
}

export function openError(name: string, err: unknown): InputError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return new InputError(`${name}: no such file`, {
      hint: 'check the path (relative paths start from the current directory); quote globs so that the shell does not expand them',
      cause: err,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(`${name}: permission denied`, { hint: 'make the file readable for this user', cause: err });
  }
  if (code === 'EISDIR') {
    return new InputError(`${name}: is a directory`, { hint: 'pass the directory itself to read all its files', cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InputError(`${name}: cannot be read: ${message}`, { cause: err });
}
