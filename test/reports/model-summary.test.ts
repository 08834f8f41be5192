import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import { briefSentences, hourAxis, modelSummaryJson, renderBrief, renderModelSummary, sparkline, topFlows } from '../../src/reports/model-summary.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { HOUR, OPTIONS, SEC, rec } from '../model/records.js';
import { smallModel } from '../helpers/models.js';

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

describe('briefSentences (inspect --brief)', () => {
  it('says the span, the peak, the mix, the sessions and the entry of a small model', () => {
    expect(briefSentences(smallModel())).toEqual([
      'The log covers 1 day (2026-01-01 00:00 to 2026-01-02 00:00 UTC): 1,000 requests in 300 sessions.',
      'Traffic peaks at 12:00 UTC at 2.0 requests/s (on Thursday 2026-01-01).',
      '60% of requests are GET /a, 30% GET /b and 10% POST /c.',
      'A session makes 3.0 requests over 8.8 s on average.',
      '100% of sessions start at GET /a.',
    ]);
    expect(renderBrief(smallModel())).toBe(`${briefSentences(smallModel()).join(' ')}\n`);
  });

  it('adds the weekday pattern when whole weekdays are known, and the concurrency', () => {
    const model = smallModel({ sessionsPerSec: 0.25 });
    model.span = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T23:59:59.000Z', days: 2 };
    const cells = (perHour: Record<number, number>): (number | null)[] => Array.from({ length: 168 }, (_, i) => perHour[Math.floor(i / 24)] ?? null);
    model.arrivals.requestsPerWeekdayHour = cells({ 3: 50, 4: 30 });
    model.arrivals.sessionsPerWeekdayHour = cells({ 3: 20, 4: 10 });
    model.arrivals.concurrency = { mean: 2.5, peak: 9, peakAt: '2026-01-01T12:07:00.000Z', littlesLaw: { arrivalRatePerSec: 0.25, meanDurationSec: 8.75, predicted: 2.188, observed: 2.4, ratio: 1.0969 } };
    model.endpoints[2] = { ...(model.endpoints[2] as TrafficModel['endpoints'][number]), share: 0.004 };
    expect(briefSentences(model)).toEqual([
      'The log covers 2 days (2026-01-01 00:00 to 2026-01-02 23:59 UTC): 1,000 requests in 300 sessions.',
      'Traffic peaks at 12:00 UTC at 0.5 requests/s (on Thursday 2026-01-01).',
      '60% of requests are GET /a and 30% GET /b.',
      'A session makes 3.0 requests over 8.8 s on average.',
      '100% of sessions start at GET /a.',
      'Of the 2 weekdays the log covers in full, Thursday is the busiest (1,200 requests a day) and Friday the quietest (720).',
      'About 2.5 sessions are in flight on average, 9.0 at the busiest minute (12:07 UTC on 2026-01-01).',
      "At the peak hour, Little's law predicts 2.2 in flight (0.25 sessions/s × 8.8 s); 2.4 were observed.",
    ]);
  });

  it('speaks the model’s time zone and leaves out weekdays it has not seen whole', () => {
    const model = smallModel();
    model.arrivals.timeZone = 'America/New_York';
    model.arrivals.peak.localStart = '2026-01-01T07:00:00.000-05:00';
    model.arrivals.peak.hourOfDay = 7;
    model.arrivals.requestsPerWeekdayHour = Array.from({ length: 168 }, (_, i) => (i >= 72 && i < 96 ? 40 : i === 100 ? 3 : null));
    const sentences = briefSentences(model);
    expect(sentences[0]).toBe('The log covers 1 day (2025-12-31 19:00 to 2026-01-01 19:00 America/New_York): 1,000 requests in 300 sessions.');
    expect(sentences[1]).toBe('Traffic peaks at 07:00 America/New_York at 2.0 requests/s (on Thursday 2026-01-01).');
    expect(sentences.some((x) => x.includes('weekdays'))).toBe(false);
  });

  it('says so when the model is empty', () => {
    expect(briefSentences(new ModelBuilder(OPTIONS).finish())).toEqual(['The log has no requests.']);
  });
});

describe('weekday pattern and concurrency in inspect', () => {
  it('shows a row per weekday seen and the concurrency with Little’s law', () => {
    const b = new ModelBuilder(OPTIONS);
    // Friday and Saturday from 00:00 (T0 is a Friday): a session of two requests 30 s apart every 10 minutes, more on Saturday.
    for (let m = 0; m < 2 * 24 * 60; m += 10) {
      const n = m >= 24 * 60 ? 2 : 1;
      for (let k = 0; k < n; k++) {
        b.add(rec({ at: m * 60 * SEC + k * SEC, client: `10.3.${m}.${k}` }));
        b.add(rec({ at: m * 60 * SEC + k * SEC + 30 * SEC, client: `10.3.${m}.${k}` }));
      }
    }
    b.add(rec({ at: 48 * HOUR - SEC, client: '10.4.0.1' }));
    const m = b.finish();
    const s = modelSummaryJson(m);
    expect(s.weekdays?.map((d) => d.requestsPerDay)).toEqual([null, null, null, null, 288, 577, null]);
    expect(s.concurrency?.littlesLaw.meanDurationSec).toBeCloseTo(30, 0);
    const text = renderModelSummary(m);
    expect(text).toContain('Weekly shape');
    expect(text).toMatch(/\n {2}Fri [▁-█]{24} {2}288 requests\/day\n {2}Sat [▁-█]{24} {2}577 requests\/day\n/);
    expect(text).not.toContain('  Mon ');
    expect(text).toContain('Concurrency');
    expect(text).toMatch(/Little's law at the peak hour: 0\.\d+ sessions\/s × 29\.9s = [\d.]+ predicted, [\d.]+ observed \(ratio [\d.]+\)/);
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
