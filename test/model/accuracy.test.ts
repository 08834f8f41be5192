import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import { SHOP, expectedVisits, generate } from './known-model-generator.js';
import { OPTIONS } from './records.js';

function correlation(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('the builder recovers a known model', () => {
  const { records, truth } = generate(SHOP, 20261127);
  const builder = new ModelBuilder(OPTIONS);
  const started = performance.now();
  for (const r of records) builder.add(r);
  const model = builder.finish();
  const elapsedMs = performance.now() - started;

  it('generates a realistic amount of traffic, out of order as nginx writes it', () => {
    expect(records.length).toBeGreaterThan(150_000);
    expect(records.length).toBeLessThan(250_000);
    expect(records.some((r, i) => i > 0 && r.timeMs < (records[i - 1]?.timeMs ?? 0))).toBe(true);
    expect(model.totals).toEqual({ requests: records.length, rejected: 0, lines: records.length });
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('finds exactly the templates of the model, with the realized counts', () => {
    expect(Object.fromEntries(model.endpoints.map((e) => [e.key, e.count]))).toEqual(Object.fromEntries(truth.counts));
  });

  it('endpoint mix within total variation distance 0.01 of the model', () => {
    const visits = expectedVisits(SHOP);
    const total = visits.reduce((a, b) => a + b, 0);
    let tvd = 0;
    SHOP.endpoints.forEach((e, i) => {
      const share = model.endpoints.find((m) => m.key === e.key)?.share ?? 0;
      tvd += Math.abs(share - (visits[i] as number) / total) / 2;
    });
    expect(tvd).toBeLessThan(0.01);
  });

  it('session count within 2%, mean session length within 3%', () => {
    expect(Math.abs(model.sessions.count - SHOP.sessions) / SHOP.sessions).toBeLessThan(0.02);
    const meanLength = expectedVisits(SHOP).reduce((a, b) => a + b, 0);
    expect(Math.abs(model.sessions.length.mean - meanLength) / meanLength).toBeLessThan(0.03);
  });

  it('median think time within 5%', () => {
    expect(Math.abs(model.sessions.thinkTimeMs.p50 - SHOP.thinkTime.medianMs) / SHOP.thinkTime.medianMs).toBeLessThan(0.05);
    // …and the histogram agrees with the realized think times at every decile (≤ 1%).
    const sorted = [...truth.thinkTimesMs].sort((a, b) => a - b);
    for (let d = 1; d < 10; d++) {
      const exact = sorted[Math.round((d / 10) * (sorted.length - 1))] as number;
      expect(Math.abs((model.sessions.thinkTimeMs.quantiles[d * 10] as number) - exact) / exact).toBeLessThan(0.01);
    }
  });

  it('hourly shape correlates > 0.99 with the model and the peak hour is right', () => {
    expect(correlation(model.arrivals.hourly, SHOP.hourly)).toBeGreaterThan(0.99);
    const peakHour = SHOP.hourly.indexOf(Math.max(...SHOP.hourly));
    expect(model.arrivals.peak.hourOfDay).toBe(peakHour);
  });

  it('transition probabilities match the model', () => {
    const keys = SHOP.endpoints.map((e) => e.key);
    SHOP.transitions.forEach((row, i) => {
      const learned = model.sessions.transitions[keys[i] as string] ?? {};
      row.forEach((p, j) => expect(Math.abs((learned[keys[j] as string] ?? 0) - p)).toBeLessThan(0.03));
      const exit = 1 - row.reduce((a, b) => a + b, 0);
      expect(Math.abs((learned.$exit ?? 0) - exit)).toBeLessThan(0.03);
    });
  });
});
