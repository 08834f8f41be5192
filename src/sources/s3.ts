import { GetObjectCommand, paginateListObjectsV2, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { peekAndDecompress } from './compression.js';
import type { InputSource } from './types.js';

/**
 * `s3://bucket/prefix`: every object whose key starts with the prefix, in key order (UTF-8
 * binary order, as S3 lists them, which is time order for ALB and CloudFront log keys), each
 * streamed with GetObject and decompressed by its magic bytes like a file.
 *
 * The client uses the SDK's standard credential chain (environment, shared files and profiles,
 * SSO, web identity, container and instance roles) and region resolution; a region that cannot
 * be resolved falls back to us-east-1, and requests to a bucket in another region follow S3's
 * redirect. `--s3-endpoint URL` (or AWS_ENDPOINT_URL_S3) selects an S3-compatible store (MinIO,
 * Ceph, s3rver) with path-style addressing.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface S3SourceOptions {
  /** `--s3-endpoint`: an S3-compatible endpoint; wins over AWS_ENDPOINT_URL_S3. */
  endpoint?: string | undefined;
  /** Where AWS_REGION, AWS_ENDPOINT_URL_S3 and AWS_PROFILE are read (the CLI passes the process environment). */
  env?: Env | undefined;
  /** Laid over the derived configuration: credentials or a region given in code (tests). */
  clientConfig?: S3ClientConfig | undefined;
}

export interface S3Location {
  bucket: string;
  prefix: string;
}

const SCHEME = 's3://';
/** The object AWS drops next to ALB/ELB logs when logging is switched on; it is not a log. */
const ALB_TEST_FILE = 'ELBAccessLogTestFile';

export function isS3Spec(spec: string): boolean {
  return spec.startsWith(SCHEME);
}

/** `s3://bucket/logs/2024/` → bucket `bucket`, prefix `logs/2024/` (the prefix may be empty). */
export function parseS3Spec(spec: string): S3Location {
  const rest = spec.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  // Bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens (S3 rules);
  // compatible stores are laxer, so only what can never be a bucket is refused here.
  if (bucket === '' || /[\s/\\]/.test(bucket)) {
    throw new InputError(`${spec}: not an S3 location (expected s3://bucket/prefix)`, {
      hint: 'write it as s3://my-log-bucket/AWSLogs/123456789012/elasticloadbalancing/ (the prefix may be empty)',
    });
  }
  return { bucket, prefix };
}

/** The S3 client configuration: endpoint (path-style), region, and what the caller lays over it. */
export function s3SourceConfig(options: S3SourceOptions): S3ClientConfig {
  const env = options.env ?? {};
  const config: S3ClientConfig = { followRegionRedirects: true };
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  else config.region = resolveRegionOr('us-east-1');
  const endpoint = options.endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = true;
    // S3-compatible stores do not all send or understand the newer default checksums.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return { ...config, ...options.clientConfig };
}

/** The SDK's own region chain (environment, then the shared config file's profile), or `fallback`. */
function resolveRegionOr(fallback: string): () => Promise<string> {
  let resolved: Promise<string> | undefined;
  return () => {
    resolved ??= (async () => {
      const probe = new S3Client({});
      try {
        return await probe.config.region();
      } catch {
        return fallback;
      } finally {
        probe.destroy();
      }
    })();
    return resolved;
  };
}

/** Where the endpoint is, for messages: the custom endpoint or "AWS". */
function endpointLabel(config: S3ClientConfig): string {
  return typeof config.endpoint === 'string' ? config.endpoint : 'AWS S3';
}

/**
 * Lists `s3://bucket/prefix` (all pages) and returns one InputSource per object, in key order.
 * Folder markers (keys ending in `/`), empty objects and ALB's test file are left out. Errors
 * say which bucket, which credentials and what to check.
 */
export async function listS3Sources(spec: string, options: S3SourceOptions = {}): Promise<InputSource[]> {
  const { bucket, prefix } = parseS3Spec(spec);
  const config = s3SourceConfig(options);
  const client = new S3Client(config);
  const env = options.env ?? {};
  const keys: string[] = [];
  let listed = 0;
  try {
    const pages = paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        listed++;
        const key = object.Key;
        if (key === undefined || key.endsWith('/') || object.Size === 0) continue;
        if (key === ALB_TEST_FILE || key.endsWith(`/${ALB_TEST_FILE}`)) continue;
        keys.push(key);
      }
    }
  } catch (err) {
    client.destroy();
    throw await s3Error(err, { bucket, url: spec, action: 'list', client, config, env });
  }
  if (keys.length === 0) {
    client.destroy();
    const what = prefix ? `no objects under the prefix "${prefix}"` : 'the bucket is empty';
    throw new InputError(`${spec}: ${what}${listed > 0 ? ` (only ${listed} empty object${listed === 1 ? '' : 's'} or folder markers)` : ''}`, {
      hint: `check the prefix (it is matched from the start of the key, case-sensitively); list it with: aws s3 ls ${SCHEME}${bucket}/${prefix}${endpointHint(config)}`,
    });
  }
  // S3 lists in UTF-8 binary order already; sorting again costs little and makes
  // S3-compatible stores that list otherwise behave the same.
  keys.sort(compareUtf8);
  return keys.map((key) => s3ObjectSource(client, config, env, bucket, key));
}

