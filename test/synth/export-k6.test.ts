import { spawnSync } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { chooseTimeUnit, compactJson, exportK6, k6Duration, k6Stages, k6Threshold, type K6ArrivalScenario, type K6Flow } from '../../src/synth/export-k6.js';
import { parseThreshold } from '../../src/thresholds/parse.js';
import { exportInput, shopModel } from './export-helpers.js';

/** `node --input-type=module --check`: parses the script as an ES module without running it. */
function checkModuleSyntax(code: string): { ok: boolean; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '--check'], { input: code, encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr };
}

interface Sent {
  method: string;
  url: string;
  body: string | null;
  params: { headers: Record<string, string>; tags: Record<string, string> };
}

/**
 * Runs the script's default function in a sandbox with stand-ins for k6's modules (the
 * imports are taken out), to check the walk it does. k6 itself is not needed.
 */
function harness(script: string, respond: (req: Sent) => { status: number; body: string; headers?: Record<string, string> }) {
  const sent: Sent[] = [];
  const sleeps: number[] = [];
  const body = script
    .replace(/^import .*$/gm, '')
    .replace('export const options =', 'const options =')
    .replace('export default function ()', 'function __iteration()');
  const sandbox: Record<string, unknown> = {
    __ENV: { TARGET: 'http://staging:9000/' },
    http: {
      setResponseCallback: () => undefined,
      expectedStatuses: () => undefined,
      request: (method: string, url: string, b: string | null, params: Sent['params']) => {
        const req = { method, url, body: b, params };
        sent.push(req);
        const res = respond(req);
        return { status: res.status, body: res.body, headers: res.headers ?? {} };
      },
    },
    sleep: (s: number) => void sleeps.push(s),
    exec: { vu: { idInTest: 3, iterationInScenario: 0 }, scenario: { startTime: Date.now() } },
    Math,
    JSON,
    Date,
  };
  runInNewContext(`${body}\nthis.__iteration = __iteration; this.options = options;`, sandbox);
  const exec = sandbox.exec as { vu: { iterationInScenario: number } };
  return {
    sent,
    sleeps,
    options: sandbox.options as unknown,
    iterate(n: number): void {
      for (let i = 0; i < n; i++) {
        (sandbox.__iteration as () => void)();
        exec.vu.iterationInScenario++;
      }
    },
  };
}

