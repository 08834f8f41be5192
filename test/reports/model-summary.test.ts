import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import { hourAxis, modelSummaryJson, renderModelSummary, sparkline, topFlows } from '../../src/reports/model-summary.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { HOUR, OPTIONS, SEC, rec } from '../model/records.js';

/** 40 sessions: / → /api/products/:id → (cart | exit), most of them at 20:00. */
function model(): TrafficModel {
  const b = new ModelBuilder(OPTIONS);
  const records: LogRecord[] = [];
  for (let s = 0; s < 40; s++) {
    const at = (s < 30 ? 20 * HOUR : 9 * HOUR) + s * 60 * SEC;
    const client = `10.0.0.${s}`;
    records.push(rec({ at, client, path: '/', durationMs: 10, bytes: 1000 }));
    records.push(rec({ at: at + 5 * SEC, client, path: `/api/products/${s}`, durationMs: 40 + s, status: s % 8 === 0 ? 404 : 200 }));
    if (s % 2 === 0) records.push(rec({ at: at + 20 * SEC, client, method: 'POST', path: '/api/cart', durationMs: 80, status: 201 }));
  }
  records.sort((a, b) => a.timeMs - b.timeMs);
  for (const r of records) b.add(r);
  b.reject('bad timestamp', 'access.log:7');
  b.reject('bad timestamp', 'access.log:9');
  return b.finish();
}

describe('modelSummaryJson', () => {
  const summary = modelSummaryJson(model());

  it('lists the endpoint mix with status shares and latency', () => {
    expect(summary.endpoints.map((e) => [e.key, e.count, e.share])).toEqual([
      ['GET /', 40, 0.4],
      ['GET /api/products/:id', 40, 0.4],
      ['POST /api/cart', 20, 0.2],
    ]);
    expect(summary.endpoints[1]?.status).toEqual({ '2xx': 0.875, '4xx': 0.125 });
    expect(summary.endpoints[2]?.latencyP50Ms).toBe(80);
    expect(summary.moreEndpoints).toBe(0);
  });

  it('summarizes sessions, entries and flows', () => {
    expect(summary.sessions).toMatchObject({ count: 40, key: 'ip+ua', timeoutSec: 1800, length: { mean: 2.5, p50: 2.5 } });
    expect(summary.sessions.thinkTimeMs.p50).toBe(5000);
    expect(summary.topEntries).toEqual([{ key: 'GET /', share: 1 }]);
    expect(summary.topFlows).toEqual([
      { steps: ['GET /', 'GET /api/products/:id', '$exit'], share: 0.5 },
      { steps: ['GET /', 'GET /api/products/:id', 'POST /api/cart'], share: 0.5 },
    ]);
  });

  it('shows the hourly shape, the peak and the rejected lines', () => {
    expect(summary.hourly.sparkline).toHaveLength(24);
    expect(summary.hourly.sparkline[20]).toBe('█');
    expect(summary.hourly.sparkline[9]).toBe('▃');
    expect(summary.hourly.sparkline[0]).toBe(' ');
    expect(summary.peak).toMatchObject({ hourOfDay: 20, sessions: 30, requests: 75 });
    expect(summary.rejected).toEqual([{ reason: 'bad timestamp', count: 2, examples: ['access.log:7', 'access.log:9'] }]);
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

describe('renderModelSummary', () => {
  it('renders every section as text, without colour by default', () => {
    const text = renderModelSummary(model());
    for (const part of ['Endpoints (3)', 'GET /api/products/:id', '2xx 87.5% 4xx 12.5%', 'Sessions', '40 sessions', 'Top entry endpoints', 'Top flows', 'GET / → GET /api/products/:id → POST /api/cart', '(exit)', 'Hourly shape', 'Peak hour', '2026-11-27 20:00–21:00 UTC', 'Rejected lines', 'bad timestamp']) {
      expect(text).toContain(part);
    }
    expect(text).not.toContain('\x1b[');
    expect(text).toContain(`  ${sparkline(model().arrivals.hourly)}\n  ${hourAxis()}`);
  });

  it('uses ANSI colour when asked and keeps lines within the width', () => {
    expect(renderModelSummary(model(), { color: true })).toContain('\x1b[1m');
    const narrow = renderModelSummary(model(), { width: 60 });
    for (const line of narrow.split('\n').filter((l) => l.startsWith('  GET') || l.startsWith('  POST'))) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('copes with an empty model', () => {
    const text = renderModelSummary(new ModelBuilder(OPTIONS).finish());
    expect(text).toContain('0 requests');
    expect(text).toContain('(no traffic)');
  });
});

describe('helpers', () => {
  it('sparkline scales to the maximum, blank for zero', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▁▂▄█');
  });
  it('hour axis labels sit at their hours', () => {
    const axis = hourAxis();
    expect(axis).toHaveLength(24);
    expect(axis.indexOf('6')).toBe(6);
    expect(axis.indexOf('12')).toBe(12);
    expect(axis.indexOf('18')).toBe(18);
    expect(axis.indexOf('23')).toBe(22);
  });
  it('top flows are shares of sessions and add up to at most 1', () => {
    const flows = topFlows(model(), 100);
    expect(flows.reduce((s, f) => s + f.share, 0)).toBeCloseTo(1, 6);
  });
});

describe('static assets in the summary', () => {
  /** 10 page views, each with 3 assets (a stylesheet, a script, an image). */
  function withAssets(excludeStatic: boolean): TrafficModel {
    const b = new ModelBuilder({ ...OPTIONS, excludeStatic });
    for (let s = 0; s < 10; s++) {
      const at = s * 60 * SEC;
      const client = `10.0.1.${s}`;
      b.add(rec({ at, client, path: '/' }));
      for (const [i, path] of ['/site.css', '/app.js', '/logo.png'].entries()) b.add(rec({ at: at + 100 * (i + 1), client, path }));
    }
    return b.finish();
  }

  it('shows the share of static requests and endpoints', () => {
    expect(modelSummaryJson(withAssets(false)).static).toEqual({ share: 0.75, endpoints: 3, excluded: null });
    expect(renderModelSummary(withAssets(false))).toContain('  static assets: 75.0% of requests (3 endpoints)');
    expect(modelSummaryJson(model()).static).toEqual({ share: 0, endpoints: 0, excluded: null });
    expect(renderModelSummary(model())).not.toContain('static assets');
  });

  it('says when they were excluded at import', () => {
    expect(modelSummaryJson(withAssets(true)).static).toEqual({ share: 0, endpoints: 0, excluded: 30 });
    expect(renderModelSummary(withAssets(true))).toContain('  static assets: excluded at import (30 requests)');
  });
});
