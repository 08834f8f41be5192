import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/metrics/recorder.js';
import { escapeHtml, loadChartAssets, renderHtmlReport } from '../../src/reports/html.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import { seriesFromRecorder } from '../../src/reports/series.js';
import { evaluateThresholds } from '../../src/thresholds/evaluate.js';
import { parseThresholds } from '../../src/thresholds/parse.js';

const STAGES = [
  { name: 'ramp', startMs: 0, endMs: 3000 },
  { name: 'spike', startMs: 3000, endMs: 6000 },
];

/** A 6-second, two-stage run through the real recorder → thresholds → buildResults path. */
function fixture(options: { keys?: string[]; requests?: number; partial?: boolean; richSeries?: boolean } = {}): RunResults {
  const keys = options.keys ?? ['GET /api/products/:id', 'POST /api/checkout'];
  const recorder = new Recorder(0);
  const n = options.requests ?? 120;
  for (let i = 0; i < n; i++) {
    const intendedMs = i * 50;
    const stage = intendedMs < 3000 ? 'ramp' : 'spike';
    const error = stage === 'spike' && i % 4 === 0;
    const latencyMs = (stage === 'spike' ? 400 : 40) + (i % 7);
    recorder.record({ endpointKey: keys[i % keys.length] as string, stage, intendedMs, sentMs: intendedMs + 1, endMs: intendedMs + latencyMs, status: error ? 503 : 200, failure: null, bytes: 100 });
  }
  recorder.sessionsStarted = recorder.sessionsCompleted = Math.ceil(n / 3);
  const parsed = parseThresholds(['p95 < 300ms', 'error_rate < 1% in every 2s window', 'p99 < 2s in stage ramp', `success_rate > 99% for "${keys[0]}"`]);
  const thresholds = evaluateThresholds(parsed.thresholds, { recorder, elapsedMs: 6000, stages: STAGES });
  const results = buildResults({
    tidemarkVersion: '0.1.0',
    recorder,
    thresholds,
    target: 'http://127.0.0.1:8080',
    source: 'model.json',
    knobs: { mode: 'stages', scale: 3, speed: 1, window: 'peak', durationMs: 6000, seed: 1, warmStart: true, maxInFlight: 10_000, connections: null, description: '2 stage(s) of profile test' },
    stages: STAGES,
    startedAtWallMs: Date.UTC(2026, 0, 1, 12),
    endedAtWallMs: Date.UTC(2026, 0, 1, 12) + 6500,
    durationMs: 6000,
    targetSessionsPerSec: 5,
    meanSessionLength: 4,
    partial: options.partial ?? false,
    partialReason: options.partial ? 'threshold "error_rate < 1%" failed: aborted' : null,
    eventLoopDelayMs: { p50: 1, p99: 2, max: 3 },
  });
  // The series as results files have carried it from the start (p95 only), or extended.
  results.series = options.richSeries
    ? seriesFromRecorder(recorder, (s) => (s < 3 ? 10 : 20))
    : seriesFromRecorder(recorder).map(({ second, requests, errors, p95Ms }) => ({ second, requests, errors, p95Ms }));
  return results;
}

/** The chart data embedded in the page. */
function embedded(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="tidemark-data">([^<]*)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse((m as RegExpExecArray)[1] as string);
}

