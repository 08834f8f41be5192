import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { s3ClientConfig } from '../../src/commands/s3-output.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { MergedRunResults } from '../../src/reports/merge.js';
import { parseRunResults } from '../../src/reports/rehydrate.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import { evaluateThresholds } from '../../src/thresholds/evaluate.js';
import { parseThreshold } from '../../src/thresholds/parse.js';
import { testContext } from '../helpers/context.js';

const T0 = Date.UTC(2025, 0, 1, 12);
const STAGES = [{ name: 'steady', startMs: 0, endMs: 20_000 }];

/** 20 s at 20 req/s; outcome k goes to segment k % segments; a 503 burst in seconds 10–12. */
function segments(count: number, thresholds: string[]): { whole: RunResults; parts: RunResults[] } {
  const whole = new Recorder(0);
  const parts = Array.from({ length: count }, () => new Recorder(0));
  for (let k = 0; k < 400; k++) {
    const intendedMs = k * 50;
    const second = Math.floor(intendedMs / 1000);
    const outcome = {
      endpointKey: k % 3 === 0 ? 'POST /api/cart' : 'GET /api/products',
      stage: 'steady',
      intendedMs,
      sentMs: intendedMs + 1,
      endMs: intendedMs + 20 + (k % 37) * 4,
      status: second >= 10 && second < 13 && k % 4 === 0 ? 503 : 200,
      failure: null,
      bytes: 50,
    };
    whole.record(outcome);
    (parts[k % count] as Recorder).record(outcome);
  }
  const build = (recorder: Recorder, start: number): RunResults =>
    buildResults({
      tidemarkVersion: 'test',
      recorder,
      thresholds: evaluateThresholds(thresholds.map((t) => parseThreshold(t)), { recorder, elapsedMs: 20_000, stages: STAGES }),
      target: 'http://127.0.0.1:1',
      source: 'test',
      knobs: { mode: 'stages', scale: 1, speed: 1, window: 'peak', durationMs: 20_000, seed: 3, warmStart: false, maxInFlight: 100, connections: null, description: 'test' },
      stages: STAGES,
      startedAtWallMs: start,
      endedAtWallMs: start + 20_000,
      durationMs: 20_000,
      targetSessionsPerSec: 1,
      meanSessionLength: 5,
      partial: false,
      partialReason: null,
      eventLoopDelayMs: { p50: 1, p99: 2, max: 5 },
    });
  return { whole: build(whole, T0), parts: parts.map((p, i) => build(p, T0 + i * 7)) };
}

