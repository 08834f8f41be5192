import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/*
 * A small glob, because Node 20 has no fs.glob.
 *
 *   pattern  := segment ('/' segment)*
 *   segment  := '**'                 any number of directories (zero or more)
 *             | ( '*'                any characters except '/'
 *               | '?'                one character except '/'
 *               | '[' '!'? set ']'   one character of (or not of) the set; a-z ranges
 *               | '{' alt (',' alt)* '}'   alternatives (expanded first, may nest)
 *               | '\' char           that character literally
 *               | char )*
 *
 * Names starting with '.' match only a segment that starts with '.' (as in shells), and `**`
 * does not descend into dot-directories or follow symbolic links to directories (no cycles).
 * Results are files only, sorted, without duplicates.
 */

const MAGIC = /[*?[{\\]/;

export function hasGlobMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const alternatives = splitTopLevel(pattern.slice(open + 1, i));
        if (alternatives.length < 2) continue; // `{x}` is literal, as in bash
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        return alternatives.flatMap((alt) => expandBraces(head + alt + tail));
      }
    }
  }
  return [pattern];
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

/** One path segment (no '/', no braces) → an anchored RegExp. */
export function segmentToRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) re += escapeRe(segment[++i] as string);
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/**
 * The files matching `pattern`, relative patterns resolved against `cwd`. Returned paths keep
 * the pattern's own spelling (relative stays relative) so that messages use the user's words.
 * `directories` counts directories the pattern matched, for a helpful error when no files did.
 */
export async function expandGlob(pattern: string, cwd: string): Promise<{ files: string[]; directories: number }> {
  const files = new Set<string>();
  const counter = { directories: 0 };
  for (const alternative of expandBraces(pattern)) {
    const absolute = alternative.startsWith('/');
    const segments = alternative.split('/').filter((s, i) => s !== '' || i === 0);
    if (absolute) segments.shift();
    // Literal leading segments are the base directory.
    let baseCount = 0;
    while (baseCount < segments.length - 1 && !hasGlobMagic(segments[baseCount] as string)) baseCount++;
    const baseShown = (absolute ? '/' : '') + segments.slice(0, baseCount).join('/');
    const rest = segments.slice(baseCount);
    if (rest[rest.length - 1] === '**') rest.push('*');
    await walk(resolve(cwd, baseShown || '.'), baseShown, rest, 0, files, counter);
  }
  return { files: [...files].sort(compareNames), directories: counter.directories };
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function walk(
  dirAbs: string,
  dirShown: string,
  segments: string[],
  index: number,
  out: Set<string>,
  counter: { directories: number },
): Promise<void> {
  const segment = segments[index] as string;
  const last = index === segments.length - 1;
  if (segment === '**') {
    await walk(dirAbs, dirShown, segments, index + 1, out, counter);
    for (const entry of await listDir(dirAbs)) {
      if (entry.name.startsWith('.') || !entry.isDirectory()) continue; // symlinks: not followed
      await walk(join(dirAbs, entry.name), joinShown(dirShown, entry.name), segments, index, out, counter);
    }
    return;
  }
  if (!hasGlobMagic(segment)) {
    const abs = join(dirAbs, segment);
    const kind = await kindOf(abs);
    if (last) {
      if (kind === 'file') out.add(joinShown(dirShown, segment));
      else if (kind === 'directory') counter.directories++;
    } else if (kind === 'directory') {
      await walk(abs, joinShown(dirShown, segment), segments, index + 1, out, counter);
    }
    return;
  }
  const re = segmentToRegExp(segment);
  const dotOk = segment.startsWith('.');
  for (const entry of await listDir(dirAbs)) {
    if ((!dotOk && entry.name.startsWith('.')) || !re.test(entry.name)) continue;
    const abs = join(dirAbs, entry.name);
    const kind = entry.isSymbolicLink() ? await kindOf(abs) : entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
    if (last) {
      if (kind === 'file') out.add(joinShown(dirShown, entry.name));
      else if (kind === 'directory') counter.directories++;
    } else if (kind === 'directory') {
      await walk(abs, joinShown(dirShown, entry.name), segments, index + 1, out, counter);
    }
  }
}

function joinShown(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

async function listDir(dirAbs: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(dirAbs, { withFileTypes: true });
    return entries.sort((a, b) => compareNames(a.name, b.name));
  } catch {
    return []; // a directory that vanished or cannot be listed matches nothing
  }
}

/** `pipe`: a FIFO or character device (process substitution, /dev/stdin), readable as a stream. */
export async function kindOf(abs: string): Promise<'file' | 'directory' | 'pipe' | 'other' | 'missing'> {
  try {
    const s = await stat(abs);
    if (s.isFile()) return 'file';
    if (s.isDirectory()) return 'directory';
    return s.isFIFO() || s.isCharacterDevice() ? 'pipe' : 'other';
  } catch {
    return 'missing';
  }
}

/** All files under a directory, depth first, each level sorted by name; dot-entries skipped. */
export async function listFilesRecursively(dirAbs: string, dirShown: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await listDir(dirAbs)) {
    if (entry.name.startsWith('.')) continue;
    const abs = join(dirAbs, entry.name);
    const shown = joinShown(dirShown, entry.name);
    const kind = entry.isSymbolicLink() ? await kindOf(abs) : entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
    if (kind === 'file') out.push(shown);
    else if (kind === 'directory' && !entry.isSymbolicLink()) out.push(...(await listFilesRecursively(abs, shown)));
  }
  return out;
}
