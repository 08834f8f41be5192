import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../core/errors.js';

/** Writes a file atomically (temp file + rename): a crash never leaves half a results file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process_pid()}.${Date.now()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (cause) {
    throw new InputError(`cannot write ${path}: ${(cause as Error).message}`, { hint: 'check that the folder exists and is writable', cause });
  }
}

let counter = 0;
function process_pid(): string {
  // A unique suffix without touching `process` (only src/cli may).
  counter++;
  return `${counter}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** JSON with a trailing newline, keys as given (callers build stable key order). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
