import { pipeline, Readable } from 'node:stream';
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

/** The first bytes of a stream, and the whole stream again from its start. */
export interface PeekedBytes {
  head: Buffer;
  /** Every byte, the peeked ones first; closes the source when done or abandoned. */
  replay(): AsyncGenerator<Buffer>;
  /** Closes the source without reading on (after a refusal). */
  close(): Promise<void>;
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Reads at least `minBytes` (or to the end) of `input` without losing them: what compression
 * sniffing and format detection both need before they can hand the stream on.
 */
export async function peekBytes(input: AsyncIterable<Buffer | string | Uint8Array>, minBytes: number): Promise<PeekedBytes> {
  const iterator = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < minBytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks, size);
  return {
    head,
    close: async () => {
      await iterator.return?.();
    },
    async *replay() {
      try {
        if (head.length > 0) yield head;
        if (ended) return;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield toBuffer(next.value);
        }
      } finally {
        await iterator.return?.();
      }
    },
  };
}

/** Recognizes the compression of a stream by its first bytes, refuses what we cannot read, decompresses the rest. */
export async function peekAndDecompress(input: AsyncIterable<Buffer | string | Uint8Array>, name: string): Promise<Readable> {
  const peeked = await peekBytes(input, SNIFF_BYTES);
  const compression = sniffCompression(peeked.head);
  try {
    assertReadable(compression, name);
  } catch (err) {
    await peeked.close();
    throw err;
  }
  return decompress(Readable.from(peeked.replay(), { objectMode: false }), compression);
}
