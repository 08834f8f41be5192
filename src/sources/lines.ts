import { isAscii, isUtf8 } from 'node:buffer';
import { InputError } from '../core/errors.js';

/**
 * One line of an input, or why it cannot be used. Too-long and binary lines are reported, not
 * fatal: a log with a few garbage lines is still a log.
 */
export type LineItem =
  | { lineNo: number; line: string }
  | { lineNo: number; tooLong: true }
  | { lineNo: number; invalid: 'invalid utf-8' | 'binary' };

export interface ReadLinesOptions {
  /** Lines longer than this (bytes, without the newline) are skipped and reported. Default 64 KiB. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;
/** Control bytes that make a line "binary": all of C0 except tab, LF and CR, plus DEL. */
const CONTROL_BYTES: number[] = [];
for (let c = 0; c < 0x20; c++) if (c !== 0x09 && c !== LF && c !== CR) CONTROL_BYTES.push(c);
CONTROL_BYTES.push(0x7f);

/**
 * Splits a byte stream into lines, in batches (one per chunk): the per-item cost of an async
 * iterator is about 0.4 µs, as much as parsing a line, so hot consumers take batches.
 *
 * Memory stays constant: a line longer than `maxLineBytes` is dropped as it streams, never
 * accumulated. A stream error (truncated gzip, I/O) becomes an InputError naming the input and
 * how far it got.
 */
export async function* readLineBatches(
  stream: NodeJS.ReadableStream | AsyncIterable<Buffer | string>,
  name: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineItem[]> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const state: SplitState = { lineNo: 0, maxLineBytes };
  let bytesRead = 0;
  // The unfinished line carried over from previous chunks, unless it is being skipped.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  try {
    for await (const raw of stream as AsyncIterable<Buffer | string>) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      bytesRead += chunk.length;
      const out: LineItem[] = [];
      let pos = 0;
      if (pendingBytes > 0 || skipping) {
        const nl = chunk.indexOf(LF);
        if (nl === -1) {
          if (!skipping) {
            // Copies: a producer may reuse its buffers (fs and zlib do not, stdin wrappers might).
            pending.push(Buffer.from(chunk));
            pendingBytes += chunk.length;
            if (pendingBytes > maxLineBytes) {
              skipping = true;
              pending = [];
              pendingBytes = 0;
            }
          }
          continue;
        }
        if (skipping) {
          out.push({ lineNo: ++state.lineNo, tooLong: true });
          skipping = false;
        } else {
          pending.push(chunk.subarray(0, nl));
          const joined = Buffer.concat(pending, pendingBytes + nl);
          pending = [];
          pendingBytes = 0;
          splitSlow(joined, 0, joined.length, state, out);
        }
        pos = nl + 1;
      }
      const last = chunk.lastIndexOf(LF);
      if (last >= pos) {
        splitRegion(chunk, pos, last, state, out);
        pos = last + 1;
      }
      if (pos < chunk.length) {
        const tailBytes = chunk.length - pos;
        if (tailBytes > maxLineBytes) skipping = true;
        else {
          pending.push(Buffer.from(chunk.subarray(pos)));
          pendingBytes = tailBytes;
        }
      }
      if (out.length > 0) yield out;
    }
  } catch (err) {
    throw streamError(err, name, state.lineNo, bytesRead);
  }
  if (skipping) yield [{ lineNo: ++state.lineNo, tooLong: true }];
  else if (pendingBytes > 0) {
    const out: LineItem[] = [];
    const joined = Buffer.concat(pending, pendingBytes);
    splitSlow(joined, 0, joined.length, state, out);
    yield out;
  }
}

