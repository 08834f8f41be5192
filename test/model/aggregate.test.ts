import { describe, expect, it } from 'vitest';
import { aggregateArrivals, combineAggregates, exponentialDistribution, geometricDistribution, pagePath } from '../../src/model/aggregate.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { SessionSynthesizer } from '../../src/synth/synthesizer.js';

describe('distributions from a report’s means', () => {
  it('geometric: support 1, 2, …, median and tail as the formula says, sampled mean close to the given one', () => {
    const d = geometricDistribution(2.5, 1000);
    expect(d.mean).toBe(2.5);
    expect(d.min).toBe(1);
    // P(L ≤ k) = 1 − 0.6^k: 0.4, 0.64 → median 2; 1 − 0.6^5 = 0.922 ≥ 0.9 > 1 − 0.6^4 = 0.870 → p90 5
    expect(d.p50).toBe(2);
    expect(d.p90).toBe(5);
    const mean = d.quantiles.reduce((s, q) => s + q, 0) / d.quantiles.length;
    expect(mean).toBeGreaterThan(2.2);
    expect(mean).toBeLessThan(2.8);
    expect(geometricDistribution(1, 10).quantiles.every((q) => q === 1)).toBe(true);
    expect(geometricDistribution(0.3, 10).p99).toBe(1);
  });

  it('exponential: median mean·ln 2, p90 mean·ln 10', () => {
    const d = exponentialDistribution(60, 100, 3);
    expect(d.p50).toBeCloseTo(60 * Math.LN2, 2);
    expect(d.p90).toBeCloseTo(60 * Math.LN10, 2);
    expect(d.min).toBe(0);
    expect(exponentialDistribution(0, 5, 1).max).toBe(0);
  });
});

describe('pagePath', () => {
  it('keeps paths, takes a URL’s path, refuses titles', () => {
    expect(pagePath('/products/42?ref=x')).toEqual({ path: '/products/42', query: 'ref=x' });
    expect(pagePath('https://shop.example.com/cart')).toEqual({ path: '/cart', query: '' });
    expect(pagePath('shop.example.com/cart')).toEqual({ path: '/cart', query: '' });
    expect(pagePath('Home page – Example Shop')).toBeNull();
    expect(pagePath('(not set)')).toBeNull();
  });
});

describe('combineAggregates and arrivals', () => {
  it('adds page mixes and hours of several reports, keeps the first mean, credits each part', () => {
    const a = combineAggregates([
      { source: 'a.csv', summary: { pageMix: [{ page: '/', pageviews: 10 }], sessionsByHour: Array.from({ length: 24 }, (_, h) => (h === 20 ? 48 : 1)), pagesPerSession: 3, dateRange: { start: '2024-01-01', end: '2024-01-02' } } },
      { source: 'b.csv', summary: { pageMix: [{ page: '/', pageviews: 5 }, { page: '/x', pageviews: 1 }], pagesPerSession: 9, dateRange: { start: '2024-01-02', end: '2024-01-03' } } },
    ]);
    expect([...a.pageMix]).toEqual([
      ['/', 15],
      ['/x', 1],
    ]);
    expect(a.pagesPerSession).toBe(3);
    expect(a.parts).toEqual({ endpoints: ['a.csv', 'b.csv'], 'sessions.length': ['a.csv'], 'arrivals.hourly': ['a.csv'] });
    const { arrivals, span } = aggregateArrivals(a, 71, 3);
    expect(span).toEqual({ start: '2024-01-01T00:00:00.000Z', end: '2024-01-03T23:59:59.000Z', days: 3 });
    expect(arrivals.peak.hourOfDay).toBe(20);
    expect(arrivals.sessionsPerHour[20]).toBe(16); // 48 sessions over 3 days
    expect(arrivals.requestsPerHour[20]).toBe(48);
    expect(arrivals.peak.sessionsPerSec).toBeCloseTo(16 / 3600, 6);
    expect(arrivals.peak.sessionsPerMinute.reduce((s, n) => s + n, 0)).toBe(16);
    expect(arrivals.hourly.reduce((s, n) => s + n, 0)).toBeCloseTo(1, 9);
  });
});

describe('ModelBuilder with an aggregated report only', () => {
  const build = (): ReturnType<ModelBuilder['finish']> => {
    const builder = new ModelBuilder({ tidemarkVersion: 'test' });
    const pageMix = [{ page: '/', pageviews: 6000 }, ...Array.from({ length: 80 }, (_, i) => ({ page: `/products/${1000 + i}`, pageviews: 50 }))];
    builder.addAggregate('pages.csv', { pageMix, pagesPerSession: 4, avgSessionDurationSec: 90, sessionsByDate: { '2024-03-01': 1200, '2024-03-02': 1300 } });
    return builder.finish();
  };

  it('templates the pages, counts pageviews as requests, and builds sessions and arrivals from the means', () => {
    const model = build();
    expect(model.totals.requests).toBe(10_000);
    expect(model.endpoints.map((e) => [e.key, e.count])).toEqual([
      ['GET /', 6000],
      ['GET /products/:id', 4000],
    ]);
    expect(model.sessions.count).toBe(2500);
    expect(model.sessions.length.mean).toBe(4);
    expect(model.sessions.durationSec.mean).toBe(90);
    expect(model.sessions.thinkTimeMs.mean).toBe(30_000);
    expect(model.sessions.entry).toEqual({});
    expect(model.arrivals.sessionsPerHour.every((n) => Math.abs(n - 2500 / 2 / 24) < 0.001)).toBe(true);
    expect(model.arrivals.peak.start).toBe('2024-03-02T00:00:00.000Z');
    expect(model.provenance.parts).toEqual({ endpoints: ['pages.csv'], 'sessions.length': ['pages.csv'], 'sessions.durationSec': ['pages.csv'], 'arrivals.daily': ['pages.csv'] });
  });

  it('synthesizes sessions whose length follows the report’s pages per session and whose pages follow the mix', () => {
    const synth = new SessionSynthesizer(build(), { seed: 7 });
    let requests = 0;
    let home = 0;
    const n = 4000;
    for (let id = 0; id < n; id++) {
      const s = synth.session(id);
      requests += s.requests.length;
      home += s.requests.filter((r) => r.endpointKey === 'GET /').length;
    }
    expect(requests / n).toBeGreaterThan(3.7);
    expect(requests / n).toBeLessThan(4.3);
    expect(home / requests).toBeGreaterThan(0.57);
    expect(home / requests).toBeLessThan(0.63);
  });

  it('with request records in the same import, the records win and the report is listed as superseded', () => {
    const builder = new ModelBuilder({ tidemarkVersion: 'test' });
    builder.addAggregate('pages.csv', { pageMix: [{ page: '/', pageviews: 99 }] });
    builder.add({ timeMs: Date.UTC(2024, 0, 1), method: 'GET', path: '/a', query: '', status: 200, bytes: 1, durationMs: null, client: '192.0.2.1', userAgent: 'ua', referrer: '', host: '', source: 'x:1' });
    const model = builder.finish();
    expect(model.endpoints.map((e) => e.key)).toEqual(['GET /a']);
    expect(model.provenance.parts).toEqual({ superseded: ['pages.csv'] });
  });
});
