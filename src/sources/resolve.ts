import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { fileSource } from './file.js';
import { expandGlob, hasGlobMagic, kindOf, listFilesRecursively } from './glob.js';
import type { S3SourceOptions } from './s3.js';
import { pipeSource, stdinSource } from './stdin.js';
import type { InputSource, SourceIO } from './types.js';

export interface ResolveOptions {
  /** For `s3://` specs: endpoint, environment, client configuration. */
  s3?: S3SourceOptions;
}

const PATH_HINT = 'check the paths (relative to the current directory); quote globs so that the shell does not expand them';

/**
 * Turns command-line specs into inputs, in the order given:
 * - `-`: standard input;
 * - an existing file: itself (even if its name has glob characters); a pipe (`<(zcat ...)`) too;
 * - a directory: its files, recursively, sorted by name (dot-files skipped);
 * - a glob (`logs/*.log.gz`, `logs/**\/access*`, `{a,b}.log`): the files it matches, sorted;
 * - `s3://bucket/prefix`: the objects under the prefix, in key order (listed now, read later).
 * A file reached twice is read once. Every problem (missing file, empty glob, missing bucket)
 * is reported at once, in one InputError whose hint covers each kind of problem.
 */
export async function resolveSources(specs: string[], io: SourceIO, options: ResolveOptions = {}): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  const hints = new Set<string>();
  let pathProblems = false;
  let stdinUsed = false;
  const add = (name: string): void => {
    const absolute = resolve(io.cwd, name);
    if (seen.has(absolute)) return;
    seen.add(absolute);
    sources.push(fileSource(name, absolute));
  };
  if (specs.length === 0) problems.push('no input given: pass log files, directories, globs, s3://bucket/prefix, or - for stdin');
  for (const spec of specs) {
    if (spec === '-') {
      if (stdinUsed) problems.push('-: stdin is given twice; it can be read only once');
      else sources.push(stdinSource(io.stdin));
      stdinUsed = true;
      continue;
    }
    if (spec.startsWith('s3://')) {
      try {
        // Loaded on demand: the AWS SDK takes ~0.3 s to load, which commands without S3 inputs need not pay.
        const { listS3Sources } = await import('./s3.js');
        for (const object of await listS3Sources(spec, options.s3)) {
          if (seen.has(object.name)) continue; // overlapping prefixes
          seen.add(object.name);
          sources.push(object);
        }
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(err.message);
        if (err.hint) hints.add(err.hint);
      }
      continue;
    }
    const before = problems.length;
    const kind = await kindOf(resolve(io.cwd, spec));
    if (kind === 'file') add(spec);
    else if (kind === 'directory') {
      const files = await listFilesRecursively(resolve(io.cwd, spec), spec);
      if (files.length === 0) problems.push(`${spec}: directory has no files`);
      for (const file of files) add(file);
    } else if (kind === 'pipe') {
      sources.push(pipeSource(spec, resolve(io.cwd, spec)));
    } else if (kind === 'other') {
      problems.push(`${spec}: is not a regular file, pipe or directory`);
    } else if (hasGlobMagic(spec)) {
      const { files, directories } = await expandGlob(spec, io.cwd);
      if (files.length === 0) {
        problems.push(
          directories > 0
            ? `${spec}: matches ${directories} director${directories === 1 ? 'y' : 'ies'} but no files (use dir/** to read inside them)`
            : `${spec}: no files match this pattern`,
        );
      }
      for (const file of files) add(file);
    } else {
      problems.push(`${spec}: no such file or directory`);
    }
    if (problems.length > before) pathProblems = true;
  }
  if (problems.length > 0) {
    const message = problems.length === 1 ? (problems[0] as string) : `${problems.length} inputs cannot be read:\n  ${problems.join('\n  ')}`;
    if (pathProblems || hints.size === 0) hints.add(PATH_HINT);
    throw new InputError(message, { problems, hint: [...hints].join('; ') });
  }
  return sources;
}
