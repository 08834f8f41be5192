import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatDurationMs } from '../core/duration.js';
import { TidemarkError } from '../core/errors.js';
import { parseThreshold } from '../thresholds/parse.js';
import type { EndpointResult, RunResults } from './results.js';
import { seriesOf } from './series.js';
import { fmtMs, fmtPct } from './table.js';

/**
 * `--html`: one self-contained HTML file that works offline (a CI artifact, an e-mail
 * attachment). The chart library (uPlot) is inlined, the data is embedded as JSON, and nothing
 * refers to another URL. Rendering is a pure function of the results (no clock, no host name),
 * so `tidemark report` rebuilds the same bytes from results.json.
 */

/** The chart library's script and stylesheet, inlined into every report. */
export interface ChartAssets {
  js: string;
  css: string;
}

export interface HtmlReportOptions {
  /** The model's endpoint mix (key → share, summing to 1), to compare with what was sent. */
  modelMix?: Record<string, number> | undefined;
  /** uPlot's code; read from node_modules when not given (tests may pass a stub). */
  assets?: ChartAssets | undefined;
}

let cachedAssets: ChartAssets | undefined;

/** Reads uPlot's minified IIFE build and stylesheet from the installed package (once). */
export function loadChartAssets(): ChartAssets {
  if (cachedAssets) return cachedAssets;
  const require = createRequire(import.meta.url);
  try {
    cachedAssets = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  } catch (cause) {
    throw new TidemarkError('E_IO', `cannot read the chart library uPlot: ${(cause as Error).message}`, {
      hint: 'the installation is incomplete: reinstall tidemark (npm ci)',
      cause,
    });
  }
  return cachedAssets;
}

/** Results as older or newer files may have them: the model's mix may be stored with the run. */
type ResultsWithMix = RunResults & { modelMix?: Record<string, number> };

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Text safe inside <script> or <style>: no closing tag can end the element early. */
const inlineSafe = (code: string, tag: 'script' | 'style'): string => code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');

/** JSON for a <script type="application/json"> block; `<` escaped so the data cannot close it. */
const embedJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const pct1 = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;
const num = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** What the page's script charts. Seconds are run seconds (by intended send time). */
interface ChartData {
  seconds: number[];
  p50: (number | null)[] | null;
  p95: (number | null)[];
  p99: (number | null)[] | null;
  requests: number[];
  errors: number[];
  errorRate: (number | null)[];
  target: number[] | null;
  /** The run's mean target rate, drawn flat when there is no per-second target; null when the run had none (closed model). */
  targetMean: number | null;
  durationSec: number;
  stages: { name: string; startSec: number; endSec: number }[];
  /** Latency thresholds drawn as dashed lines: value in ms, over a stage's span or the whole run. */
  latencyLines: { label: string; ms: number; fromSec: number; toSec: number; ok: boolean }[];
}

function chartData(results: RunResults): ChartData {
  const series = seriesOf(results);
  const has = (field: 'p50Ms' | 'p99Ms' | 'targetPerSec'): boolean => series.length > 0 && series.every((p) => typeof p[field] === 'number');
  // A second without requests has no latency: a gap, not a zero.
  const latency = (field: 'p50Ms' | 'p95Ms' | 'p99Ms'): (number | null)[] => series.map((p) => (p.requests > 0 ? (p[field] ?? null) : null));
  const durationSec = results.knobs.durationMs / 1000;
  const latencyLines: ChartData['latencyLines'] = [];
  for (const t of results.thresholds) {
    let parsed;
    try {
      parsed = parseThreshold(t.expression);
    } catch {
      continue;
    }
    if (parsed.stat.kind !== 'percentile' || parsed.endpoint !== undefined) continue;
    const spans = parsed.stage ? results.stages.filter((s) => s.name === parsed.stage) : [{ startMs: 0, endMs: results.knobs.durationMs }];
    for (const span of spans) latencyLines.push({ label: t.expression, ms: parsed.value, fromSec: span.startMs / 1000, toSec: span.endMs / 1000, ok: t.ok });
  }
  return {
    seconds: series.map((p) => p.second),
    p50: has('p50Ms') ? latency('p50Ms') : null,
    p95: latency('p95Ms'),
    p99: has('p99Ms') ? latency('p99Ms') : null,
    requests: series.map((p) => p.requests),
    errors: series.map((p) => p.errors),
    errorRate: series.map((p) => (p.requests > 0 ? Math.round((p.errors / p.requests) * 10000) / 100 : null)),
    target: has('targetPerSec') ? series.map((p) => p.targetPerSec as number) : null,
    targetMean: results.knobs.mode === 'users' || !(results.rate.targetPerSec > 0) ? null : results.rate.targetPerSec,
    durationSec,
    stages: results.stages.map((s) => ({ name: s.name, startSec: s.startMs / 1000, endSec: s.endMs / 1000 })),
    latencyLines,
  };
}

