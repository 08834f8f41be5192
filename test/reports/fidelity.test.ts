import { describe, expect, it } from 'vitest';
import type { Distribution, TrafficModel } from '../../src/core/types.js';
import { countsFromResults, fidelityJson, renderFidelity, scoreFidelity, selfCheck, type FidelityReport } from '../../src/reports/fidelity.js';

/** A Distribution whose 101 quantiles are inverse(i/100). */
function dist(inverse: (p: number) => number, count = 5000): Distribution {
  const quantiles = Array.from({ length: 101 }, (_, i) => inverse(i / 100));
  return { count, mean: quantiles.reduce((s, q) => s + q, 0) / 101, min: quantiles[0] as number, max: quantiles[100] as number, p50: inverse(0.5), p90: inverse(0.9), p95: inverse(0.95), p99: inverse(0.99), quantiles };
}
const geometricLength = (mean: number) => (p: number) => Math.max(1, Math.ceil(Math.log(1 - Math.min(p, 0.995)) / Math.log(1 - 1 / mean)));
const expThink = (medianMs: number) => (p: number) => (-Math.log(1 - Math.min(p, 0.999)) * medianMs) / Math.LN2;
const DAY = [0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.3, 1.2, 1.2, 1.3, 1.5, 1.8, 2.2, 3.0, 2.1, 1.2, 0.6];

const SHOP: [string, number][] = [
  ['GET /api/products/:id', 373],
  ['GET /api/products', 285],
  ['GET /', 116],
  ['POST /api/cart/items', 76],
  ['POST /api/login', 56],
  ['GET /api/cart', 51],
  ['GET /api/orders', 19],
  ['GET /api/orders/:id', 14],
  ['POST /api/checkout', 10],
];

interface ModelSpec {
  counts?: [string, number][];
  lengthMean?: number;
  thinkMedianMs?: number;
  day?: number[];
  days?: number;
  transitions?: Record<string, Record<string, number>>;
  perMinute?: number[];
}

function model(spec: ModelSpec = {}): TrafficModel {
  const counts = spec.counts ?? SHOP;
  const total = counts.reduce((s, [, c]) => s + c, 0);
  const keys = counts.map(([k]) => k);
  // Default navigation: from anywhere, the next endpoint by the mix (half the time) or the exit.
  const transitions = spec.transitions ?? Object.fromEntries(keys.map((k) => [k, { ...Object.fromEntries(counts.map(([to, c]) => [to, (0.5 * c) / total])), $exit: 0.5 }]));
  const day = spec.day ?? DAY;
  const daySum = day.reduce((s, v) => s + v, 0);
  return {
    schemaVersion: 1,
    span: { start: '2026-11-27T00:00:00.000Z', end: '2026-11-29T00:00:00.000Z', days: spec.days ?? 2 },
    totals: { requests: total, rejected: 0, lines: total },
    endpoints: counts.map(([key, count]) => {
      const [method, template] = key.split(' ') as [string, string];
      return { key, method, template, count, share: count / total, statusClasses: { '2xx': count } };
    }),
    sessions: {
      count: 1000,
      key: 'ip+ua',
      timeoutSec: 1800,
      length: dist(geometricLength(spec.lengthMean ?? 6)),
      durationSec: dist((p) => p * 600),
      thinkTimeMs: dist(expThink(spec.thinkMedianMs ?? 7000)),
      entry: { 'GET /': 0.6, 'GET /api/products/:id': 0.4 },
      transitions,
    },
    arrivals: {
      hourly: day.map((v) => v / daySum),
      sessionsPerHour: day.map((v) => v * 100),
      requestsPerHour: day.map((v) => v * 600),
      peak: { start: '2026-11-27T20:00:00.000Z', end: '2026-11-27T21:00:00.000Z', hourOfDay: 20, sessions: 300, requests: 1800, sessionsPerSec: 300 / 3600, requestsPerSec: 0.5, sessionsPerMinute: spec.perMinute ?? Array.from({ length: 60 }, (_, i) => 5 + ((i * 7) % 3) - 1) },
      timeZone: 'UTC',
    },
    provenance: { tidemarkVersion: 'test', sources: [], rejected: {}, options: {} },
  };
}

const metric = (report: FidelityReport, id: string) => {
  const m = report.metrics.find((x) => x.id === id);
  if (!m) throw new Error(`no metric ${id} in ${report.metrics.map((x) => x.id).join(', ')}`);
  return m;
};

