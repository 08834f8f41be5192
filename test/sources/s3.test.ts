import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModel, runImport } from '../../src/commands/import.js';
import { readRecords } from '../../src/commands/read-records.js';
import { InputError } from '../../src/core/errors.js';
import type { LogRecord } from '../../src/core/types.js';
import { readLines } from '../../src/sources/lines.js';
import { resolveSources } from '../../src/sources/resolve.js';
import { listS3Sources, parseS3Spec, s3SourceConfig } from '../../src/sources/s3.js';
import { testContext } from '../helpers/context.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

/*
 * Against a real S3-compatible server (s3rver) through the real SDK.
 *
 * s3rver runs in a child Node process started with --openssl-legacy-provider: it encrypts
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node ≥ 17) only offers in the
 * legacy provider, so in-process every listing past 1,000 keys fails with "unsupported".
 *
 * s3rver checks that the access key exists (an unknown one gives InvalidAccessKeyId, 403) but
 * has no policies, so S3's AccessDenied is simulated with a tiny HTTP server on 127.0.0.1 that
 * answers S3's XML error.
 *
 * Credentials are given to the SDK through the client configuration only, never process.env.
 */

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const client: S3ClientConfig = { credentials: CREDENTIALS, region: 'us-east-1' };
const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

function combinedLine(timeMs: number, path: string, client = '203.0.113.7'): string {
  const d = new Date(timeMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${p2(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return `${client} - - [${stamp}] "GET ${path} HTTP/1.1" 200 512 "-" "Mozilla/5.0 (test)"`;
}

interface S3rver {
  endpoint: string;
  child: ChildProcess;
  dir: string;
}

async function startS3rver(buckets: string[]): Promise<S3rver> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-s3rver-'));
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const script = `
    const S3rver = require(${JSON.stringify(s3rverPath)});
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(dir)},
      configureBuckets: ${JSON.stringify(buckets.map((name) => ({ name })))} });
    server.run().then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'));
    process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve((JSON.parse(String(d)) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${stderr}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child, dir };
}

async function stopS3rver(server: S3rver): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.stdin?.end();
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  rmSync(server.dir, { recursive: true, force: true });
}

/** Puts objects, a few dozen at a time. */
async function putAll(s3: S3Client, bucket: string, objects: [string, Buffer | string][]): Promise<void> {
  for (let i = 0; i < objects.length; i += 50) {
    await Promise.all(objects.slice(i, i + 50).map(([Key, Body]) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: typeof Body === 'string' ? Buffer.from(Body) : Body }))));
  }
}

async function textOf(stream: NodeJS.ReadableStream, name: string): Promise<string[]> {
  const out: string[] = [];
  for await (const item of readLines(stream, name)) if ('line' in item) out.push(item.line);
  return out;
}

describe('s3:// sources against s3rver', () => {
  let server: S3rver;
  let s3: S3Client;
  const MANY = 1050;

  beforeAll(async () => {
    server = await startS3rver(['logs', 'alb']);
    s3 = new S3Client({ ...client, endpoint: server.endpoint, forcePathStyle: true });
    // 1,050 one-line logs (every seventh gzipped, named without .gz), keys in time order,
    // plus a folder marker and an empty object that must be left out.
    const objects: [string, Buffer | string][] = [];
    for (let i = 0; i < MANY; i++) {
      const line = `${combinedLine(T0 + i * 1000, `/item/${i}`)}\n`;
      objects.push([`many/part-${String(i).padStart(4, '0')}.log`, i % 7 === 3 ? gzipSync(line) : line]);
    }
    objects.push(['many/', ''], ['many/zz-empty.log', '']);
    // An ALB-like prefix: three nodes writing the same ten minutes, so records interleave.
    for (const [n, node] of ['10.0.1.5', '10.0.2.7', '10.0.3.9'].entries()) {
      const lines: string[] = [];
      for (let t = n * 1000; t < 10 * 60_000; t += 3000) lines.push(combinedLine(T0 + t, `/api/products/${(t / 1000) % 40}`, `198.51.100.${n + 1}`));
      const body = `${lines.join('\n')}\n`;
      objects.push([`AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/11/27/app_20261127T1000Z_${node}.log${n === 1 ? '.gz' : ''}`, n === 1 ? gzipSync(body) : body]);
    }
    objects.push(['AWSLogs/123456789012/ELBAccessLogTestFile', 'Enable AccessLog for ELB: test']);
    await putAll(s3, 'logs', objects);
  });

  afterAll(async () => {
    s3?.destroy();
    if (server) await stopS3rver(server);
  });

  it('lists past 1,000 keys in key order, skips folder markers and empty objects, sniffs gzip', async () => {
    const sources = await listS3Sources('s3://logs/many/', { endpoint: server.endpoint, clientConfig: client });
    expect(sources).toHaveLength(MANY);
    expect(sources[0]?.name).toBe('s3://logs/many/part-0000.log');
    expect(sources[MANY - 1]?.name).toBe(`s3://logs/many/part-${MANY - 1}.log`);
    const names = sources.map((s) => s.name);
    expect([...names].sort()).toEqual(names);
    const plain = sources[1049] as (typeof sources)[number];
    const gzipped = sources[3] as (typeof sources)[number];
    expect(await textOf(await plain.open(), plain.name)).toEqual([combinedLine(T0 + 1049_000, '/item/1049')]);
    expect(await textOf(await gzipped.open(), gzipped.name)).toEqual([combinedLine(T0 + 3000, '/item/3')]);
  });

  it('reads every object of a prefix into records, merged in time order', async () => {
    // part-0900 … part-1049: 150 objects (22 gzipped), more than are open at once.
    const stream = await readRecords(['s3://logs/many/part-09', 's3://logs/many/part-10'], { s3: { endpoint: server.endpoint, clientConfig: client } }, { cwd: tmpdir(), stdin: new PassThrough() });
    const records: LogRecord[] = [];
    for await (const batch of stream.batches) records.push(...batch);
    expect(records.map((r) => r.path)).toEqual(Array.from({ length: 150 }, (_, i) => `/item/${900 + i}`));
    expect(stream.stats.sources).toHaveLength(150);
    expect(stream.stats.sources[1]).toMatchObject({ name: 's3://logs/many/part-0901.log', format: 'combined', lines: 1, accepted: 1 });
    expect(stream.stats.rejected).toEqual({});
  });

  it('imports a log spread over several objects (ALB-style, one per node) without losing records', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tidemark-s3-import-'));
    try {
      const ctx = testContext({ cwd: tmp });
      const code = await runImport(['s3://logs/AWSLogs/'], { out: 'model.json', s3Endpoint: server.endpoint, s3ClientConfig: client }, ctx);
      expect(code).toBe(0);
      const model = JSON.parse(readFileSync(join(tmp, 'model.json'), 'utf8')) as { totals: { requests: number; rejected: number }; provenance: { sources: { name: string }[] } };
      expect(model.totals).toMatchObject({ requests: 600, rejected: 0 });
      // The ALB test file is not a log and is left out.
      expect(model.provenance.sources.map((s) => s.name.replace(/^.*_/, ''))).toEqual(['10.0.1.5.log', '10.0.2.7.log.gz', '10.0.3.9.log']);
      expect(ctx.err()).toMatch(/s3:\/\/logs\/AWSLogs\/.*10\.0\.2\.7\.log\.gz: combined: 50\/50 sample lines matched; 200 lines, 200 records, 0 rejected/);
      // The env's AWS_ENDPOINT_URL_S3 works as --s3-endpoint does.
      const viaEnv = await importModel(['s3://logs/AWSLogs/'], { s3ClientConfig: client }, testContext({ env: { AWS_ENDPOINT_URL_S3: server.endpoint } }));
      expect(viaEnv.model.totals.requests).toBe(600);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('names a missing bucket', async () => {
    const error = await listS3Sources('s3://no-such-bucket/logs/', { endpoint: server.endpoint, clientConfig: client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`s3://no-such-bucket/logs/: no such bucket "no-such-bucket" at ${server.endpoint}`);
    expect((error as InputError).hint).toMatch(/check the bucket name and --s3-endpoint/);
  });

  it('says an empty prefix is empty, with the command to look', async () => {
    const error = await listS3Sources('s3://logs/nothing-here/', { endpoint: server.endpoint, clientConfig: client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe('s3://logs/nothing-here/: no objects under the prefix "nothing-here/"');
    expect((error as InputError).hint).toContain(`aws s3 ls s3://logs/nothing-here/ --endpoint-url ${server.endpoint}`);
    // Only empty objects and folder markers under it count as empty too.
    await putAll(s3, 'alb', [['empty/', ''], ['empty/a.log', '']]);
    await expect(listS3Sources('s3://alb/empty/', { endpoint: server.endpoint, clientConfig: client })).rejects.toThrow(/no objects under the prefix "empty\/" \(only 2 empty objects or folder markers\)/);
  });

  it('says which credentials were refused, without the secret', async () => {
    const wrong = { accessKeyId: 'AKIAEXAMPLEWRONG1234', secretAccessKey: 'very-secret-value' };
    const error = await listS3Sources('s3://logs/many/', { endpoint: server.endpoint, clientConfig: { ...client, credentials: wrong } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.message).toBe(`s3://logs/many/: access denied at ${server.endpoint} (the access key is not known there) with access key AKIA…1234 from the client configuration`);
    expect(e.hint).toMatch(/s3:ListBucket on arn:aws:s3:::logs/);
    expect(`${e.message} ${e.hint}`).not.toContain('very-secret-value');
    expect(`${e.message} ${e.hint}`).not.toContain('AKIAEXAMPLEWRONG1234');
  });

  it('reports problems of several inputs at once, with the S3 hint', async () => {
    const error = await resolveSources(['s3://no-such-bucket/x', 'missing.log'], { cwd: tmpdir(), stdin: new PassThrough() }, { s3: { endpoint: server.endpoint, clientConfig: client } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([`s3://no-such-bucket/x: no such bucket "no-such-bucket" at ${server.endpoint}`, 'missing.log: no such file or directory']);
    expect((error as InputError).hint).toMatch(/check the bucket name.*; check the paths/);
  });
});

describe('s3:// access denied (S3 XML errors from a stand-in server)', () => {
  let denyAll: TestServer;
  let denyGet: TestServer;
  const denied = (res: import('node:http').ServerResponse): void => {
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>');
  };
  beforeAll(async () => {
    denyAll = await startTestServer((_req, res) => denied(res));
    // s3:ListBucket allowed, s3:GetObject not: a common policy mistake.
    denyGet = await startTestServer((req, res) => {
      if (req.url?.includes('list-type=2')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>private-logs</Name><Prefix>elb/</Prefix>' +
            '<KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>elb/a.log</Key><Size>120</Size></Contents></ListBucketResult>',
        );
      } else denied(res);
    });
  });
  afterAll(async () => {
    await denyAll?.close();
    await denyGet?.close();
  });

  it('on listing: names the bucket, the credentials and s3:ListBucket', async () => {
    const error = await listS3Sources('s3://private-logs/elb/', { endpoint: denyAll.url, clientConfig: { region: 'eu-west-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.message).toBe(`s3://private-logs/elb/: access denied at ${denyAll.url} (AccessDenied, HTTP 403) with access key AKIA…MPLE from the client configuration`);
    expect(e.hint).toMatch(/AWS_PROFILE, AWS_ACCESS_KEY_ID.*s3:ListBucket on arn:aws:s3:::private-logs; a bucket policy may deny them too/);
    expect(`${e.message}${e.hint}`).not.toMatch(/wJalrXUtnFEMI/);
  });

  it('on reading an object: names the object and s3:GetObject', async () => {
    const [source] = await listS3Sources('s3://private-logs/elb/', { endpoint: denyGet.url, clientConfig: { region: 'eu-west-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } } });
    expect(source?.name).toBe('s3://private-logs/elb/a.log');
    const error = await source?.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^s3:\/\/private-logs\/elb\/a\.log: access denied .*\(AccessDenied, HTTP 403\)/);
    expect((error as InputError).hint).toMatch(/s3:GetObject on arn:aws:s3:::private-logs\/\* \(and kms:Decrypt/);
  });
});

describe('s3:// specs and client configuration', () => {
  it('parses bucket and prefix', () => {
    expect(parseS3Spec('s3://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(parseS3Spec('s3://b/')).toEqual({ bucket: 'b', prefix: '' });
    expect(parseS3Spec('s3://b/AWSLogs/1/')).toEqual({ bucket: 'b', prefix: 'AWSLogs/1/' });
    expect(() => parseS3Spec('s3:///x')).toThrow(/not an S3 location/);
  });

  it('uses --s3-endpoint over AWS_ENDPOINT_URL_S3, path-style, and the region from the environment', () => {
    expect(s3SourceConfig({ env: { AWS_ENDPOINT_URL_S3: 'http://minio:9000', AWS_REGION: 'eu-central-1' } })).toMatchObject({ endpoint: 'http://minio:9000', forcePathStyle: true, region: 'eu-central-1' });
    expect(s3SourceConfig({ endpoint: 'http://ceph:7480', env: { AWS_ENDPOINT_URL_S3: 'http://minio:9000' } })).toMatchObject({ endpoint: 'http://ceph:7480', forcePathStyle: true });
    const aws = s3SourceConfig({ env: {} });
    expect(aws.endpoint).toBeUndefined();
    expect(aws.forcePathStyle).toBeUndefined();
    expect(aws.followRegionRedirects).toBe(true);
    expect(typeof aws.region).toBe('function'); // the SDK's own chain, us-east-1 when it finds none
  });
});
