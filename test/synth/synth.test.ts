import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import type { Distribution, TrafficModel } from '../../src/core/types.js';
import { requestBuilding } from '../../src/engine/request-builder.js';
import { sampleDistribution } from '../../src/synth/sample.js';
import { SessionSynthesizer } from '../../src/synth/synthesizer.js';
import { expandJson, expandString, unknownExpressions } from '../../src/synth/template.js';

/** A summary with evenly spaced `quantiles`; its named percentiles read off them, as the model's are. */
const dist = (quantiles: number[], named: Partial<Pick<Distribution, 'p50' | 'p90' | 'p95' | 'p99'>> = {}): Distribution => {
  const at = (p: number): number => {
    const x = p * (quantiles.length - 1);
    const lo = quantiles[Math.floor(x)] as number;
    const hi = quantiles[Math.ceil(x)] as number;
    return lo + (hi - lo) * (x - Math.floor(x));
  };
  return {
    count: 100,
    mean: quantiles.reduce((s, q) => s + q, 0) / quantiles.length,
    min: quantiles[0] as number,
    max: quantiles[quantiles.length - 1] as number,
    p50: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    ...named,
    quantiles,
  };
};

/** A three-page site: home → list (0.7) or exit (0.3); list → detail (0.5), list (0.2), exit (0.3); detail → exit. */
function model(): TrafficModel {
  return {
    schemaVersion: 1,
    span: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z', days: 1 },
    totals: { requests: 100, rejected: 0, lines: 100 },
    endpoints: [
      { key: 'GET /', method: 'GET', template: '/', count: 40, share: 0.4, statusClasses: {} },
      { key: 'GET /list', method: 'GET', template: '/list', count: 40, share: 0.4, statusClasses: {} },
      { key: 'GET /items/:id', method: 'GET', template: '/items/:id', count: 20, share: 0.2, statusClasses: {}, params: { ':id': ['7', '8'] } },
      { key: 'GET /:other', method: 'GET', template: '/:other', count: 1, share: 0.01, statusClasses: {} },
    ],
    sessions: {
      count: 10,
      key: 'ip+ua',
      timeoutSec: 1800,
      length: dist([1, 2, 3, 4]),
      durationSec: dist([0, 10, 20]),
      thinkTimeMs: dist([1000, 2000, 3000]),
      entry: { 'GET /': 1 },
      transitions: {
        'GET /': { 'GET /list': 0.7, $exit: 0.3 },
        'GET /list': { 'GET /items/:id': 0.5, 'GET /list': 0.2, $exit: 0.3 },
        'GET /items/:id': { $exit: 1 },
      },
    },
    arrivals: {
      hourly: new Array(24).fill(1 / 24),
      sessionsPerHour: new Array(24).fill(10),
      requestsPerHour: new Array(24).fill(30),
      peak: { start: '2026-01-01T12:00:00.000Z', end: '2026-01-01T13:00:00.000Z', hourOfDay: 12, sessions: 10, requests: 30, sessionsPerSec: 10 / 3600, requestsPerSec: 30 / 3600, sessionsPerMinute: new Array(60).fill(0) },
      timeZone: 'UTC',
    },
    provenance: { tidemarkVersion: '0', sources: [], rejected: {}, options: {} },
  };
}

