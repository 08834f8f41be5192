import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/*
 * Real log lines for the property tests to mutate: the repository's format fixtures, the head of
 * the shop sample, and (when present) the shared fixture collection next to the work tree, which
 * holds formats whose licenses keep them out of the repository (ALB, CloudFront, ...).
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const REPO_FIXTURES = join(here, '../fixtures/formats');
const SHOP_SAMPLE = join(here, '../../samples/shop/access.log.gz');
export const SHARED_FIXTURES = join(here, '../../../shared/fixtures');

const LINES_PER_FILE = 40;
const MAX_LINE_CHARS = 8_192;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

function headLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && l.length <= MAX_LINE_CHARS)
    .slice(0, LINES_PER_FILE);
}

/** Distinct non-empty lines from every fixture found, in a stable order. */
export function fixtureLines(): string[] {
  const lines: string[] = [];
  const dirs = [REPO_FIXTURES, ...(existsSync(SHARED_FIXTURES) ? [SHARED_FIXTURES] : [])];
  for (const dir of dirs) {
    for (const path of files(dir)) {
      if (/LICENSE|NOTICE|\.md$|\.gz$|\.zip$/i.test(path)) continue;
      if (statSync(path).size > 2_000_000) continue;
      lines.push(...headLines(readFileSync(path, 'utf8')));
    }
  }
  if (existsSync(SHOP_SAMPLE)) {
    // The sample is ~25 MB once unpacked; its first 64 KiB are plenty.
    const head = gunzipSync(readFileSync(SHOP_SAMPLE), { finishFlush: 2 /* Z_SYNC_FLUSH */ }).subarray(0, 65_536).toString('utf8');
    lines.push(...headLines(head).slice(0, -1));
  }
  return [...new Set(lines)];
}
