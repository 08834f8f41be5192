// The SDK is loaded when an s3:// output is written: loading it costs every command ~0.3 s.
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { TidemarkError, UsageError } from '../core/errors.js';

/**
 * Output paths of the form `s3://bucket/key` are uploaded (PutObject) instead of written to
 * disk, so a CI job can drop its reports straight into a bucket. AWS_ENDPOINT_URL_S3 points the
 * upload at an S3-compatible store (MinIO, LocalStack, s3rver), with path-style addressing.
 */

export interface S3Location {
  bucket: string;
  key: string;
}

export function isS3Url(path: string): boolean {
  return path.startsWith('s3://');
}

export function parseS3Url(url: string): S3Location {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!bucket || !key || key.endsWith('/')) {
    throw new UsageError(`${url}: an S3 output needs a bucket and an object key`, { hint: 'write it as s3://bucket/path/to/report.html' });
  }
  return { bucket, key };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The client configuration from the environment (the AWS SDK's own variable names). */
export function s3ClientConfig(env: Env): S3ClientConfig {
  const config: S3ClientConfig = { region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1' };
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = true;
    // S3-compatible stores do not all understand the newer default checksum headers.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return config;
}

/** Uploads `content` to `s3://bucket/key`. Errors say which object and what to check. */
export async function putS3Object(url: string, content: string, contentType: string, env: Env): Promise<void> {
  const { bucket, key } = parseS3Url(url);
  const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client(s3ClientConfig(env));
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(content, 'utf8'), ContentType: contentType }));
  } catch (cause) {
    const name = cause instanceof Error ? cause.name : 'Error';
    throw new TidemarkError('E_IO', `cannot upload ${url}: ${name}: ${(cause as Error).message}`, {
      hint: 'check the bucket exists and the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile) may write to it; AWS_ENDPOINT_URL_S3 selects an S3-compatible endpoint',
      cause,
    });
  } finally {
    client.destroy();
  }
}
