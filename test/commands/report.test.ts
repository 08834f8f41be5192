import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DEMO_LOG, DEMO_PROFILE } from '../../src/commands/demo.js';
import { importModel } from '../../src/commands/import.js';
import { loadProfile } from '../../src/commands/profile.js';
import { runLoad } from '../../src/commands/run.js';
import { parseResults, runReport } from '../../src/commands/report.js';
import { parseS3Url, s3ClientConfig } from '../../src/commands/s3-output.js';
import { modelMixOf, writeRunReports } from '../../src/commands/write-reports.js';
import { toJson } from '../../src/commands/write-output.js';
import type { TrafficModel } from '../../src/core/types.js';
import { startShopServer } from '../../src/demo/shop-server.js';
import { renderHtmlReport } from '../../src/reports/html.js';
import { renderJunit } from '../../src/reports/junit.js';
import type { RunResults } from '../../src/reports/results.js';
import { renderSeriesNdjson } from '../../src/reports/series.js';
import { renderRunSummary } from '../../src/reports/terminal.js';
import { testContext } from '../helpers/context.js';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

describe('tidemark report (from the results of a real run)', () => {
  let dir: string;
  let results: RunResults;
  let model: TrafficModel;

  beforeAll(async () => {
    // What `tidemark demo` does (the sample's peak hour at 3× on the demo shop), for 4 s.
    dir = mkdtempSync(join(tmpdir(), 'tidemark-report-'));
    const ctx = testContext({ cwd: dir });
    const profile = await loadProfile(DEMO_PROFILE);
    model = (await importModel([DEMO_LOG], {}, ctx)).model;
    const server = await startShopServer({ host: '127.0.0.1', port: 0 });
    try {
      const outcome = await runLoad({ input: DEMO_PROFILE, target: server.url, durationMs: 4000, out: 'results.json' }, ctx, { profile, model, source: 'demo' });
      results = outcome.results;
    } finally {
      await server.close();
    }
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds HTML, JUnit, series and JSON byte for byte as the run would render them', async () => {
    const ctx = testContext({ cwd: dir });
    const code = await runCli(['report', 'results.json', '--html', 'r.html', '--junit', 'out/j.xml', '--out-series', 's.ndjson', '--json', 'copy.json'], ctx);
    expect(ctx.err()).toBe('');
    expect(code).toBe(0);
    expect(results.totals.requests).toBeGreaterThan(5);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(renderHtmlReport(results));
    expect(readFileSync(join(dir, 'out/j.xml'), 'utf8')).toBe(renderJunit(results));
    expect(readFileSync(join(dir, 's.ndjson'), 'utf8')).toBe(renderSeriesNdjson(results));
    expect(readFileSync(join(dir, 'copy.json'), 'utf8')).toBe(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(readFileSync(join(dir, 'copy.json'), 'utf8')).toBe(toJson(results));
    expect(ctx.out()).toBe(
      'json report written to copy.json\nhtml report written to r.html\njunit report written to out/j.xml\nseries report written to s.ndjson\n',
    );
  });

  it('writeRunReports (for `run --html --junit --out-series`) writes the same files', async () => {
    const ctx = testContext({ cwd: dir });
    const modelMix = modelMixOf(model);
    await writeRunReports(results, { html: 'run.html', junit: 'run.xml', series: 'run.ndjson', modelMix }, ctx);
    const html = readFileSync(join(dir, 'run.html'), 'utf8');
    expect(html).toBe(renderHtmlReport(results, { modelMix }));
    expect(html).toContain('Total variation distance');
    expect(readFileSync(join(dir, 'run.xml'), 'utf8')).toBe(renderJunit(results));
    expect(readFileSync(join(dir, 'run.ndjson'), 'utf8')).toBe(renderSeriesNdjson(results));
    // `report --model` adds the same mix from the model, so it rebuilds the run's HTML exactly.
    writeFileSync(join(dir, 'model.json'), toJson(model));
    const again = testContext({ cwd: dir });
    expect(await runReport('results.json', { html: 'again.html', model: 'model.json' }, again)).toBe(0);
    expect(readFileSync(join(dir, 'again.html'), 'utf8')).toBe(html);
  });

  it('prints the end-of-run summary when no output is named, and - writes a report to stdout', async () => {
    const ctx = testContext({ cwd: dir });
    expect(await runCli(['report', 'results.json'], ctx)).toBe(0);
    expect(ctx.out()).toBe(renderRunSummary(results, { color: false }));
    const piped = testContext({ cwd: dir });
    expect(await runCli(['report', 'results.json', '--junit', '-'], piped)).toBe(0);
    expect(piped.out()).toBe(renderJunit(results));
  });

  it('rejects files that are not results with exit 2, every problem and no stack trace', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1, "verdict": "pass", ');
    writeFileSync(join(dir, 'not-results.json'), JSON.stringify({ schemaVersion: 1, endpoints: [], series: [{ second: 'x' }] }));
    writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...results, schemaVersion: 2 }));
    const cases: [string, RegExp[]][] = [
      ['missing.json', [/cannot read missing\.json/, /hint: give the results\.json a run wrote/]],
      ['broken.json', [/broken\.json: not valid JSON/]],
      ['not-results.json', [/not-results\.json: not a complete tidemark results file \(\d+ problems\)/, /- \$\.verdict: expected string, found nothing/, /- \$\.series\[0\]\.second: expected number, found string/, /- \$\.series\[0\]\.p95Ms: expected number, found nothing/]],
      ['future.json', [/schemaVersion 2 is not supported/, /hint: the file was written by a newer tidemark: upgrade tidemark/]],
    ];
    for (const [file, patterns] of cases) {
      const ctx = testContext({ cwd: dir });
      expect(await runCli(['report', file, '--html', 'x.html'], ctx)).toBe(2);
      for (const p of patterns) expect(ctx.err()).toMatch(p);
      expect(ctx.err()).not.toMatch(/\n\s+at /);
    }
    expect(() => parseResults([], 'a.json')).toThrow(/expected a results object, found array/);
  });

  it('explains a bad s3:// output without touching the network', async () => {
    const ctx = testContext({ cwd: dir });
    expect(await runCli(['report', 'results.json', '--html', 's3://only-bucket'], ctx)).toBe(2);
    expect(ctx.err()).toMatch(/s3:\/\/only-bucket: an S3 output needs a bucket and an object key/);
    expect(ctx.err()).toMatch(/hint: write it as s3:\/\/bucket\/path\/to\/report\.html/);
  });

  describe('s3:// outputs', () => {
    let server: S3rverInstance;
    let endpoint: string;
    let store: string;

    beforeAll(async () => {
      store = mkdtempSync(join(tmpdir(), 'tidemark-s3rver-'));
      server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: store, configureBuckets: [{ name: 'reports', configs: [] }] });
      const address = await server.run();
      endpoint = `http://127.0.0.1:${address.port}`;
    });

    afterAll(async () => {
      await server?.close();
      if (store) rmSync(store, { recursive: true, force: true });
    });

    it('uploads each report with PutObject to the AWS_ENDPOINT_URL_S3 store', async () => {
      const env = { ...S3_ENV, AWS_ENDPOINT_URL_S3: endpoint };
      const ctx = testContext({ cwd: dir, env });
      const code = await runCli(['report', 'results.json', '--html', 's3://reports/runs/1/report.html', '--junit', 's3://reports/runs/1/junit.xml'], ctx);
      expect(ctx.err()).toBe('');
      expect(code).toBe(0);
      const client = new S3Client(s3ClientConfig(env));
      try {
        const get = async (url: string): Promise<{ body: string; type: string | undefined }> => {
          const { bucket, key } = parseS3Url(url);
          const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return { body: (await object.Body?.transformToString('utf8')) ?? '', type: object.ContentType };
        };
        const html = await get('s3://reports/runs/1/report.html');
        expect(html.body).toBe(renderHtmlReport(results));
        expect(html.type).toBe('text/html; charset=utf-8');
        expect((await get('s3://reports/runs/1/junit.xml')).body).toBe(renderJunit(results));
      } finally {
        client.destroy();
      }
    });

    it('a missing bucket is an error that names the object and what to check', async () => {
      const ctx = testContext({ cwd: dir, env: { ...S3_ENV, AWS_ENDPOINT_URL_S3: endpoint } });
      expect(await runCli(['report', 'results.json', '--junit', 's3://no-such-bucket/j.xml'], ctx)).toBe(2);
      expect(ctx.err()).toMatch(/cannot upload s3:\/\/no-such-bucket\/j\.xml: NoSuchBucket/);
      expect(ctx.err()).toMatch(/hint: check the bucket exists/);
    });
  });
});
