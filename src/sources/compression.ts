import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../core/errors.js';

/** How many leading bytes `sniffCompression` wants to see. */
export const SNIFF_BYTES = 6;

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'zip';

/**
 * Recognizes compression by magic bytes, never by file name: rotated logs are often gzip
 * without `.gz`, and `.gz` files are sometimes plain text.
 */
export function sniffCompression(head: Uint8Array): Compression {
  const b0 = head[0];
  const b1 = head[1];
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x28 && b1 === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (b0 === 0x42 && b1 === 0x5a && head[2] === 0x68 && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39) return 'bzip2';
  if (b0 === 0xfd && b1 === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  if (b0 === 0x50 && b1 === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  return 'none';
}

/** Throws for compressions Node 20 cannot read, saying how to feed the input instead. */
export function assertReadable(compression: Compression, name: string): void {
  if (compression === 'none' || compression === 'gzip') return;
  const tool = { zstd: 'zstd -dc', bzip2: 'bzip2 -dc', xz: 'xz -dc', zip: 'unzip -p' }[compression];
  throw new InputError(`${name}: is ${compression}-compressed; tidemark reads plain text and gzip`, {
    hint: `decompress it on the fly: ${tool} ${name} | tidemark import - ...`,
  });
}

/**
 * The decompressed byte stream. Multi-member gzip (concatenated `.gz` files, as logrotate and
 * `cat a.gz b.gz` produce) is read to the end. Errors of `raw` reach the returned stream.
 */
export function decompress(raw: Readable, compression: Compression): Readable {
  if (compression !== 'gzip') return raw;
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  // The consumer sees errors through `gunzip` (pipeline destroys it with the error).
  pipeline(raw, gunzip, () => {});
  return gunzip;
}