describe('scoreFidelity', () => {
  it('passes a model against itself, every metric at 0', () => {
    const r = scoreFidelity(model(), model());
    expect(r.verdict).toBe('pass');
    for (const id of ['mix.tvd', 'length.ks', 'think.ks', 'navigation', 'shape.nrmse', 'shape.peak', 'mix.missing']) {
      expect(metric(r, id)).toMatchObject({ value: 0, verdict: 'pass', reason: null });
    }
    expect(metric(r, 'length.p50')).toMatchObject({ value: 1, verdict: 'pass', tolerance: '0.8–1.25' });
    expect(metric(r, 'length.p99').verdict).toBe('info');
    expect(metric(r, 'duration.ks').verdict).toBe('info');
    expect(metric(r, 'concurrency.peak')).toMatchObject({ value: 1, verdict: 'info' });
    expect(metric(r, 'burstiness').verdict).toBe('info');
  });

  it('fails a uniform mix and says which endpoints differ', () => {
    const uniform = model({ counts: SHOP.map(([k]) => [k, 100]) });
    const r = scoreFidelity(model(), uniform);
    expect(r.verdict).toBe('fail');
    const tvd = metric(r, 'mix.tvd');
    expect(tvd.verdict).toBe('fail');
    expect(tvd.value).toBeGreaterThan(0.3);
    expect(tvd.reason).toContain('GET /api/products/:id is 37.3% of production but 11.1% of the candidate');
    expect(tvd.reason).toContain('GET /api/products is 28.5% of production but 11.1% of the candidate');
    expect(r.mix.endpoints[0]).toMatchObject({ key: 'GET /api/products/:id', candidate: 1 / 9 });
    expect(r.mix.endpoints[0]?.relativeError).toBeCloseTo(1 / 9 / 0.373 - 1, 3);
  });

  it('lists endpoints missing from the candidate and fails on one with at least 1%', () => {
    const withoutCheckout = model({ counts: SHOP.slice(0, 8) });
    const r = scoreFidelity(model(), withoutCheckout);
    expect(metric(r, 'mix.tvd').verdict).toBe('pass'); // 1% of the mix is within the TVD gate
    expect(metric(r, 'mix.missing')).toMatchObject({ value: 1, verdict: 'fail', reason: 'the candidate never requests POST /api/checkout (1.0% of production)' });
    expect(r.mix.missingInCandidate).toEqual([{ key: 'POST /api/checkout', share: 0.01 }]);
    const extra = scoreFidelity(model(), model({ counts: [...SHOP, ['GET /admin', 5]] }));
    expect(extra.mix.missingInReference.map((m) => m.key)).toEqual(['GET /admin']);
    expect(scoreFidelity(model(), withoutCheckout, { missingEndpoints: 1 }).verdict).toBe('pass');
  });

  it('fails session lengths that are too short, with KS D and the quantile ratios', () => {
    const r = scoreFidelity(model({ lengthMean: 6 }), model({ lengthMean: 2 }));
    const ks = metric(r, 'length.ks');
    expect(ks.verdict).toBe('fail');
    expect(ks.value).toBeGreaterThan(0.3);
    expect(ks.reason).toMatch(/of production's sessions have (at most|fewer than) \d+ requests, [\d.]+% of the candidate's/);
    const p50 = metric(r, 'length.p50');
    expect(p50.verdict).toBe('fail');
    expect(p50.reason).toMatch(/^the candidate's median session length is 1 request, production's 4 requests \(ratio 0\.25\), allowed 0\.8–1\.25$/);
    expect(r.sessionLength?.critical5).toBeCloseTo(1.358 * Math.sqrt(2 / 5000), 6);
  });

  it('fails think times that are too short (a test that forgot to think)', () => {
    const r = scoreFidelity(model(), model({ thinkMedianMs: 1000 }));
    expect(metric(r, 'think.ks').verdict).toBe('fail');
    expect(metric(r, 'think.p50').reason).toContain("the candidate's median think time is 1000ms, production's 7s (ratio 0.14), allowed 0.8–1.25");
    expect(metric(r, 'length.ks').verdict).toBe('pass');
  });

  it('fails different navigation and names the step', () => {
    const keys = SHOP.map(([k]) => k);
    const straight = Object.fromEntries(keys.map((k) => [k, { 'GET /': 0.5, $exit: 0.5 }]));
    const r = scoreFidelity(model(), model({ transitions: straight }));
    const nav = metric(r, 'navigation');
    expect(nav.verdict).toBe('fail');
    expect(nav.reason).toMatch(/^[\d.]+ is not below 0.15: after GET \/api\/products\/:id \(37\.3% of visits\) production goes on to GET \/ 5\.8% of the time, the candidate 50\.0%$/);
  });

  it('scores the daily shape and the peak hour', () => {
    const flat = scoreFidelity(model(), model({ day: new Array(24).fill(1) }));
    expect(metric(flat, 'shape.nrmse').verdict).toBe('fail');
    expect(metric(flat, 'shape.nrmse').reason).toContain('the largest difference is at 20:00: 2.86× the mean rate in production, 1.00× in the candidate');
    const shifted = scoreFidelity(model(), model({ day: [...DAY.slice(21), ...DAY.slice(0, 21)] }));
    expect(metric(shifted, 'shape.peak')).toMatchObject({ value: 3, verdict: 'fail', reason: 'production peaks at 20:00, the candidate at 23:00 (3 h apart, allowed ±1 h)' });
    const tripled = scoreFidelity(model(), model({ day: DAY.map((v) => v * 3) }));
    expect(metric(tripled, 'shape.nrmse').verdict).toBe('pass');
    expect(metric(tripled, 'shape.nrmse').value).toBeCloseTo(0, 12);
  });

  it('does not compare a daily shape from less than a day of traffic', () => {
    const r = scoreFidelity(model(), model({ days: 0.05 }));
    expect(metric(r, 'shape.nrmse').verdict).toBe('not available');
    expect(metric(r, 'shape.nrmse').reason).toContain('the candidate covers 1.2 h; a daily shape needs about a whole day');
    expect(r.verdict).toBe('pass');
  });

  it('takes a results file as a side: only the mix is scored, the rest is not available', () => {
    const results = { endpoints: SHOP.map(([key, count]) => ({ key, count: count * 3 })) };
    const r = scoreFidelity(model(), countsFromResults(results));
    expect(r.verdict).toBe('pass');
    expect(metric(r, 'mix.tvd').value).toBeCloseTo(0, 12);
    for (const id of ['length.ks', 'think.ks', 'navigation', 'shape.nrmse']) {
      expect(metric(r, id).verdict).toBe('not available');
      expect(metric(r, id).reason).toContain('the candidate is known only by its endpoint counts');
    }
    expect(r.candidate).toMatchObject({ kind: 'counts', requests: 3000, sessions: null });
  });

  it('fails when the candidate sent nothing', () => {
    const r = scoreFidelity(model(), countsFromResults({ endpoints: [] }));
    expect(r.verdict).toBe('fail');
    expect(metric(r, 'mix.tvd').reason).toBe('the candidate has no requests: there is no mix to compare');
  });

  it('takes tolerances', () => {
    const r = scoreFidelity(model(), model({ lengthMean: 2 }), { sessionLengthKsD: 0.9, sessionLengthRatio: [0.2, 5] });
    expect(metric(r, 'length.ks').tolerance).toBe('< 0.9');
    expect(metric(r, 'length.ks').verdict).toBe('pass');
    expect(metric(r, 'length.p50').verdict).toBe('pass');
  });
});

