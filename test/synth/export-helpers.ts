import type { Distribution, TrafficModel } from '../../src/core/types.js';
import type { ExportInput, ExportSegment } from '../../src/synth/export-k6.js';
import { parseThreshold } from '../../src/thresholds/parse.js';

export const dist = (quantiles: number[], count = 100): Distribution => ({
  count,
  mean: quantiles.reduce((s, q) => s + q, 0) / quantiles.length,
  min: quantiles[0] as number,
  max: quantiles[quantiles.length - 1] as number,
  p50: quantiles[Math.floor(quantiles.length / 2)] as number,
  p90: 0,
  p95: 0,
  p99: 0,
  quantiles,
});

/**
 * A shop: home → list (0.7) or exit; list → item (0.5), list (0.2), exit; item → login (0.3)
 * or exit; login → checkout (1); checkout → exit. Visits per session: home 1, list 0.875,
 * item 0.4375, login 0.13125, checkout 0.13125 (2.575 requests per session).
 */
export function shopModel(): TrafficModel {
  const counts: [string, number][] = [
    ['GET /', 1000],
    ['GET /list', 875],
    ['GET /items/:id', 437.5],
    ['POST /login', 131.25],
    ['POST /checkout', 131.25],
  ];
  const total = counts.reduce((s, [, c]) => s + c, 0) + 10;
  return {
    schemaVersion: 1,
    span: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z', days: 1 },
    totals: { requests: total, rejected: 0, lines: total },
    endpoints: [
      ...counts.map(([key, count]) => {
        const [method, template] = key.split(' ') as [string, string];
        return { key, method, template, count, share: count / total, statusClasses: {}, ...(template.includes(':id') ? { params: { ':id': ['7', '8', 'a b'] } } : {}) };
      }),
      { key: 'GET /:other', method: 'GET', template: '/:other', count: 10, share: 10 / total, statusClasses: {} },
    ],
    sessions: {
      count: 1000,
      key: 'ip+ua',
      timeoutSec: 1800,
      length: dist([1, 2, 3, 4, 5]),
      durationSec: dist([0, 10, 20, 30, 40]),
      thinkTimeMs: dist([1000, 2000, 3000]),
      entry: { 'GET /': 1 },
      transitions: {
        'GET /': { 'GET /list': 0.7, $exit: 0.3 },
        'GET /list': { 'GET /items/:id': 0.5, 'GET /list': 0.2, $exit: 0.3 },
        'GET /items/:id': { 'POST /login': 0.3, 'GET /:other': 0.1, $exit: 0.6 },
        'POST /login': { 'POST /checkout': 1 },
        'POST /checkout': { $exit: 1 },
      },
    },
    arrivals: {
      hourly: new Array(24).fill(1 / 24),
      sessionsPerHour: Array.from({ length: 24 }, (_, h) => (h === 20 ? 7200 : 3600)),
      requestsPerHour: new Array(24).fill(9000),
      peak: { start: '2026-01-01T20:00:00.000Z', end: '2026-01-01T21:00:00.000Z', hourOfDay: 20, sessions: 7200, requests: 18000, sessionsPerSec: 2, requestsPerSec: 5, sessionsPerMinute: new Array(60).fill(120) },
      timeZone: 'UTC',
    },
    provenance: { tidemarkVersion: 'test', sources: [], rejected: {}, options: {} },
  };
}

export function exportInput(overrides: Partial<ExportInput> = {}): ExportInput {
  const segments: ExportSegment[] = [
    { startMs: 0, endMs: 60_000, fromPerSec: 2, toPerSec: 2, stage: 'warm' },
    { startMs: 60_000, endMs: 120_000, fromPerSec: 2, toPerSec: 6, stage: 'ramp' },
    { startMs: 120_000, endMs: 150_000, fromPerSec: 12, toPerSec: 12, stage: 'spike' },
  ];
  return {
    model: shopModel(),
    segments,
    speed: 2,
    target: 'http://127.0.0.1:8080',
    thresholds: ['p95 < 500ms', 'error_rate < 1%', 'success_rate > 99% for "POST /checkout"', 'p99 < 2s in stage spike', 'error_rate < 5% in every 10s window'].map((t) => parseThreshold(t)),
    requests: {
      'POST /login': { json: { user: 'u${int(1,9)}', password: '${uuid}' }, capture: { token: 'json:token' } },
      'POST /checkout': { json: { item: '${param.id}', count: '${int(2,2)}' } },
    },
    defaultHeaders: { authorization: 'Bearer ${var.token}' },
    description: 'test shape',
    source: 'model.json',
    tidemarkVersion: 'test',
    ...overrides,
  };
}