describe('SessionSynthesizer', () => {
  it('walks the transition matrix with the right frequencies', () => {
    const synth = new SessionSynthesizer(model(), { seed: 1 });
    const counts = new Map<string, number>();
    let sessions = 0;
    let homeThenList = 0;
    for (let id = 0; id < 20_000; id++) {
      const plan = synth.session(id);
      sessions++;
      expect(plan.requests[0]?.endpointKey).toBe('GET /');
      if (plan.requests[1]?.endpointKey === 'GET /list') homeThenList++;
      for (const r of plan.requests) counts.set(r.endpointKey, (counts.get(r.endpointKey) ?? 0) + 1);
    }
    expect(homeThenList / sessions).toBeCloseTo(0.7, 1);
    // Visits to /list: 0.7 / (1 - 0.2) = 0.875 per session; detail 0.875 × 0.5.
    expect((counts.get('GET /list') ?? 0) / sessions).toBeCloseTo(0.875, 1);
    expect((counts.get('GET /items/:id') ?? 0) / sessions).toBeCloseTo(0.4375, 1);
    expect(counts.has('GET /:other')).toBe(false);
  });

  it('is deterministic per seed and session id, and fills parameters from the pools', () => {
    const a = new SessionSynthesizer(model(), { seed: 5 });
    const b = new SessionSynthesizer(model(), { seed: 5 });
    const c = new SessionSynthesizer(model(), { seed: 6 });
    expect(b.session(42)).toEqual(a.session(42));
    const differs = Array.from({ length: 20 }, (_, i) => JSON.stringify(a.session(i)) !== JSON.stringify(c.session(i))).some(Boolean);
    expect(differs).toBe(true);
    for (let id = 0; id < 500; id++) {
      for (const r of a.session(id).requests) {
        if (r.endpointKey === 'GET /items/:id') {
          expect(['/items/7', '/items/8']).toContain(r.path);
          expect(['7', '8']).toContain(r.params?.id);
        }
      }
    }
  });

  it('samples think times from the quantiles; the first request has none', () => {
    const synth = new SessionSynthesizer(model(), { seed: 2 });
    const thinks: number[] = [];
    for (let id = 0; id < 2000; id++) {
      const plan = synth.session(id);
      expect(plan.requests[0]?.thinkTimeMs).toBe(0);
      for (const r of plan.requests.slice(1)) thinks.push(r.thinkTimeMs);
    }
    expect(Math.min(...thinks)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...thinks)).toBeLessThanOrEqual(3000);
    const mean = thinks.reduce((s, t) => s + t, 0) / thinks.length;
    expect(mean).toBeGreaterThan(1900);
    expect(mean).toBeLessThan(2100);
  });

  it('sampleDistribution interpolates between quantiles', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 10_000 }, () => sampleDistribution(dist([0, 100]), rng));
    const below25 = values.filter((v) => v < 25).length / values.length;
    expect(below25).toBeCloseTo(0.25, 1);
  });

  it("sampleDistribution keeps a summary's p95 and p99: the top tenth of 11 quantiles is not spread evenly to the maximum", () => {
    // A per-transition think-time summary of the shop's model: 11 quantiles, p95 40 s, p99 79 s, max 185 s.
    const think = dist([1000, 2970, 3945, 5039, 6032, 7887, 9981, 12989, 17117, 27156, 185000], { p95: 40083, p99: 78789 });
    const rng = createRng(5);
    const values = Array.from({ length: 200_000 }, () => sampleDistribution(think, rng)).sort((a, b) => a - b);
    const at = (p: number): number => values[Math.floor(p * values.length)] as number;
    expect(at(0.5)).toBeCloseTo(7887, -2);
    expect(at(0.9)).toBeCloseTo(27156, -3);
    // Linear from p90 to the maximum, p95 would be ~106 s and p99 ~169 s.
    expect(Math.abs(at(0.95) - 40083) / 40083).toBeLessThan(0.03);
    expect(Math.abs(at(0.99) - 78789) / 78789).toBeLessThan(0.03);
    expect(values[values.length - 1]).toBeLessThanOrEqual(185000);
  });

  it('sampleDistribution ignores named percentiles that do not fit the quantiles around them', () => {
    // p90 above the quantile after it, p99 below the one before it: a hand-edited or damaged summary.
    const odd = dist([0, 50, 100], { p90: 500, p99: -5 });
    const rng = createRng(3);
    const values = Array.from({ length: 10_000 }, () => sampleDistribution(odd, rng));
    expect(Math.max(...values)).toBeLessThanOrEqual(100);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(values.filter((v) => v < 25).length / values.length).toBeCloseTo(0.25, 1);
  });
});

describe('templates', () => {
  const scope = { rng: createRng(1), env: { SHOP_USER: 'alice' }, vars: { cartId: 'c-9' }, params: { id: '42' } };
  it('expands generators, env, captured vars and params', () => {
    expect(expandString('user=${env.SHOP_USER} cart=${var.cartId} item=${param.id}', scope)).toBe('user=alice cart=c-9 item=42');
    const n = Number(expandString('${int(5,7)}', scope));
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThanOrEqual(7);
    expect(expandString('${uuid}', scope)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(['a', 'b']).toContain(expandString('${pick(a, b)}', scope));
    expect(expandJson({ qty: '${int(1,1)}', name: 'x${var.cartId}', list: ['${param.id}'] }, scope)).toEqual({ qty: 1, name: 'xc-9', list: ['42'] });
  });
  it('names unknown expressions', () => {
    expect(unknownExpressions('${int(1,2)} ${nope} ${env.X} ${random()}')).toEqual(['${nope}', '${random()}']);
  });
});

describe('requestBuilding', () => {
  it('adds headers and bodies, leaves out headers whose captured value is missing, and captures values', () => {
    const building = requestBuilding(
      { 'POST /api/login': { json: { user: '${env.U}' }, capture: { token: 'json:auth.token' } }, 'POST /api/checkout': { json: { cartId: '${var.cartId}' } } },
      { authorization: 'Bearer ${var.token}' },
      { U: 'bob' },
      1,
    );
    const session = { plan: { id: 1, requests: [] }, vars: {} as Record<string, string> };
    const login = building.build({ endpointKey: 'POST /api/login', method: 'POST', path: '/api/login', thinkTimeMs: 0 }, session);
    expect(login!.body).toBe('{"user":"bob"}');
    expect(login!.headers?.['content-type']).toBe('application/json');
    expect(login!.headers?.authorization).toBeUndefined();
    expect(building.wantBody({ endpointKey: 'POST /api/login', method: 'POST', path: '/api/login', thinkTimeMs: 0 })).toBe(true);
    building.onResponse({ endpointKey: 'POST /api/login', method: 'POST', path: '/api/login', thinkTimeMs: 0 }, { status: 200, failure: null, bytes: 10, headers: {}, text: '{"auth":{"token":"t-1"}}', sentAtMs: 0 }, session);
    expect(session.vars.token).toBe('t-1');
    const next = building.build({ endpointKey: 'GET /api/cart', method: 'GET', path: '/api/cart', thinkTimeMs: 0 }, session);
    expect(next!.headers?.authorization).toBe('Bearer t-1');
    expect(next!.body).toBeUndefined();
  });
});