describe('exportK6', () => {
  const k6 = exportK6(exportInput());
  const traffic = k6.options.scenarios.traffic as K6ArrivalScenario;

  it('is an ES module that imports k6 and parses', () => {
    expect(k6.script).toMatch(/^import http from 'k6\/http';$/m);
    expect(k6.script).toMatch(/^import \{ sleep \} from 'k6';$/m);
    expect(k6.script).toMatch(/^export const options = \{/m);
    expect(k6.script).toMatch(/^export default function \(\) \{/m);
    expect(checkModuleSyntax(k6.script)).toEqual({ ok: true, stderr: '' });
    expect(checkModuleSyntax(`${k6.script}\n}`).ok).toBe(false); // the check does check
  });

  it('has a ramping-arrival-rate scenario whose stages follow the segments', () => {
    expect(traffic).toMatchObject({ executor: 'ramping-arrival-rate', timeUnit: '1m', startRate: 120 });
    // 2/s for 60 s, a ramp 2 → 6/s over 60 s, a jump to 12/s (1 s) and 29 s at 12/s; per minute.
    expect(traffic.stages).toEqual([
      { duration: '60s', target: 120 },
      { duration: '60s', target: 360 },
      { duration: '1s', target: 720 },
      { duration: '29s', target: 720 },
    ]);
    // 12 sessions/s × (mean duration 20 s ÷ speed 2 + 3 requests × 50 ms) ≈ 122 in flight.
    expect(traffic.preAllocatedVUs).toBe(Math.ceil(12 * 10.15 + 3 * Math.sqrt(12 * 10.15)) + 1);
    expect(traffic.maxVUs).toBe(traffic.preAllocatedVUs * 4);
    expect(k6.script).toContain('"stages": [');
  });

  it('embeds the entry table, the matrix without unreplayable endpoints, and the think-time quantiles', () => {
    const embedded = JSON.parse(/const MODEL = (\{[\s\S]*?\n\});/.exec(k6.script)?.[1] ?? 'null') as K6Flow;
    expect(embedded).toEqual(k6.flow);
    expect(embedded.entry).toEqual([['GET /', 1]]);
    expect(embedded.transitions['GET /list']).toEqual([
      ['GET /items/:id', 0.5],
      ['$exit', 0.3],
      ['GET /list', 0.2],
    ]);
    expect(embedded.transitions['GET /items/:id']).toEqual([
      ['$exit', 0.6],
      ['POST /login', 0.3],
    ]);
    expect(Object.keys(embedded.endpoints)).not.toContain('GET /:other');
    expect(embedded.endpoints['GET /items/:id']).toEqual({ method: 'GET', template: '/items/:id', params: { id: ['7', '8', 'a b'] } });
    expect(embedded.thinkTimeMs).toEqual([1000, 2000, 3000]);
    expect(embedded.speed).toBe(2);
    expect(embedded.stages).toEqual([
      { name: 'warm', endMs: 60_000 },
      { name: 'ramp', endMs: 120_000 },
      { name: 'spike', endMs: 150_000 },
    ]);
  });

  it("translates the profile's thresholds, and says which it cannot", () => {
    expect(k6.options.thresholds).toEqual({
      http_req_duration: ['p(95)<500'],
      http_req_failed: ['rate<0.01'],
      'http_req_failed{endpoint:POST /checkout}': ['rate<0.01'],
      'http_req_duration{stage:spike}': ['p(99)<2000'],
    });
    expect(k6.untranslated).toEqual(['error_rate < 5% in every 10s window: k6 has no per-window thresholds']);
    expect(k6.script).toContain('// Threshold not translated: error_rate < 5% in every 10s window');
  });

  it('walks the matrix when run (with stand-ins for k6): mix, think times, tags, headers, bodies, captures', () => {
    const run = harness(k6.script, (req) => (req.url.endsWith('/login') ? { status: 200, body: '{"token":"t-1"}' } : { status: 200, body: '{}' }));
    run.iterate(4000);
    const counts = new Map<string, number>();
    for (const r of run.sent) counts.set(r.params.tags.endpoint as string, (counts.get(r.params.tags.endpoint as string) ?? 0) + 1);
    expect((counts.get('GET /') ?? 0) / 4000).toBe(1);
    expect((counts.get('GET /list') ?? 0) / 4000).toBeCloseTo(0.875, 1);
    expect((counts.get('GET /items/:id') ?? 0) / 4000).toBeCloseTo(0.4375, 1);
    expect((counts.get('POST /login') ?? 0) / 4000).toBeCloseTo(0.13125, 1);
    expect(counts.get('POST /checkout')).toBe(counts.get('POST /login'));
    expect(counts.has('GET /:other')).toBe(false);
    // One sleep before every request but the first of a session; think times ÷ speed 2, in seconds.
    expect(run.sleeps.length).toBe(run.sent.length - 4000);
    expect(Math.min(...run.sleeps)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...run.sleeps)).toBeLessThanOrEqual(1.5);
    const first = run.sent[0] as Sent;
    expect(first.url).toBe('http://staging:9000/');
    expect(first.params.headers['user-agent']).toBe('k6 (tidemark export) session/3-0');
    expect(first.params.headers.authorization).toBeUndefined();
    expect(first.params.tags).toMatchObject({ endpoint: 'GET /', name: 'GET /', stage: 'warm' });
    const item = run.sent.find((r) => r.params.tags.endpoint === 'GET /items/:id') as Sent;
    expect(['http://staging:9000/items/7', 'http://staging:9000/items/8', 'http://staging:9000/items/a%20b']).toContain(item.url);
    const login = run.sent.find((r) => r.params.tags.endpoint === 'POST /login') as Sent;
    expect(login.method).toBe('POST');
    expect(JSON.parse(login.body as string)).toMatchObject({ user: expect.stringMatching(/^u[1-9]$/), password: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) });
    expect(login.params.headers['content-type']).toBe('application/json');
    const checkout = run.sent[run.sent.indexOf(login) + 1] as Sent;
    expect(checkout.params.tags.endpoint).toBe('POST /checkout');
    expect(checkout.params.headers.authorization).toBe('Bearer t-1');
    expect(JSON.parse(checkout.body as string)).toEqual({ item: '', count: 2 });
  });

  it('plays closed-model stages with ramping-vus', () => {
    const closed = exportK6(exportInput({ segments: [], users: [{ startMs: 0, endMs: 30_000, fromUsers: 10, toUsers: 10, stage: 'steady' }, { startMs: 30_000, endMs: 60_000, fromUsers: 10, toUsers: 50, stage: 'up' }] }));
    expect(closed.options.scenarios.traffic).toEqual({
      executor: 'ramping-vus',
      startVUs: 10,
      stages: [
        { duration: '30s', target: 10 },
        { duration: '30s', target: 50 },
      ],
      gracefulRampDown: '30s',
      gracefulStop: '30s',
    });
    expect(checkModuleSyntax(closed.script).ok).toBe(true);
  });

  it('needs a target from the environment when none was given', () => {
    const script = exportK6(exportInput({ target: null })).script;
    expect(() => {
      const sandbox = { __ENV: {}, http: { setResponseCallback: () => undefined, expectedStatuses: () => undefined }, sleep: () => undefined, exec: {}, Math, JSON, Date };
      runInNewContext(script.replace(/^import .*$/gm, '').replace('export const options =', 'const options =').replace('export default function ()', 'function __i()'), sandbox);
    }).toThrow(/no target: run with {2}k6 run -e TARGET=/);
  });
});

