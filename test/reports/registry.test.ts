import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/commands/write-output.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { renderHtmlReport } from '../../src/reports/html.js';
import { renderJunit } from '../../src/reports/junit.js';
import { REPORTER_NAMES, REPORTERS, renderReport } from '../../src/reports/registry.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import { renderSeriesNdjson } from '../../src/reports/series.js';
import { renderRunSummary } from '../../src/reports/terminal.js';

function results(): RunResults {
  const recorder = new Recorder(0);
  for (let i = 0; i < 30; i++) {
    recorder.record({ endpointKey: i % 2 ? 'GET /' : 'GET /api/cart', stage: 'main', intendedMs: i * 100, sentMs: i * 100, endMs: i * 100 + 30, status: i === 7 ? 500 : 200, failure: null, bytes: 10 });
  }
  return buildResults({
    tidemarkVersion: '0.1.0',
    recorder,
    thresholds: [{ expression: 'error_rate < 1%', ok: false, actual: 1 / 30, actualText: '3.33%', abortOnFail: false }],
    target: 'http://127.0.0.1:9',
    source: 'model.json',
    knobs: { mode: 'model', scale: 2, speed: 1, window: 'peak', durationMs: 3000, seed: 1, warmStart: true, maxInFlight: 100, connections: null, description: 'peak hour' },
    stages: [{ name: 'main', startMs: 0, endMs: 3000 }],
    startedAtWallMs: Date.UTC(2026, 0, 1),
    endedAtWallMs: Date.UTC(2026, 0, 1) + 3000,
    durationMs: 3000,
    targetSessionsPerSec: 2,
    meanSessionLength: 5,
    partial: false,
    partialReason: null,
    eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
  });
}

describe('the reporters registry', () => {
  const r = results();

  it('lists every report once, each with its extension and media type', () => {
    expect(REPORTER_NAMES).toEqual(['terminal', 'json', 'html', 'junit', 'series']);
    expect(Object.fromEntries(REPORTER_NAMES.map((n) => [n, REPORTERS[n].extension]))).toEqual({
      terminal: '.txt',
      json: '.json',
      html: '.html',
      junit: '.xml',
      series: '.ndjson',
    });
    for (const name of REPORTER_NAMES) {
      expect(REPORTERS[name].contentType).toMatch(/^(text|application)\//);
      expect(REPORTERS[name].description.length).toBeGreaterThan(10);
    }
  });

  it('renders with the same functions the run uses', () => {
    expect(renderReport('terminal', r)).toBe(renderRunSummary(r, { color: false }));
    expect(renderReport('terminal', r, { color: true })).toBe(renderRunSummary(r, { color: true }));
    expect(renderReport('json', r)).toBe(toJson(r));
    expect(renderReport('html', r)).toBe(renderHtmlReport(r));
    expect(renderReport('html', r, { modelMix: { 'GET /': 1 } })).toBe(renderHtmlReport(r, { modelMix: { 'GET /': 1 } }));
    expect(renderReport('junit', r)).toBe(renderJunit(r));
    expect(renderReport('series', r)).toBe(renderSeriesNdjson(r));
  });

  it('every reporter returns text a file can hold', () => {
    for (const name of REPORTER_NAMES) {
      const text = REPORTERS[name].render(r, {});
      expect(typeof text).toBe('string');
      expect(text.length).toBeGreaterThan(50);
      expect(text.endsWith('\n')).toBe(true);
    }
    expect(JSON.parse(renderReport('json', r))).toEqual(JSON.parse(JSON.stringify(r)));
  });
});
