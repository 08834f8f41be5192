import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { importModel } from '../../src/commands/import.js';
import type { TrafficModel } from '../../src/core/types.js';
import type { ArtilleryScript } from '../../src/synth/export-artillery.js';
import { testContext } from '../helpers/context.js';

let dir: string;
let model: TrafficModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-export-'));
  model = (await importModel([resolve('samples/shop/access.log.gz')], {}, testContext())).model;
  await writeFile(join(dir, 'model.json'), JSON.stringify(model));
  await writeFile(
    join(dir, 'profile.json'),
    JSON.stringify({
      name: 'ramp',
      target: 'http://127.0.0.1:8080',
      model: 'model.json',
      load: { scale: 2 },
      stages: [
        { name: 'warm', duration: '1m', target: '1x' },
        { name: 'peak', duration: '2m', target: '3x' },
      ],
      defaults: { headers: { authorization: 'Bearer ${var.token}' } },
      requests: { 'POST /api/login': { json: { username: 'u${int(1,50)}' }, capture: { token: 'json:token' } } },
      thresholds: ['p95 < 500ms', 'error_rate < 1%', 'p99 < 1s in stage peak'],
    }),
  );
  await writeFile(join(dir, 'users.json'), JSON.stringify({ name: 'closed', model: 'model.json', stages: [{ duration: '30s', users: 20 }, { duration: '30s', users: 40 }] }));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const ctx = testContext({ cwd: dir });
  const code = await runCli(argv, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

const checkModule = (code: string): number | null => spawnSync(process.execPath, ['--input-type=module', '--check'], { input: code }).status;
const optionsOf = (script: string): { scenarios: { traffic: Record<string, unknown> }; thresholds: Record<string, unknown> } =>
  JSON.parse(/^export const options = (\{[\s\S]*?\n\});$/m.exec(script)?.[1] ?? 'null');

describe('tidemark export k6', () => {
  it("writes a profile's stages and thresholds", async () => {
    const r = await cli('export', 'k6', 'profile.json', '-o', 'ramp.js');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^k6 script written to ramp\.js: 2 stage\(s\) of profile ramp/);
    const script = await readFile(join(dir, 'ramp.js'), 'utf8');
    expect(checkModule(script)).toBe(0);
    const options = optionsOf(script);
    const peak = model.arrivals.peak.sessionsPerSec;
    // 1× then 3× the peak, × scale 2 (a ramp from the first target to the second); 0.65 sessions/s
    // is 39 a minute, too coarse for whole numbers, so per hour.
    expect(options.scenarios.traffic).toMatchObject({
      executor: 'ramping-arrival-rate',
      timeUnit: '1h',
      startRate: Math.round(peak * 2 * 3600),
      stages: [
        { duration: '60s', target: Math.round(peak * 2 * 3600) },
        { duration: '120s', target: Math.round(peak * 6 * 3600) },
      ],
    });
    expect(options.thresholds).toEqual({ http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'], 'http_req_duration{stage:peak}': ['p(99)<1000'] });
    expect(script).toContain('"target": "http://127.0.0.1:8080"');
    expect(script).toContain('"defaultHeaders": {"authorization":"Bearer ${var.token}"}');
  });

  it("plays the model's average day, compressed by --speed, to standard output", async () => {
    const r = await cli('export', 'k6', 'model.json', '--speed', '60', '--scale', '3');
    expect(r.code).toBe(0);
    expect(checkModule(r.out)).toBe(0);
    const traffic = optionsOf(r.out).scenarios.traffic as { stages: { duration: string; target: number }[]; timeUnit: string; startRate: number };
    const perUnit = traffic.timeUnit === '1s' ? 1 : traffic.timeUnit === '1m' ? 60 : 3600;
    const rate = (h: number): number => Math.round(((model.arrivals.sessionsPerHour[h] as number) / 3600) * 3 * 60 * perUnit);
    expect(traffic.startRate).toBe(rate(0));
    // Each hour lasts a minute: its own rate, reached by a 1 s ramp when it changes.
    const holds = traffic.stages.filter((s) => s.duration !== '1s');
    expect(holds.map((s) => s.target)).toEqual(Array.from({ length: 24 }, (_, h) => rate(h)));
    expect(traffic.stages.reduce((sum, s) => sum + Number(s.duration.replace('s', '')), 0)).toBe(24 * 60);
  });

  it('plays the peak hour with --window peak', async () => {
    const r = await cli('export', 'k6', 'model.json', '--window', 'peak', '--speed', '60');
    const traffic = optionsOf(r.out).scenarios.traffic as { stages: { duration: string; target: number }[]; timeUnit: string };
    expect(traffic.stages).toEqual([{ duration: '60s', target: Math.round(model.arrivals.peak.sessionsPerSec * 60 * 60) }]);
    expect(traffic.timeUnit).toBe('1m');
  });

  it('plays closed-model stages with ramping-vus', async () => {
    const r = await cli('export', 'k6', 'users.json');
    expect(r.code).toBe(0);
    expect(optionsOf(r.out).scenarios.traffic).toMatchObject({ executor: 'ramping-vus', startVUs: 20, stages: [{ duration: '30s', target: 20 }, { duration: '30s', target: 40 }] });
  });

  it('warns about thresholds it cannot translate and rejects unknown formats', async () => {
    const r = await cli('export', 'k6', 'model.json', '--window', 'peak', '--threshold', 'error_rate < 1% in every 10s window');
    expect(r.code).toBe(0);
    expect(r.err).toContain('warning: threshold not translated: error_rate < 1% in every 10s window: k6 has no per-window thresholds');
    const bad = await cli('export', 'jmeter', 'model.json');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown format "jmeter"');
    expect(bad.err).toContain('use one of: k6, artillery');
    const threshold = await cli('export', 'k6', 'model.json', '--threshold', 'p95 <');
    expect(threshold.code).toBe(2);
  });
});

describe('tidemark export artillery', () => {
  it('writes phases, weighted scenarios with think steps, and ensure checks', async () => {
    const r = await cli('export', 'artillery', 'model.json', '--speed', '60', '--flows', '400', '--threshold', 'p95 < 500ms', '--threshold', 'error_rate < 1%', '--target', 'http://127.0.0.1:9999');
    expect(r.code).toBe(0);
    const doc = parse(r.out) as ArtilleryScript;
    expect(doc.config.target).toBe('http://127.0.0.1:9999');
    expect(doc.config.phases).toHaveLength(24);
    const arrivals = doc.config.phases.reduce((s, p) => s + (p.arrivalCount ?? (p.arrivalRate ?? 0) * p.duration), 0);
    const perDay = model.arrivals.sessionsPerHour.reduce((s, v) => s + v, 0);
    expect(Math.abs(arrivals - perDay)).toBeLessThanOrEqual(1);
    expect(doc.scenarios.reduce((s, sc) => s + sc.weight, 0)).toBe(400);
    expect(doc.scenarios.some((sc) => sc.flow.some((step) => 'think' in step))).toBe(true);
    expect(doc.config.ensure).toEqual({ p95: 500, maxErrorRate: 1 });
  });

  it("writes a profile's requests and stages to a file", async () => {
    const r = await cli('export', 'artillery', 'profile.json', '-o', 'ramp.yml', '--flows', '300');
    expect(r.code).toBe(0);
    const doc = parse(await readFile(join(dir, 'ramp.yml'), 'utf8')) as ArtilleryScript;
    expect(doc.config.phases[0]).toMatchObject({ name: 'warm', duration: 60 });
    expect(doc.config.phases.slice(1).every((p) => p.name.startsWith('peak (ramp'))).toBe(true);
    expect(doc.config.ensure).toEqual({ p95: 500, maxErrorRate: 1 });
    const login = doc.scenarios.flatMap((s) => s.flow).find((step) => 'post' in step && (step as Record<string, { name: string }>).post?.name === 'POST /api/login');
    expect(login).toMatchObject({ post: { json: { username: 'u{{ $randomNumber(1, 50) }}' }, capture: [{ json: '$.token', as: 'token', strict: false }] } });
  });
});
