import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
// The SDK is loaded only when an s3:// input is read (loading it costs every command ~0.3 s).
import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { RunContext } from '../core/context.js';
import { InputError } from '../core/errors.js';
import { parseRunResults, type DetailedRunResults } from '../reports/rehydrate.js';
import { s3ClientConfig } from './s3-output.js';

/*
 * Results files as inputs of `compare` and `merge`: a file, a directory (its *.json files), or
 * an S3 prefix `s3://bucket/prefix/` (every *.json / *.json.gz object under it, in key order),
 * which is where the segments of a distributed run upload their results. Gzip is detected by its
 * magic bytes.
 *
 * S3 settings come from the environment as for s3:// outputs (s3-output.ts): AWS_REGION (or
 * AWS_DEFAULT_REGION), credentials by the SDK's default chain (or AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN from the context), and AWS_ENDPOINT_URL_S3 or
 * AWS_ENDPOINT_URL for S3-compatible stores (MinIO, s3rver), which then use path-style URLs.
 */

export interface LoadedResults {
  /** The file path as given, `dir/name.json`, or `s3://bucket/key`. */
  name: string;
  results: DetailedRunResults;
}

export interface ResultsInputOptions {
  /** An S3 client to use instead of one built from the environment (tests). */
  s3Client?: S3Client;
}

const RESULTS_FILE = /\.json(\.gz)?$/i;
const S3_DOWNLOADS_AT_ONCE = 8;

function parseBytes(bytes: Buffer, name: string): DetailedRunResults {
  let text: string;
  try {
    text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  } catch (cause) {
    throw new InputError(`cannot decompress: ${(cause as Error).message}`, { location: name, hint: 'the file is not valid gzip; give the results.json a run wrote', cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InputError(`not JSON: ${(cause as Error).message}`, { location: name, hint: 'give a results.json written by `tidemark run`', cause });
  }
  return parseRunResults(json, name);
}

/** `s3://bucket/prefix` → bucket and prefix (possibly empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match || !match[1]) throw new InputError(`${url}: not an S3 URL`, { hint: 'write s3://bucket/prefix/' });
  return { bucket: match[1], prefix: match[2] ?? '' };
}

/** An S3 client from the context's environment (the same settings as s3:// outputs). */
export async function s3ClientFromEnv(env: RunContext['env']): Promise<S3Client> {
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  return new Client(s3ClientConfig(env));
}

function s3Error(what: string, cause: unknown): InputError {
  const err = cause as { name?: string; message?: string };
  return new InputError(`${what}: ${err.name ?? 'Error'}: ${err.message ?? String(cause)}`, {
    hint: 'check the bucket and prefix, AWS_REGION and the credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); for an S3-compatible store set AWS_ENDPOINT_URL',
    cause,
  });
}

async function readS3(url: string, client: S3Client, signal: AbortSignal): Promise<LoadedResults[]> {
  const { bucket, prefix } = parseS3Url(url);
  const { GetObjectCommand, paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
  const keys: string[] = [];
  if (RESULTS_FILE.test(prefix)) keys.push(prefix);
  else {
    try {
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) if (object.Key && RESULTS_FILE.test(object.Key)) keys.push(object.Key);
      }
    } catch (cause) {
      throw s3Error(`cannot list ${url}`, cause);
    }
    keys.sort();
    if (keys.length === 0) throw new InputError(`${url}: no .json objects under this prefix`, { hint: 'check the prefix (it is matched from the start of the key); the segments upload their results.json there' });
  }
  const limit = pLimit(S3_DOWNLOADS_AT_ONCE);
  return Promise.all(
    keys.map((key) =>
      limit(async () => {
        const name = `s3://${bucket}/${key}`;
        let bytes: Buffer;
        try {
          const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
          if (!object.Body) throw new Error('empty body');
          bytes = Buffer.from(await object.Body.transformToByteArray());
        } catch (cause) {
          throw s3Error(`cannot download ${name}`, cause);
        }
        return { name, results: parseBytes(bytes, name) };
      }),
    ),
  );
}

async function readLocal(spec: string, ctx: RunContext): Promise<LoadedResults[]> {
  const path = resolve(ctx.cwd, spec);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read: ${(cause as Error).message}`, {
      location: spec,
      hint: 'give results files written by `tidemark run` (or a directory of them, or s3://bucket/prefix/)',
      cause,
    });
  }
  const files = isDirectory ? (await readdir(path)).filter((f) => RESULTS_FILE.test(f)).sort().map((f) => ({ name: join(spec, f), path: join(path, f) })) : [{ name: spec, path }];
  if (files.length === 0) throw new InputError('no .json files in this directory', { location: spec, hint: 'give the results files themselves, or the directory they were written to' });
  const loaded: LoadedResults[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file.path);
    } catch (cause) {
      throw new InputError(`cannot read: ${(cause as Error).message}`, { location: file.name, cause });
    }
    loaded.push({ name: file.name, results: parseBytes(bytes, file.name) });
  }
  return loaded;
}

/** Reads every results input, in the order given (a directory or prefix in name order). */
export async function readResultsInputs(specs: readonly string[], ctx: RunContext, options: ResultsInputOptions = {}): Promise<LoadedResults[]> {
  let client = options.s3Client;
  const all: LoadedResults[] = [];
  try {
    for (const spec of specs) {
      if (spec.startsWith('s3://')) {
        client ??= await s3ClientFromEnv(ctx.env);
        all.push(...(await readS3(spec, client, ctx.signal)));
      } else all.push(...(await readLocal(spec, ctx)));
    }
  } finally {
    if (client && client !== options.s3Client) client.destroy();
  }
  return all;
}