describe('renderFidelity and fidelityJson', () => {
  const r = scoreFidelity(model(), model({ counts: SHOP.map(([k]) => [k, 100]) }), {}, { referenceSource: 'model.json', candidateSource: 'naive.log' });

  it('prints a table, the reasons and the mix', () => {
    const text = renderFidelity(r);
    expect(text).toContain('Fidelity of naive.log (900 requests, 1000 sessions, 48.0 h)');
    expect(text).toMatch(/endpoint mix \(TVD\)\s+0\.\d{3}\s+< 0\.05\s+FAIL/);
    expect(text).toContain('✗ endpoint mix (TVD): ');
    expect(text).toMatch(/GET \/api\/products\/:id\s+37\.3%\s+11\.1%\s+−70\.2%/);
    expect(text).toMatch(/verdict: FAIL \(2 of \d+ gates failed\)\n$/);
  });

  it('writes JSON with infinite ratios as null', () => {
    const zero = model();
    zero.sessions.thinkTimeMs = dist(() => 0);
    const j = JSON.parse(fidelityJson(scoreFidelity(zero, model())));
    expect(j.metrics.find((m: { id: string }) => m.id === 'think.p50').value).toBeNull();
    expect(j.verdict).toBe('fail');
  });
});

describe('selfCheck', () => {
  const m = model({ counts: [...SHOP, ['GET /:other', 50]] });

  it('passes a run whose mix follows its model (over the replayable endpoints)', () => {
    const sent = SHOP.map(([key, count]) => ({ key, count: count * 10 }));
    const c = selfCheck(m, { endpoints: sent });
    expect(c).toMatchObject({ ok: true, requests: 10_000, tolerance: 0.05, reason: null });
    expect(c.tvd).toBeCloseTo(0, 12);
  });

  it('fails a run that lost an endpoint, naming it', () => {
    const sent = SHOP.filter(([k]) => k !== 'GET /api/products').map(([key, count]) => ({ key, count: count * 10 }));
    const c = selfCheck(m, { endpoints: sent });
    expect(c.ok).toBe(false);
    expect(c.tvd).toBeCloseTo(0.285, 3);
    expect(c.reason).toContain('GET /api/products is 28.5% of the model but 0.0% of what was sent');
  });

  it('allows for sampling noise in a short run', () => {
    const c = selfCheck(m, { endpoints: [{ key: 'GET /api/products/:id', count: 5 }, { key: 'GET /', count: 3 }] });
    expect(c.tolerance).toBeGreaterThan(0.5);
    expect(selfCheck(m, { endpoints: [] })).toMatchObject({ tvd: null, ok: true, reason: 'the run sent no requests' });
  });
});