function table(header: string[], rows: string[][], numeric: boolean[] = [], cls = ''): string {
  const th = header.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${escapeHtml(h)}</th>`).join('');
  // Cells are pre-escaped HTML (some carry marks or bars).
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function statusText(classes: Record<string, number>, failures: Record<string, number>): string {
  const parts = [...Object.entries(classes).sort(), ...Object.entries(failures).sort()].map(([k, v]) => `${k} ${v}`);
  return escapeHtml(parts.join(', ') || '–');
}

function endpointRows(entries: EndpointResult[], durationSec: number, withStage: boolean): string[][] {
  return entries.map((e) => [
    ...(withStage ? [escapeHtml(e.stage ?? '')] : []),
    `<code>${escapeHtml(e.key)}</code>`,
    String(e.count),
    num(durationSec > 0 ? e.count / durationSec : 0, 2),
    e.errors ? `${e.errors} (${fmtPct(e.errors / Math.max(1, e.count))})` : '0',
    fmtMs(e.latencyMs.p50),
    fmtMs(e.latencyMs.p90),
    fmtMs(e.latencyMs.p95),
    fmtMs(e.latencyMs.p99),
    fmtMs(e.latencyMs.max),
    fmtMs(e.serviceLatencyMs.p95),
    statusText(e.statusClasses, e.failures),
  ]);
}

const ENDPOINT_HEADER = ['endpoint', 'count', 'req/s', 'errors', 'p50', 'p90', 'p95', 'p99', 'max', 'p95 (actual send)', 'status'];
const ENDPOINT_NUMERIC = [false, true, true, true, true, true, true, true, true, true, false];

function mixSection(results: RunResults, modelMix: Record<string, number> | undefined): string {
  const total = Math.max(1, results.totals.requests);
  const sent = new Map(results.endpoints.map((e) => [e.key, e.count / total]));
  const keys = new Set([...Object.keys(modelMix ?? {}), ...sent.keys()]);
  const bar = (share: number, cls: string): string => `<span class="bar ${cls}" style="width:${Math.min(100, share * 100).toFixed(1)}%"></span>`;
  const rows = [...keys]
    .map((key) => ({ key, model: modelMix?.[key] ?? 0, sent: sent.get(key) ?? 0 }))
    .sort((a, b) => b.model - a.model || b.sent - a.sent || a.key.localeCompare(b.key))
    .map((r) => {
      const cells = [`<code>${escapeHtml(r.key)}</code>`];
      if (modelMix) cells.push(`<div class="bars">${bar(r.model, 'model')}</div>`, pct1(r.model));
      cells.push(`<div class="bars">${bar(r.sent, 'sent')}</div>`, pct1(r.sent));
      if (modelMix) {
        const diff = (r.sent - r.model) * 100;
        cells.push(`${diff >= 0 ? '+' : '−'}${Math.abs(diff).toFixed(1)} pp`);
      }
      return cells;
    });
  if (!modelMix) {
    return `<p class="note">The model's mix is not in this results file; <code>tidemark report --model model.json</code> adds it.</p>\n${table(['endpoint', 'sent', ''], rows, [false, false, true], 'mix')}`;
  }
  let tvd = 0;
  for (const key of keys) tvd += Math.abs((modelMix[key] ?? 0) - (sent.get(key) ?? 0));
  tvd /= 2;
  return (
    `<p>Total variation distance between the model's mix and what was sent: <b>${tvd.toFixed(3)}</b> ` +
    `(0 is identical; short runs send few sessions, so expect some distance).</p>\n` +
    table(['endpoint', 'model', '', 'sent', '', 'difference'], rows, [false, false, true, false, true, true], 'mix')
  );
}

