/** Inputs: the only code that reads input files (STYLE.md). Public API, listed by hand. */
export type { InputSource, SourceIO } from './types.js';
export { resolveSources } from './resolve.js';
export { fileSource } from './file.js';
export { pipeSource, stdinSource, STDIN_NAME } from './stdin.js';
export { readLines, readLineBatches, DEFAULT_MAX_LINE_BYTES, type LineItem, type ReadLinesOptions } from './lines.js';
export { peekBytes, sniffCompression, type Compression, type PeekedBytes } from './compression.js';
export { expandGlob, expandBraces, segmentToRegExp } from './glob.js';