/** Line by line; convenient, but see readLineBatches for the fast path. */
export async function* readLines(
  stream: NodeJS.ReadableStream | AsyncIterable<Buffer | string>,
  name: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineItem> {
  for await (const batch of readLineBatches(stream, name, options)) yield* batch;
}

interface SplitState {
  lineNo: number;
  maxLineBytes: number;
}

/**
 * Splits chunk[start, end) where end is the index of a newline (so every line in it is
 * complete). Fast path: a region that is ASCII (or valid UTF-8) without control bytes, checked
 * once with native scans, then decoded line by line. Lines are decoded one by one rather than
 * sliced from one chunk-sized string: V8 slices would keep the whole 64 KiB chunk alive for as
 * long as any field of any record is kept, and reading characters of a slice is 2-3x slower.
 */
function splitRegion(chunk: Buffer, start: number, end: number, state: SplitState, out: LineItem[]): void {
  const region = chunk.subarray(start, end);
  let encoding: 'latin1' | 'utf8';
  if (isAscii(region)) encoding = 'latin1';
  else if (isUtf8(region)) encoding = 'utf8';
  else return splitSlow(chunk, start, end, state, out);
  for (const c of CONTROL_BYTES) {
    if (region.indexOf(c) !== -1) return splitSlow(chunk, start, end, state, out);
  }
  const hasCr = region.indexOf(CR) !== -1;
  const max = state.maxLineBytes;
  let lineNo = state.lineNo;
  let pos = start;
  const decode = encoding === 'latin1' ? LATIN1 : UTF8;
  for (;;) {
    let nl = chunk.indexOf(LF, pos);
    if (nl === -1 || nl > end) nl = end;
    let stop = nl;
    if (hasCr && stop > pos && chunk[stop - 1] === CR) stop--;
    lineNo++;
    const cr = hasCr ? chunk.indexOf(CR, pos) : -1;
    if (stop - pos > max) out.push({ lineNo, tooLong: true });
    else if (cr !== -1 && cr < stop) out.push({ lineNo, invalid: 'binary' }); // a CR inside the line
    else {
      let line = decode.call(chunk, pos, stop);
      if (lineNo === 1 && line.charCodeAt(0) === BOM) line = line.slice(1);
      out.push({ lineNo, line });
    }
    if (nl >= end) break;
    pos = nl + 1;
  }
  state.lineNo = lineNo;
}

/**
 * Buffer's own decoders, called directly: `buffer.toString(encoding, start, end)` checks its
 * arguments and dispatches on the encoding first, which costs about as much as decoding a line.
 * (Node's Buffer has had `latin1Slice` and `utf8Slice` for as long as it has had `toString`;
 * should one be missing, `toString` is used.)
 */
type Decoder = (this: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { latin1Slice?: Decoder; utf8Slice?: Decoder };
const LATIN1: Decoder = typeof proto.latin1Slice === 'function' ? proto.latin1Slice : function (start, end) { return this.toString('latin1', start, end); };
const UTF8: Decoder = typeof proto.utf8Slice === 'function' ? proto.utf8Slice : function (start, end) { return this.toString('utf8', start, end); };

/** Line by line over bytes: for regions with invalid UTF-8 or control bytes somewhere. */
function splitSlow(chunk: Buffer, start: number, end: number, state: SplitState, out: LineItem[]): void {
  let pos = start;
  for (;;) {
    let nl = chunk.indexOf(LF, pos);
    if (nl === -1 || nl > end) nl = end;
    let stop = nl;
    if (stop > pos && chunk[stop - 1] === CR) stop--;
    const lineNo = ++state.lineNo;
    if (stop - pos > state.maxLineBytes) out.push({ lineNo, tooLong: true });
    else {
      const bytes = chunk.subarray(pos, stop);
      if (!isUtf8(bytes)) out.push({ lineNo, invalid: 'invalid utf-8' });
      else if (hasControlByte(bytes)) out.push({ lineNo, invalid: 'binary' });
      else {
        let line = bytes.toString('utf8');
        if (lineNo === 1 && line.charCodeAt(0) === BOM) line = line.slice(1);
        out.push({ lineNo, line });
      }
    }
    if (nl >= end) break;
    pos = nl + 1;
  }
}

function hasControlByte(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

function streamError(err: unknown, name: string, lines: number, bytes: number): InputError {
  if (err instanceof InputError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const progress = `after ${lines} line${lines === 1 ? '' : 's'} (${bytes} bytes${isZlibCode(code) ? ' decompressed' : ''})`;
  if (isZlibCode(code)) {
    const truncated = code === 'Z_BUF_ERROR';
    return new InputError(
      `${name}: the compressed data is ${truncated ? 'truncated' : 'corrupt'} ${progress}`,
      {
        hint: truncated
          ? 'the file was cut short (still being written, or an interrupted copy); copy it again, or keep what is readable with `zcat file > file.log` and read that'
          : 'the file is damaged or not really gzip; check it with `gzip -t`',
        cause: err,
      },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InputError(`${name}: reading failed ${progress}: ${message}`, {
    hint: 'check that the file is readable and complete',
    cause: err,
  });
}

function isZlibCode(code: unknown): boolean {
  return typeof code === 'string' && code.startsWith('Z_');
}