function thresholdSection(results: RunResults): string {
  if (results.thresholds.length === 0) return '<p class="note">This run had no thresholds.</p>';
  const rows = results.thresholds.map((t) => [
    t.ok ? '<span class="ok" title="passed">✓</span>' : '<span class="bad" title="failed">✗</span>',
    `<code>${escapeHtml(t.expression)}</code>`,
    escapeHtml(t.actualText),
    t.abortOnFail ? 'yes' : 'no',
  ]);
  return table(['', 'threshold', 'actual', 'aborts the run'], rows, [false, false, true, false], 'thresholds');
}

function knobsSection(results: RunResults): string {
  const { knobs, rate, totals } = results;
  const o = results.overall;
  const rows: [string, string][] = [
    ['target', escapeHtml(results.target)],
    ['source', escapeHtml(results.source)],
    ['played', escapeHtml(knobs.description)],
    ['mode', escapeHtml(knobs.mode)],
    ['scale', `${knobs.scale}× (sessions arrive ${knobs.scale} times as often; think times stay real)`],
    ['speed', `${knobs.speed}× (clock compression)`],
    ['window', escapeHtml(knobs.window)],
    ['duration', formatDurationMs(knobs.durationMs)],
    ['seed', String(knobs.seed)],
    ...(knobs.segment ? ([['segment', `${escapeHtml(knobs.segment)} (this process played one share of a shared schedule)`]] as [string, string][]) : []),
    ['warm start', knobs.warmStart ? 'yes' : 'no'],
    ['max in flight', String(knobs.maxInFlight)],
    ['connections', knobs.connections === null ? 'unlimited' : String(knobs.connections)],
    ['rate', `target ${rate.targetPerSec.toFixed(2)} req/s (${rate.targetSessionsPerSec.toFixed(3)} sessions/s), achieved ${rate.achievedPerSec.toFixed(2)} req/s`],
    [
      'sessions',
      `${totals.sessionsStarted} started, ${totals.sessionsCompleted} completed, ${totals.dropped} dropped (in-flight cap), ${totals.cutOff} requests cut off at the end` +
        (totals.skipped ? `, ${totals.skipped} requests skipped (a value they need was never captured)` : ''),
    ],
    ['latency', `from intended send p95 ${fmtMs(o.latencyMs.p95)} · from actual send p95 ${fmtMs(o.serviceLatencyMs.p95)}`],
    ['scheduler lag', `p50 ${fmtMs(results.schedulerLagMs.p50)}, p99 ${fmtMs(results.schedulerLagMs.p99)}, max ${fmtMs(results.schedulerLagMs.max)}`],
    ['event-loop delay', `p50 ${fmtMs(results.eventLoopDelayMs.p50)}, p99 ${fmtMs(results.eventLoopDelayMs.p99)}, max ${fmtMs(results.eventLoopDelayMs.max)}`],
    ['run', `${escapeHtml(results.startedAt)} → ${escapeHtml(results.endedAt)} · tidemark ${escapeHtml(results.tidemarkVersion)}`],
  ];
  return `<table class="kv"><tbody>\n${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table>`;
}

function cardsSection(results: RunResults): string {
  const { totals, rate } = results;
  const failed = results.thresholds.filter((t) => !t.ok).length;
  const cards: [string, string, string][] = [
    ['verdict', results.verdict === 'pass' ? 'PASS' : 'FAIL', results.verdict === 'pass' ? 'ok' : 'bad'],
    ['thresholds', `${results.thresholds.length - failed}/${results.thresholds.length} passed`, failed ? 'bad' : 'ok'],
    ['requests', String(totals.requests), ''],
    rate.targetPerSec > 0 ? ['achieved / target', `${rate.achievedPerSec.toFixed(1)} / ${rate.targetPerSec.toFixed(1)} req/s`, ''] : ['achieved', `${rate.achievedPerSec.toFixed(1)} req/s`, ''],
    ['p95 (intended send)', fmtMs(results.overall.latencyMs.p95), ''],
    ['errors', totals.requests ? fmtPct(totals.errors / totals.requests) : '–', totals.errors ? 'bad' : ''],
    ['dropped sessions', String(totals.dropped), totals.dropped ? 'bad' : ''],
  ];
  return `<div class="cards">${cards.map(([k, v, cls]) => `<div class="card${cls ? ` ${cls}` : ''}"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(v)}</div></div>`).join('')}</div>`;
}