describe('tidemark merge', () => {
  let dir: string;
  const passing = ['p95 < 1s', 'error_rate < 20% in every 5s window'];
  const failing = ['p95 < 1s', 'error_rate < 8% in every 5s window'];
  const cli = async (...argv: string[]) => {
    const ctx = testContext({ cwd: dir });
    const code = await runCli(['merge', ...argv], ctx);
    return { code, out: ctx.out(), err: ctx.err() };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-merge-'));
    const { parts } = segments(4, passing);
    mkdirSync(join(dir, 'run'));
    parts.forEach((p, i) => writeFileSync(join(dir, 'run', `seg-${i}.json`), JSON.stringify(p)));
    segments(4, failing).parts.forEach((p, i) => writeFileSync(join(dir, `bad-${i}.json`), i === 3 ? gzipSync(JSON.stringify(p)) : JSON.stringify(p)));
  });

  it('merges four segment files into one results file equal to the whole run', async () => {
    const r = await cli('run/seg-0.json', 'run/seg-1.json', 'run/seg-2.json', 'run/seg-3.json', '-o', 'merged.json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/merged 4 results files: run\/seg-0\.json, run\/seg-1\.json, run\/seg-2\.json, run\/seg-3\.json/);
    expect(r.out).toMatch(/merged results written to merged\.json/);
    expect(r.out).toMatch(/verdict: PASS/);
    const merged = parseRunResults(JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')), 'merged.json') as MergedRunResults;
    const { whole } = segments(4, passing);
    expect(merged.totals).toEqual(whole.totals);
    expect(merged.endpoints.map((e) => [e.key, e.count, e.errors, e.latencyMs])).toEqual(whole.endpoints.map((e) => [e.key, e.count, e.errors, e.latencyMs]));
    expect(merged.series.map((s) => [s.requests, s.errors])).toEqual(whole.series.map((s) => [s.requests, s.errors]));
    expect(merged.thresholds).toEqual(whole.thresholds);
    expect(merged.merged.from).toHaveLength(4);
  });

  it('a directory stands for its files; failing merged thresholds exit 99; -o - prints the JSON', async () => {
    const fromDir = await cli('run', '-o', 'merged-dir.json');
    expect(fromDir.code).toBe(0);
    expect(readFileSync(join(dir, 'merged-dir.json'), 'utf8')).toBe(readFileSync(join(dir, 'merged.json'), 'utf8'));
    // The merged verdict is the whole run's: 15 errors in the 100 requests of seconds 8–12.
    const bad = await cli('bad-0.json', 'bad-1.json', 'bad-2.json', 'bad-3.json', '-o', '-');
    expect(bad.code).toBe(99);
    const printed = JSON.parse(bad.out) as MergedRunResults;
    const { whole } = segments(4, failing);
    expect(printed.verdict).toBe('fail');
    expect(printed.thresholds).toEqual(whole.thresholds);
    expect(printed.thresholds[1]).toMatchObject({ ok: false, actual: 0.15, worstWindowStartSec: 8 });
  });

  it('bad input exits 2 with the file and the problem', async () => {
    writeFileSync(join(dir, 'empty.json'), '{}');
    const r = await cli('run/seg-0.json', 'empty.json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tidemark: empty\.json: not a readable results file/);
    expect(r.err).toMatch(/ {2}- \$\.schemaVersion: expected 1, found undefined/);
    expect(r.err).not.toMatch(/\n\s+at /);
    mkdirSync(join(dir, 'nothing'));
    const none = await cli('nothing');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/nothing: no \.json files in this directory/);
  });

  describe('s3:// inputs', () => {
    interface S3rverInstance {
      run(): Promise<AddressInfo>;
      close(): Promise<void>;
    }
    const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
    let server: S3rverInstance;
    let env: Record<string, string>;

    beforeAll(async () => {
      server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: mkdtempSync(join(tmpdir(), 'tidemark-s3rver-')), configureBuckets: [{ name: 'results', configs: [] }] });
      const address = await server.run();
      env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${address.port}` };
      const client = new S3Client(s3ClientConfig(env));
      try {
        const { parts } = segments(4, passing);
        await Promise.all(
          parts.map((p, i) => client.send(new PutObjectCommand({ Bucket: 'results', Key: `run-1/seg-${i}.json${i === 2 ? '.gz' : ''}`, Body: i === 2 ? gzipSync(JSON.stringify(p)) : JSON.stringify(p) }))),
        );
        await client.send(new PutObjectCommand({ Bucket: 'results', Key: 'run-1/report.html', Body: '<html></html>' }));
      } finally {
        client.destroy();
      }
    });

    afterAll(async () => {
      await server?.close();
    });

    it('lists and downloads every results object under the prefix', async () => {
      const ctx = testContext({ cwd: dir, env });
      const code = await runCli(['merge', 's3://results/run-1/', '-o', 'from-s3.json'], ctx);
      expect(ctx.err()).toBe('');
      expect(code).toBe(0);
      expect(ctx.out()).toMatch(/merged 4 results files: s3:\/\/results\/run-1\/seg-0\.json, s3:\/\/results\/run-1\/seg-1\.json, s3:\/\/results\/run-1\/seg-2\.json\.gz, s3:\/\/results\/run-1\/seg-3\.json/);
      const fromS3 = JSON.parse(readFileSync(join(dir, 'from-s3.json'), 'utf8')) as MergedRunResults;
      const local = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as MergedRunResults;
      expect({ ...fromS3, merged: null }).toEqual({ ...local, merged: null });
    });

    it('an empty prefix or a missing bucket exits 2 with a hint', async () => {
      const ctx = testContext({ cwd: dir, env });
      expect(await runCli(['merge', 's3://results/run-9/'], ctx)).toBe(2);
      expect(ctx.err()).toMatch(/s3:\/\/results\/run-9\/: no \.json objects under this prefix/);
      const missing = testContext({ cwd: dir, env });
      expect(await runCli(['merge', 's3://no-such-bucket/x/'], missing)).toBe(2);
      expect(missing.err()).toMatch(/cannot list s3:\/\/no-such-bucket\/x\/: NoSuchBucket/);
      expect(missing.err()).toMatch(/hint: check the bucket and prefix/);
    });
  });
});
