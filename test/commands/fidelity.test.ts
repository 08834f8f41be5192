import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseTolerances } from '../../src/commands/fidelity.js';
import { importModel } from '../../src/commands/import.js';
import { testContext } from '../helpers/context.js';

const SAMPLE = resolve('samples/shop/access.log.gz');
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-fidelity-'));
  const { model } = await importModel([SAMPLE], {}, testContext());
  await writeFile(join(dir, 'model.json'), JSON.stringify(model));
  // A "naive" test: every endpoint equally often, as a results file records it.
  const naive = { schemaVersion: 1, verdict: 'pass', totals: {}, endpoints: model.endpoints.map((e) => ({ key: e.key, count: 100 })) };
  await writeFile(join(dir, 'naive-results.json'), JSON.stringify(naive));
  const faithful = { schemaVersion: 1, verdict: 'pass', totals: {}, endpoints: model.endpoints.map((e) => ({ key: e.key, count: e.count * 2 })) };
  await writeFile(join(dir, 'faithful-results.json'), JSON.stringify(faithful));
  // A quarter of the sample's visitors (by address), their two days played 60 times faster and
  // logged with millisecond times ($msec).
  const lines = gunzipSync(await readFile(SAMPLE)).toString('utf8').split('\n');
  const quarter: string[] = [];
  const out: string[] = [];
  let first: number | null = null;
  for (const line of lines) {
    const m = /^(\S+) - (\S+) \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000\] (.*)$/.exec(line);
    if (!m || Number((m[1] as string).split('.')[3]) % 4 !== 0) continue;
    quarter.push(line);
    const t = Date.UTC(Number(m[5]), MONTHS[m[4] as string] as number, Number(m[3]), Number(m[6]), Number(m[7]), Number(m[8]));
    if (new Date(t).getUTCDate() !== Number(m[3])) continue; // the sample's deliberately bad dates (31/Nov)
    first ??= t;
    const compressed = first + (t - first) / 60;
    out.push(`${m[1]} - ${m[2]} ${(compressed / 1000).toFixed(3)} ${m[9]}`);
  }
  await writeFile(join(dir, 'compressed.log'), `${out.join('\n')}\n`);
  await writeFile(join(dir, 'quarter.log'), `${quarter.join('\n')}\n`);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const ctx = testContext({ cwd: dir });
  const code = await runCli(argv, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

const MSEC_FORMAT = '$remote_addr - $remote_user $msec "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

describe('tidemark fidelity', () => {
  it('passes the model against a quarter of the visitors of the log it was built from (imported on the fly)', async () => {
    const r = await cli('fidelity', 'model.json', '--against', 'quarter.log');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/endpoint mix \(TVD\)\s+0\.0\d\d\s+< 0\.05\s+pass/);
    expect(r.out).toMatch(/session length: KS D\s+0\.0\d\d\s+< 0\.1\s+pass/);
    expect(r.out).toMatch(/daily shape \(NRMSE\)\s+0\.0\d\d\s+< 0\.15\s+pass/);
    expect(r.out).toMatch(/verdict: PASS \(\d+ gates\)\n$/);
  });

  it('fails a naive uniform-mix test with exit 99 and says why', async () => {
    const r = await cli('fidelity', 'model.json', '--against', 'naive-results.json');
    expect(r.code).toBe(99);
    expect(r.out).toContain('GET /api/products/:id is 37.3% of production but 10.0% of the candidate');
    expect(r.out).toContain('GET /api/products is 28.5% of production but 10.0% of the candidate');
    expect(r.out).toMatch(/– session length: KS D: not available: the candidate is known only by its endpoint counts/);
    expect(r.out).toMatch(/verdict: FAIL \(1 of 2 gates failed\)/);
  });

  it('passes a results file whose mix follows the model, and prints JSON for machines', async () => {
    const r = await cli('fidelity', 'model.json', '--against', 'faithful-results.json', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.verdict).toBe('pass');
    expect(report.candidate).toMatchObject({ kind: 'counts', name: 'faithful-results.json' });
    expect(report.metrics.find((m: { id: string }) => m.id === 'mix.tvd').value).toBeCloseTo(0, 9);
    expect(report.metrics.find((m: { id: string }) => m.id === 'navigation').verdict).toBe('not available');
  });

  it('stretches the log of a time-compressed run back with --speed', async () => {
    const stretched = await cli('fidelity', 'model.json', '--against', 'compressed.log', '--log-format', MSEC_FORMAT, '--speed', '60', '--json');
    const report = JSON.parse(stretched.out);
    const value = (id: string) => report.metrics.find((m: { id: string }) => m.id === id);
    expect(stretched.code).toBe(0);
    expect(value('mix.tvd').value).toBeLessThan(0.02);
    expect(value('length.ks').value).toBeLessThan(0.05);
    // Think times were whole seconds; the compressed log's milliseconds blur them by up to ±30 ms.
    expect(value('think.ks').value).toBeLessThan(0.1);
    expect(value('think.p50').value).toBeCloseTo(1, 2);
    expect(value('shape.nrmse').value).toBeLessThan(0.1);
    expect(value('shape.peak').value).toBe(0);

    // Without the stretch, think times are 60 times too short and the day lasts 48 minutes.
    const raw = await cli('fidelity', 'model.json', '--against', 'compressed.log', '--log-format', MSEC_FORMAT, '--json');
    const rawReport = JSON.parse(raw.out);
    expect(raw.code).toBe(99);
    const think = rawReport.metrics.find((m: { id: string }) => m.id === 'think.p50');
    expect(think.verdict).toBe('fail');
    expect(think.value).toBeCloseTo(1 / 60, 1);
    expect(rawReport.metrics.find((m: { id: string }) => m.id === 'shape.nrmse').verdict).toBe('not available');
  });

  it('rejects bad input with exit 2 and a hint', async () => {
    const missing = await cli('fidelity', 'model.json');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--against is required');
    await writeFile(join(dir, 'other.json'), '{"hello": 1}');
    const other = await cli('fidelity', 'model.json', '--against', 'other.json');
    expect(other.code).toBe(2);
    expect(other.err).toContain('other.json is neither a tidemark model nor a results file');
    await writeFile(join(dir, 'broken-results.json'), '{"totals": {}, "endpoints": [{"key": 3, "count": "x"}]}');
    const broken = await cli('fidelity', 'model.json', '--against', 'broken-results.json');
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('$.endpoints[0].key: expected a string');
    expect(broken.err).toContain('$.endpoints[0].count: expected a number ≥ 0');
    const json = await cli('fidelity', 'model.json', '--against', 'naive-results.json', '--speed', '60');
    expect(json.code).toBe(2);
    expect(json.err).toContain('--speed stretches the times of a log');
    const tol = await cli('fidelity', 'model.json', '--against', 'naive-results.json', '--tolerance', 'mix=lots', '--tolerance', 'nope=1');
    expect(tol.code).toBe(2);
    expect(tol.err).toContain('--tolerance mix=lots: expected a number ≥ 0');
    expect(tol.err).toContain('--tolerance nope=1: expected NAME=VALUE');
  });

  it('takes tolerances on the command line', async () => {
    const loose = await cli('fidelity', 'model.json', '--against', 'naive-results.json', '--tolerance', 'mix=0.5');
    expect(loose.code).toBe(0);
    expect(loose.out).toMatch(/endpoint mix \(TVD\)\s+0\.\d+\s+< 0\.5\s+pass/);
  });
});

describe('parseTolerances', () => {
  it('reads numbers, ratios and off', () => {
    expect(parseTolerances(['mix=0.1', 'length-ratio=0.7-1.4', 'think-ratio=1.25', 'duration=off', 'duration=0.2'])).toEqual({
      mixTvd: 0.1,
      sessionLengthRatio: [0.7, 1.4],
      thinkTimeRatio: [0.8, 1.25],
      durationKsD: 0.2,
    });
    expect(() => parseTolerances(['length-ratio=2-3'])).toThrow(/invalid --tolerance/);
  });
});
