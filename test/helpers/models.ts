import type { Distribution, TrafficModel } from '../../src/core/types.js';

export const dist = (quantiles: number[]): Distribution => ({
  count: 100,
  mean: quantiles.reduce((s, q) => s + q, 0) / quantiles.length,
  min: quantiles[0] as number,
  max: quantiles[quantiles.length - 1] as number,
  p50: quantiles[Math.floor(quantiles.length / 2)] as number,
  p90: 0,
  p95: 0,
  p99: 0,
  quantiles,
});

/** A small hand-made model: GET /a (60%), GET /b (30%), POST /c (10%); sessions of a few requests. */
export function smallModel(options: { thinkMs?: number[]; sessionsPerSec?: number } = {}): TrafficModel {
  const sessionsPerSec = options.sessionsPerSec ?? 1;
  return {
    schemaVersion: 1,
    span: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z', days: 1 },
    totals: { requests: 1000, rejected: 0, lines: 1000 },
    endpoints: [
      { key: 'GET /a', method: 'GET', template: '/a', count: 600, share: 0.6, statusClasses: { '2xx': 600 } },
      { key: 'GET /b', method: 'GET', template: '/b', count: 300, share: 0.3, statusClasses: { '2xx': 300 } },
      { key: 'POST /c', method: 'POST', template: '/c', count: 100, share: 0.1, statusClasses: { '2xx': 100 } },
    ],
    sessions: {
      count: 300,
      key: 'ip+ua',
      timeoutSec: 1800,
      length: dist([1, 2, 3, 4, 5]),
      durationSec: dist([0, 5, 10, 20]),
      thinkTimeMs: dist(options.thinkMs ?? [100, 200, 300]),
      entry: { 'GET /a': 1 },
      transitions: {
        'GET /a': { 'GET /b': 0.5, 'GET /a': 0.2, $exit: 0.3 },
        'GET /b': { 'POST /c': 0.3, $exit: 0.7 },
        'POST /c': { $exit: 1 },
      },
    },
    arrivals: {
      hourly: new Array(24).fill(1 / 24),
      sessionsPerHour: new Array(24).fill(sessionsPerSec * 3600),
      requestsPerHour: new Array(24).fill(sessionsPerSec * 3600 * 2),
      peak: { start: '2026-01-01T12:00:00.000Z', end: '2026-01-01T13:00:00.000Z', hourOfDay: 12, sessions: sessionsPerSec * 3600, requests: sessionsPerSec * 7200, sessionsPerSec, requestsPerSec: sessionsPerSec * 2, sessionsPerMinute: new Array(60).fill(sessionsPerSec * 60) },
      timeZone: 'UTC',
    },
    provenance: { tidemarkVersion: '0', sources: [], rejected: {}, options: {} },
  };
}