describe('renderHtmlReport', () => {
  const results = fixture();
  const html = renderHtmlReport(results);

  it('is one complete document with uPlot and its stylesheet inlined', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    const assets = loadChartAssets();
    expect(html).toContain(assets.js.slice(0, 200));
    expect(html).toContain(assets.css.slice(0, 100));
    expect(html).toContain('<meta charset="utf-8">');
    for (const id of ['chart-latency', 'chart-rate', 'chart-errors']) expect(html).toContain(`<div class="chart" id="${id}"></div>`);
    // Three script elements (uPlot, the data, ours), and nothing closes one early.
    expect(html.match(/<script[\s>]/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('refers to no URL outside the file: no src/href/url() to http(s), no <link>, no external script', () => {
    const refs = [...html.matchAll(/\b(?:src|href|action|poster|srcset)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]);
    expect(refs.filter((r) => /^(https?:)?\/\//i.test(r ?? ''))).toEqual([]);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<(iframe|img|object|embed)\b/i);
    // The target URL is shown, as text only.
    expect(html).toContain('<td>http://127.0.0.1:8080</td>');
  });

  it('shows the thresholds with ✓/✗ and their actual values', () => {
    const section = html.slice(html.indexOf('<section id="thresholds">'), html.indexOf('<section id="latency">'));
    const rows = [...section.matchAll(/<tr><td>(.*?)<\/td><td><code>(.*?)<\/code><\/td><td class="n">(.*?)<\/td>/g)].map((m) => [m[1]?.includes('✓') ? '✓' : '✗', m[2], m[3]]);
    expect(rows).toEqual(results.thresholds.map((t) => [t.ok ? '✓' : '✗', escapeHtml(t.expression), escapeHtml(t.actualText)]));
    expect(rows.some((r) => r[0] === '✓')).toBe(true);
    expect(rows.some((r) => r[0] === '✗')).toBe(true);
    expect(html).toContain('<span class="bad">FAIL</span>');
  });

  it('has the per-endpoint table, the per-stage table and the knobs', () => {
    for (const e of results.endpoints) expect(html).toContain(`<code>${escapeHtml(e.key)}</code></td><td class="n">${e.count}</td>`);
    expect(html).toContain('<b>all</b></td><td class="n">120</td>');
    expect(html).toContain('Per stage and endpoint');
    expect(html).toMatch(/<tr><th>scale<\/th><td>3× /);
    expect(html).toMatch(/<tr><th>seed<\/th><td>1<\/td>/);
    expect(html).toMatch(/<tr><th>duration<\/th><td>6s<\/td>/);
  });

  it('embeds the per-second series, stage bands and latency threshold lines for the charts', () => {
    const data = embedded(html);
    expect(data.seconds).toEqual([0, 1, 2, 3, 4, 5]);
    expect(data.requests).toEqual([20, 20, 20, 20, 20, 20]);
    expect(data.errors).toEqual([0, 0, 0, 5, 5, 5]);
    expect(data.errorRate).toEqual([0, 0, 0, 25, 25, 25]);
    expect(data.p50).toBeNull(); // a p95-only series charts p95 alone
    expect((data.p95 as number[]).every((v) => v > 0)).toBe(true);
    expect(data.target).toBeNull();
    expect(data.targetMean).toBe(20);
    expect(data.stages).toEqual([
      { name: 'ramp', startSec: 0, endSec: 3 },
      { name: 'spike', startSec: 3, endSec: 6 },
    ]);
    expect(data.latencyLines).toEqual([
      { label: 'p95 < 300ms', ms: 300, fromSec: 0, toSec: 6, ok: false },
      { label: 'p99 < 2s in stage ramp', ms: 2000, fromSec: 0, toSec: 3, ok: true },
    ]);
    expect(html).toContain('This results file has only p95 per second.');
  });

  it('charts p50/p99 and the target per second when the series has them', () => {
    const rich = renderHtmlReport(fixture({ richSeries: true }));
    const data = embedded(rich);
    const [p50, p95, p99] = [data.p50, data.p95, data.p99] as number[][];
    expect(p50).toHaveLength(6);
    p50?.forEach((v, i) => {
      expect(v).toBeLessThanOrEqual(p95?.[i] as number);
      expect(p95?.[i]).toBeLessThanOrEqual(p99?.[i] as number);
    });
    expect(data.target).toEqual([10, 10, 10, 20, 20, 20]);
    expect(rich).not.toContain('only p95 per second');
  });

  it('draws no target line for a closed-model run (its target is users, not a rate)', () => {
    const users = { ...results, knobs: { ...results.knobs, mode: 'users' as const }, rate: { ...results.rate, targetSessionsPerSec: 0, targetPerSec: 0 } };
    const page = renderHtmlReport(users);
    expect(embedded(page).targetMean).toBeNull();
    expect(page).toContain('<div class="k">achieved</div><div class="v">20.0 req/s</div>');
  });

  it('compares the model mix with what was sent (total variation distance)', () => {
    const noMix = html.slice(html.indexOf('<section id="mix">'));
    expect(noMix).toContain('tidemark report --model model.json');
    const withMix = renderHtmlReport(results, { modelMix: { 'GET /api/products/:id': 0.7, 'POST /api/checkout': 0.2, 'GET /': 0.1 } });
    // Sent: 50% / 50% / 0%, so TVD = ½(0.2 + 0.3 + 0.1) = 0.3.
    expect(withMix).toContain('what was sent: <b>0.300</b>');
    expect(withMix).toMatch(/<code>GET \/<\/code><\/td><td>.*?10\.0%<\/td><td>.*?0\.0%<\/td><td class="n">−10\.0 pp<\/td>/);
    expect(withMix).toMatch(/<code>POST \/api\/checkout<\/code><\/td>.*?\+30\.0 pp/);
    // A mix stored in the results file is used when none is given.
    const stored = { ...results, modelMix: { 'GET /api/products/:id': 0.5, 'POST /api/checkout': 0.5 } } as RunResults;
    expect(renderHtmlReport(stored)).toContain('what was sent: <b>0.000</b>');
  });

  it('shows a banner on a partial run, none otherwise', () => {
    expect(html).not.toContain('class="banner partial"');
    const partial = renderHtmlReport(fixture({ partial: true }));
    expect(partial).toContain('<div class="banner partial" role="alert">Partial run: threshold &quot;error_rate &lt; 1%&quot; failed: aborted.');
  });

  it('escapes what came from logs and profiles, in the page and in the embedded data', () => {
    const evil = 'GET /</script><script src="https://evil.example/x.js"></script>';
    const page = renderHtmlReport(fixture({ keys: [evil, 'GET /ok'] }));
    expect(page).not.toContain('<script src="https://evil.example');
    expect(page).toContain('&lt;/script&gt;&lt;script src=&quot;https://evil.example/x.js&quot;&gt;');
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    expect(embedded(page).latencyLines).toHaveLength(2);
  });

  it('is deterministic: the same results render the same bytes', () => {
    expect(renderHtmlReport(fixture())).toBe(html);
    expect(renderHtmlReport(JSON.parse(JSON.stringify(results)))).toBe(html);
  });

  it('renders a run that measured nothing', () => {
    const empty = renderHtmlReport(fixture({ requests: 0 }));
    expect(embedded(empty).seconds).toEqual([]);
    expect(empty).toContain('No requests were measured.');
  });

  it('uses the chart assets it is given', () => {
    const page = renderHtmlReport(results, { assets: { js: 'window.uPlot = function () {}; // </script> inside', css: '.u{}' } });
    expect(page).toContain('window.uPlot = function () {}; // <\\/script> inside');
    expect(page.length).toBeLessThan(html.length);
  });
});