const STYLE = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#dfe3ea;--ok:#1a7f37;--bad:#cf222e;--model:#8c6bd6;--sent:#2f81f7}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:var(--muted);margin:0 0 14px;word-break:break-all}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.partial{background:#fff4d6;border:1px solid #e3b341;color:#6b4a00}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:140px}
.card .k{color:var(--muted);font-size:12px}.card .v{font-size:20px;font-weight:650}
.card.ok .v,.ok{color:var(--ok)}.card.bad .v,.bad{color:var(--bad)}
.ok,.bad{font-weight:700;font-size:16px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:14px 0}
section h2{margin-top:0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th{width:160px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.note{color:var(--muted)}
.bars{width:220px;background:#f0f2f5;border-radius:3px;height:12px}
.bar{display:block;height:12px;border-radius:3px}.bar.model{background:var(--model)}.bar.sent{background:var(--sent)}
.chart{min-height:60px;margin-top:6px}
.chart .empty{color:var(--muted);padding:20px 0}
details summary{cursor:pointer;color:var(--muted)}
`;

/**
 * The page's own script: three uPlot charts from the embedded data, with the stages drawn as
 * bands behind the series and latency thresholds as dashed lines.
 */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('tidemark-data').textContent);
  var dpr = window.devicePixelRatio || 1;
  function clock(s) { s = Math.round(s); var m = Math.floor(s / 60), r = s - m * 60; return m + ':' + (r < 10 ? '0' : '') + r; }
  // Ticks on whole seconds (then round minutes), so no two ticks read the same m:ss.
  var xIncrs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
  function xAxis() { return { label: 'run time (m:ss, by intended send)', incrs: xIncrs, values: function (u, splits) { return splits.map(clock); } }; }
  function stageBands() {
    var palette = ['rgba(47,129,247,0.06)', 'rgba(140,107,214,0.10)'];
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, left = u.bbox.left, right = left + u.bbox.width;
          ctx.save();
          data.stages.forEach(function (s, i) {
            var x0 = Math.max(left, u.valToPos(s.startSec, 'x', true)), x1 = Math.min(right, u.valToPos(s.endSec, 'x', true));
            if (x1 <= x0) return;
            ctx.fillStyle = palette[i % 2];
            ctx.fillRect(x0, top, x1 - x0, h);
          });
          ctx.restore();
        }],
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, left = u.bbox.left, right = left + u.bbox.width;
          ctx.save();
          ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
          ctx.fillStyle = '#5b6475';
          ctx.textAlign = 'left';
          ctx.textBaseline = 'top';
          data.stages.forEach(function (s) {
            var x0 = Math.max(left, u.valToPos(s.startSec, 'x', true)), x1 = Math.min(right, u.valToPos(s.endSec, 'x', true));
            if (x1 - x0 < 30 * dpr) return;
            ctx.fillText(s.name, x0 + 4 * dpr, top + 3 * dpr);
            ctx.strokeStyle = 'rgba(91,100,117,0.35)';
            ctx.beginPath(); ctx.moveTo(x0, top); ctx.lineTo(x0, top + u.bbox.height); ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
  }
  function thresholdLines(lines) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([6 * dpr, 4 * dpr]);
          ctx.lineWidth = 1.5 * dpr;
          ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
          ctx.textAlign = 'right';
          ctx.textBaseline = 'bottom';
          lines.forEach(function (l) {
            var y = u.valToPos(l.ms, 'ms', true);
            var x0 = Math.max(u.bbox.left, u.valToPos(l.fromSec, 'x', true)), x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(l.toSec, 'x', true));
            if (x1 <= x0 || y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
            ctx.strokeStyle = l.ok ? '#1a7f37' : '#cf222e';
            ctx.fillStyle = ctx.strokeStyle;
            ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x1, y); ctx.stroke();
            ctx.fillText(l.label, x1 - 4 * dpr, y - 3 * dpr);
          });
          ctx.restore();
        }]
      }
    };
  }
  function xSeries() { return { label: 'run time', value: function (u, v) { return v == null ? '–' : clock(v); } }; }
  // Room for the longest tick label (uPlot's documented recipe), so labels never run into the plot.
  function axisSize(u, values, axisIdx, cycleNum) {
    var axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    var size = axis.ticks.size + axis.gap, longest = '';
    (values || []).forEach(function (v) { if (String(v).length > longest.length) longest = String(v); });
    if (longest) { u.ctx.save(); u.ctx.font = axis.font[0]; size += u.ctx.measureText(longest).width / dpr; u.ctx.restore(); }
    return Math.ceil(size) + 4;
  }
  var charts = [];
  function width(el) { return Math.max(320, el.clientWidth || 900); }
  function chart(id, opts, series) {
    var el = document.getElementById(id);
    if (data.seconds.length === 0) { el.innerHTML = '<div class="empty">No requests were measured.</div>'; return; }
    opts.width = width(el);
    opts.height = 260;
    var u = new uPlot(opts, series, el);
    charts.push([u, el]);
  }
  var xScale = { time: false, range: function (u, min, max) { return [0, Math.max(data.durationSec, max + 1)]; } };
  var thresholdMax = data.latencyLines.reduce(function (m, l) { return Math.max(m, l.ms); }, 0);

  var latSeries = [xSeries()], latData = [data.seconds];
  if (data.p50) { latSeries.push({ label: 'p50', stroke: '#2da44e', width: 1.5, scale: 'ms', value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' ms'; } }); latData.push(data.p50); }
  latSeries.push({ label: 'p95', stroke: '#2f81f7', width: 2, scale: 'ms', value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' ms'; } }); latData.push(data.p95);
  if (data.p99) { latSeries.push({ label: 'p99', stroke: '#cf222e', width: 1.5, scale: 'ms', value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' ms'; } }); latData.push(data.p99); }
  chart('chart-latency', {
    scales: { x: xScale, ms: { range: function (u, min, max) { return [0, Math.max(max, thresholdMax) * 1.08 || 1]; } } },
    axes: [xAxis(), { scale: 'ms', label: 'latency (ms)', size: axisSize }],
    series: latSeries,
    plugins: [stageBands(), thresholdLines(data.latencyLines)]
  }, latData);

  var rateSeries = [xSeries()], rateData = [data.seconds];
  if (data.target || data.targetMean !== null) {
    rateSeries.push({ label: data.target ? 'target' : 'target (run mean)', stroke: '#8c6bd6', width: 2, dash: [8, 4], scale: 'rps' });
    rateData.push(data.target || data.seconds.map(function () { return data.targetMean; }));
  }
  rateSeries.push({ label: 'achieved', stroke: '#2f81f7', width: 2, fill: 'rgba(47,129,247,0.12)', scale: 'rps' });
  rateData.push(data.requests);
  chart('chart-rate', {
    scales: { x: xScale, rps: { range: function (u, min, max) { return [0, Math.max(max, 1) * 1.1]; } } },
    axes: [xAxis(), { scale: 'rps', label: 'requests / s', size: axisSize }],
    series: rateSeries,
    plugins: [stageBands()]
  }, rateData);

  var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
  chart('chart-errors', {
    scales: { x: xScale, n: { range: function (u, min, max) { return [0, Math.max(max, 1) * 1.1]; } }, pct: { range: [0, 100] } },
    axes: [xAxis(), { scale: 'n', label: 'errors / s', size: axisSize }, { scale: 'pct', side: 1, label: 'error rate (%)', size: axisSize, grid: { show: false } }],
    series: [xSeries(), { label: 'errors', stroke: '#cf222e', fill: 'rgba(207,34,46,0.35)', width: 1, scale: 'n', paths: bars, points: { show: false } },
      { label: 'error rate', stroke: '#9a6700', width: 1.5, scale: 'pct', value: function (u, v) { return v == null ? '–' : v.toFixed(2) + ' %'; } }],
    plugins: [stageBands()]
  }, [data.seconds, data.errors, data.errorRate]);

  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c[0].setSize({ width: width(c[1]), height: 260 }); }); }, 100);
  });
})();
`;

/** Renders the report. Same results (and options) in, same bytes out. */
export function renderHtmlReport(results: RunResults, opts: HtmlReportOptions = {}): string {
  const assets = opts.assets ?? loadChartAssets();
  const modelMix = opts.modelMix ?? (results as ResultsWithMix).modelMix;
  const durationSec = results.knobs.durationMs / 1000;
  const title = `tidemark ${results.verdict === 'pass' ? 'PASS' : 'FAIL'}: ${results.target}`;
  const multiStage = results.stages.length > 1;
  const partialBanner = results.partial
    ? `<div class="banner partial" role="alert">Partial run: ${escapeHtml(results.partialReason ?? 'stopped early')}. Everything below covers only what was measured before it stopped.</div>`
    : '';
  const seriesNote =
    seriesOf(results).some((p) => p.p50Ms !== undefined) || seriesOf(results).length === 0
      ? ''
      : '<p class="note">This results file has only p95 per second.</p>';
  const stageTable = multiStage
    ? `<section><h2>Per stage and endpoint</h2>\n<details><summary>${results.cells.length} rows</summary>\n${table(['stage', ...ENDPOINT_HEADER], endpointRows(results.cells, durationSec, true), [false, ...ENDPOINT_NUMERIC])}\n</details></section>`
    : '';
  const o = results.overall.latencyMs;
  const allRow = [
    '<b>all</b>',
    String(results.totals.requests),
    num(results.rate.achievedPerSec, 2),
    results.totals.errors ? `${results.totals.errors} (${fmtPct(results.totals.errors / Math.max(1, results.totals.requests))})` : '0',
    fmtMs(o.p50),
    fmtMs(o.p90),
    fmtMs(o.p95),
    fmtMs(o.p99),
    fmtMs(o.max),
    fmtMs(results.overall.serviceLatencyMs.p95),
    statusText(results.totals.statusClasses, results.totals.failures),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tidemark ${escapeHtml(results.tidemarkVersion)}">
<title>${escapeHtml(title)}</title>
<style>
${inlineSafe(assets.css, 'style')}
</style>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>tidemark run: <span class="${results.verdict === 'pass' ? 'ok' : 'bad'}">${results.verdict === 'pass' ? 'PASS' : 'FAIL'}</span></h1>
<p class="sub">${escapeHtml(results.target)} · ${escapeHtml(results.knobs.description)} · ${escapeHtml(results.startedAt)}</p>
${partialBanner}
${cardsSection(results)}
<section id="thresholds"><h2>Thresholds</h2>
${thresholdSection(results)}
</section>
<section id="latency"><h2>Latency over time</h2>
<p class="note">Per second, from each request's intended send time (no coordinated omission); stages shaded; latency thresholds dashed.</p>
${seriesNote}
<div class="chart" id="chart-latency"></div>
</section>
<section id="rate"><h2>Target vs achieved rate</h2>
<div class="chart" id="chart-rate"></div>
</section>
<section id="errors"><h2>Errors over time</h2>
<p class="note">Errors are transport failures and 5xx responses.</p>
<div class="chart" id="chart-errors"></div>
</section>
<section id="endpoints"><h2>Per endpoint</h2>
${table(ENDPOINT_HEADER, [...endpointRows(results.endpoints, durationSec, false), allRow], ENDPOINT_NUMERIC)}
</section>
${stageTable}
<section id="mix"><h2>Endpoint mix: model vs sent</h2>
${mixSection(results, modelMix)}
</section>
<section id="knobs"><h2>Run</h2>
${knobsSection(results)}
</section>
</main>
<script type="application/json" id="tidemark-data">${embedJson(chartData(results))}</script>
<script>
${inlineSafe(assets.js, 'script')}
</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