function endpointHint(config: S3ClientConfig): string {
  return typeof config.endpoint === 'string' ? ` --endpoint-url ${config.endpoint}` : '';
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** One object, fetched when opened (there may be thousands; only a few are open at once). */
export function s3ObjectSource(client: S3Client, config: S3ClientConfig, env: Env, bucket: string, key: string): InputSource {
  const name = `${SCHEME}${bucket}/${key}`;
  return {
    name,
    async open(): Promise<Readable> {
      let body: Readable;
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        body = response.Body as Readable;
      } catch (err) {
        throw await s3Error(err, { bucket, url: name, action: 'read', client, config, env });
      }
      return peekAndDecompress(body, name);
    },
  };
}

interface ErrorContext {
  bucket: string;
  url: string;
  action: 'list' | 'read';
  client: S3Client;
  config: S3ClientConfig;
  env: Env;
}

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'AccountProblem']);

/** An SDK error as an InputError that names the bucket or object and says what to check. */
async function s3Error(err: unknown, ctx: ErrorContext): Promise<InputError> {
  const e = (err ?? {}) as { name?: string; Code?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const where = endpointLabel(ctx.config);
  if (code === 'NoSuchBucket') {
    return new InputError(`${ctx.url}: no such bucket "${ctx.bucket}" at ${where}`, {
      hint: `check the bucket name${typeof ctx.config.endpoint === 'string' ? ' and --s3-endpoint' : ' (and AWS_PROFILE / the account the credentials belong to)'}`,
      cause: err,
    });
  }
  if (code === 'NoSuchKey') {
    return new InputError(`${ctx.url}: the object is gone (deleted after it was listed)`, { hint: 'run the import again', cause: err });
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new InputError(`${ctx.url}: no AWS credentials found`, {
      hint: 'set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role is available',
      cause: err,
    });
  }
  if (DENIED.has(code) || status === 403) {
    const who = await describeCredentials(ctx.client, ctx.env);
    const permission = ctx.action === 'list' ? `s3:ListBucket on arn:aws:s3:::${ctx.bucket}` : `s3:GetObject on arn:aws:s3:::${ctx.bucket}/* (and kms:Decrypt when the objects are KMS-encrypted)`;
    const reason = code === 'InvalidAccessKeyId' ? 'the access key is not known there' : code === 'SignatureDoesNotMatch' ? 'the secret key does not match the access key' : code === 'ExpiredToken' ? 'the session token has expired' : `${code}${status ? `, HTTP ${status}` : ''}`;
    return new InputError(`${ctx.url}: access denied at ${where} (${reason}) with ${who}`, {
      hint: `check that these credentials are the ones you meant (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that they allow ${permission}; a bucket policy may deny them too`,
      cause: err,
    });
  }
  const network = e.code ?? (err instanceof Error && 'cause' in err ? (err.cause as { code?: string } | undefined)?.code : undefined);
  if (typeof network === 'string' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)$/.test(network)) {
    return new InputError(`${ctx.url}: cannot reach ${where} (${network})`, {
      hint: typeof ctx.config.endpoint === 'string' ? 'check --s3-endpoint (or AWS_ENDPOINT_URL_S3) and that the store is running' : 'check the network connection and proxy settings',
      cause: err,
    });
  }
  return new InputError(`${ctx.url}: S3 ${ctx.action === 'list' ? 'listing' : 'read'} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`, {
    hint: 'check the bucket, the prefix, the region (AWS_REGION) and the credentials',
    cause: err,
  });
}

/** Which credentials a client used, without secrets: "access key AKIA…WXYZ from environment variables". */
export async function describeCredentials(client: S3Client, env: Env): Promise<string> {
  let identity: { accessKeyId?: string; $source?: Record<string, unknown> } | undefined;
  try {
    identity = (await client.config.credentials()) as typeof identity;
  } catch {
    return 'no credentials that could be loaded';
  }
  const key = identity?.accessKeyId ?? '';
  const shown = key.length > 8 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key.length > 0 ? `${key.slice(0, 2)}…` : '(empty)';
  const source = credentialSource(identity?.$source ?? {}, env);
  return `access key ${shown}${source ? ` from ${source}` : ''}`;
}

function credentialSource(features: Record<string, unknown>, env: Env): string {
  const has = (name: string): boolean => name in features;
  const profile = env.AWS_PROFILE ? `profile "${env.AWS_PROFILE}"` : 'the default profile';
  if (has('CREDENTIALS_CODE')) return 'the client configuration';
  if (has('CREDENTIALS_ENV_VARS')) return 'environment variables (AWS_ACCESS_KEY_ID)';
  if (has('CREDENTIALS_PROFILE_SSO') || has('CREDENTIALS_SSO') || has('CREDENTIALS_PROFILE_SSO_LEGACY')) return `SSO (${profile})`;
  if (has('CREDENTIALS_PROFILE_SOURCE_PROFILE') || has('CREDENTIALS_STS_ASSUME_ROLE')) return `an assumed role (${profile})`;
  if (has('CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN') || has('CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN') || has('CREDENTIALS_STS_ASSUME_ROLE_WEB_ID')) return 'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)';
  if (has('CREDENTIALS_PROFILE_PROCESS') || has('CREDENTIALS_PROCESS')) return `a credential_process (${profile})`;
  if (has('CREDENTIALS_PROFILE')) return `the shared credentials file (${profile})`;
  if (has('CREDENTIALS_HTTP')) return 'the container credentials endpoint (ECS/EKS task role)';
  if (has('CREDENTIALS_IMDS')) return 'the EC2 instance role (IMDS)';
  return '';
}