describe('k6Threshold', () => {
  it.each([
    ['p95 < 500ms', 'http_req_duration', 'p(95)<500'],
    ['p99.9 <= 2s', 'http_req_duration', 'p(99.9)<=2000'],
    ['avg < 200', 'http_req_duration', 'avg<200'],
    ['max < 3s for GET /', 'http_req_duration{endpoint:GET /}', 'max<3000'],
    ['error_rate < 1%', 'http_req_failed', 'rate<0.01'],
    ['success_rate >= 99.5%', 'http_req_failed', 'rate<=0.005'],
    ['rps > 50', 'http_reqs', 'rate>50'],
    ['count >= 1000 in stage steady', 'http_reqs{stage:steady}', 'count>=1000'],
    ['p95 < 300ms for "POST /api/cart" in stage peak', 'http_req_duration{endpoint:POST /api/cart,stage:peak}', 'p(95)<300'],
  ])('%s', (expression, metric, entry) => {
    expect(k6Threshold(parseThreshold(expression))).toEqual({ metric, entry });
  });

  it('keeps abort options and refuses what k6 cannot say', () => {
    expect(k6Threshold(parseThreshold('error_rate < 5%', { abortOnFail: true, abortGraceMs: 10_000 }))).toEqual({
      metric: 'http_req_failed',
      entry: { threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '10s' },
    });
    expect(k6Threshold(parseThreshold('p95 < 500ms for "GET /api/*"'))).toEqual({ untranslated: 'p95 < 500ms for "GET /api/*": k6 tags match exactly; list the endpoints of "GET /api/*" one by one' });
  });
});

describe('k6 stages and units', () => {
  it('picks the smallest time unit that keeps whole targets within 1%', () => {
    expect(chooseTimeUnit([60, 120])).toBe(1);
    expect(chooseTimeUnit([2, 6])).toBe(60);
    expect(chooseTimeUnit([0.3, 0])).toBe(3600);
    expect(chooseTimeUnit([])).toBe(1);
  });

  it('adds a short ramp where the rate jumps and keeps the total length', () => {
    const { startRate, stages } = k6Stages(
      [
        { startMs: 0, endMs: 3_600_000 / 7, fromPerSec: 1, toPerSec: 1, stage: 'a' },
        { startMs: 3_600_000 / 7, endMs: 7_200_000 / 7, fromPerSec: 3, toPerSec: 3, stage: 'a' },
        { startMs: 7_200_000 / 7, endMs: 7_200_000 / 7 + 5, fromPerSec: 0, toPerSec: 0, stage: 'a' },
      ],
      60,
    );
    expect(startRate).toBe(60);
    expect(stages.map((s) => s.target)).toEqual([60, 180, 180, 0, 0]);
    const ms = (d: string): number => (d.endsWith('ms') ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000);
    expect(stages.reduce((sum, s) => sum + ms(s.duration), 0)).toBe(Math.round(7_200_000 / 7 + 5));
    expect(k6Duration(1500)).toBe('1500ms');
    expect(k6Duration(90_000)).toBe('90s');
  });

  it('writes compact JSON that is still JSON', () => {
    const value = { a: [1, 2, 3], b: Array.from({ length: 60 }, (_, i) => i * 1000), c: { d: 'x'.repeat(120) } };
    expect(JSON.parse(compactJson(value))).toEqual(value);
    expect(compactJson({ a: 1 })).toBe('{"a":1}');
  });

  it('a whole day at speed 60: an hour a minute, a jump where the rate changes', () => {
    const model = shopModel();
    const rate = (h: number): number => ((model.arrivals.sessionsPerHour[h] as number) / 3600) * 60;
    const segments = Array.from({ length: 24 }, (_, h) => ({ startMs: h * 60_000, endMs: (h + 1) * 60_000, fromPerSec: rate(h), toPerSec: rate(h), stage: 'main' }));
    const k6 = exportK6(exportInput({ segments, speed: 60 }));
    const traffic = k6.options.scenarios.traffic as K6ArrivalScenario;
    expect(traffic.timeUnit).toBe('1s');
    expect(traffic.startRate).toBe(60);
    expect(traffic.stages).toHaveLength(26);
    // Hour 20 runs at twice the rate: a 1 s ramp to 120/s, 59 s there, and back.
    expect(traffic.stages.slice(19, 24)).toEqual([
      { duration: '60s', target: 60 },
      { duration: '1s', target: 120 },
      { duration: '59s', target: 120 },
      { duration: '1s', target: 60 },
      { duration: '59s', target: 60 },
    ]);
  });
});
