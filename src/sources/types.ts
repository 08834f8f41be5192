import type { Readable } from 'node:stream';

/** One input: a file, or stdin. `open()` yields decompressed bytes. */
export interface InputSource {
  /** As the user would recognize it: the path as given or found, or `stdin`. */
  name: string;
  open(): Promise<Readable>;
}

export interface SourceIO {
  /** Directory that relative specs start from. */
  cwd: string;
  /** For the `-` spec. */
  stdin: NodeJS.ReadableStream;
}
