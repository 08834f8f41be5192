import { decodeField, type DetailedRunResults } from './rehydrate.js';
import { fmtMs, fmtPct, renderTable } from './table.js';

/*
 * `tidemark compare`: a regression gate against a stored baseline.
 *
 * Per endpoint and overall: p50/p95/p99 (from the decoded histograms, not the rounded
 * summaries), error rate and throughput. Several results are judged by their median, metric by
 * metric, so one noisy run neither fails nor passes a change on its own.
 *
 * A change is measured relative to the baseline, with floors so that tiny baselines do not turn
 * trivia into huge percentages: latency against at least 1 ms, error rate against at least 1%
 * (0% → 0.1% is a +10% change, not an infinite one). Within the noise band (±15% by default) a
 * change is "noise", whatever its sign; beyond it, it is a regression or an improvement; a
 * regression beyond --max-regression fails the gate. A change inside the noise band never fails,
 * so the effective limit is max(noise, max-regression).
 *
 * Scopes with fewer than `minRequests` requests (in the baseline or the median) are shown but
 * not judged: a p99 of 20 samples is their maximum.
 */

export type MetricName = 'p50' | 'p95' | 'p99' | 'error_rate' | 'throughput';
export const METRICS: readonly MetricName[] = ['p50', 'p95', 'p99', 'error_rate', 'throughput'];

/** +1: higher is worse (latency, errors); -1: lower is worse (throughput). */
const WORSE_WHEN: Record<MetricName, 1 | -1> = { p50: 1, p95: 1, p99: 1, error_rate: 1, throughput: -1 };
const FLOOR: Record<MetricName, number> = { p50: 1, p95: 1, p99: 1, error_rate: 0.01, throughput: 1e-9 };

export const OVERALL = 'overall';

export interface ScopeMetrics {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  /** errors / count */
  error_rate: number;
  /** requests per second over the run */
  throughput: number;
}

export type Judgement = 'noise' | 'regression' | 'improvement' | 'few samples';

export interface MetricComparison {
  scope: string;
  metric: MetricName;
  baseline: number;
  /** The median over the runs that have this scope. */
  median: number;
  /** Each run's value (null where the run lacks the scope). */
  runs: (number | null)[];
  /** (median − baseline) / max(baseline, floor); positive = the value went up. */
  change: number;
  judgement: Judgement;
  /** A regression beyond --max-regression. */
  failed: boolean;
}

export interface CompareOptions {
  /** ±fraction within which a change is noise. */
  noise: number;
  /** Fail when a metric is worse by more than this fraction; null: report only. */
  maxRegression: number | null;
  minRequests: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { noise: 0.15, maxRegression: null, minRequests: 30 };

export interface Comparison {
  baseline: { name: string; startedAt: string };
  runs: { name: string; startedAt: string }[];
  options: CompareOptions;
  rows: MetricComparison[];
  /** Endpoints in the baseline that no run has. */
  onlyInBaseline: string[];
  /** Endpoints some run has and the baseline lacks, with how many runs have them. */
  onlyInResults: { key: string; runs: number }[];
  notes: string[];
  ok: boolean;
}

/** One file's metrics per scope ("overall" and every endpoint key). */
export function scopeMetrics(results: DetailedRunResults, name: string): Map<string, ScopeMetrics> {
  const seconds = results.knobs.durationMs / 1000;
  const of = (histogram: string, field: string, count: number, errors: number): ScopeMetrics => {
    const h = decodeField(histogram, name, field);
    const q = (p: number): number => (h.totalCount > 0 ? h.getValueAtPercentile(p) / 1000 : 0);
    return { count, p50: q(50), p95: q(95), p99: q(99), error_rate: count > 0 ? errors / count : 0, throughput: seconds > 0 ? count / seconds : 0 };
  };
  const map = new Map<string, ScopeMetrics>();
  map.set(OVERALL, of(results.overall.histogram, 'overall.histogram', results.totals.requests, results.totals.errors));
  results.endpoints.forEach((e, i) => map.set(e.key, of(e.histogram, `endpoints[${i}].histogram`, e.count, e.errors)));
  return map;
}

/** The median; for an even count, the mean of the middle two. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function judge(metric: MetricName, baseline: number, value: number, judged: boolean, options: CompareOptions): Pick<MetricComparison, 'change' | 'judgement' | 'failed'> {
  const change = (value - baseline) / Math.max(Math.abs(baseline), FLOOR[metric]);
  if (!judged) return { change, judgement: 'few samples', failed: false };
  // Compare in rounded units so that a change of exactly the band counts as inside it.
  const magnitude = Math.round(Math.abs(change) * 1e9) / 1e9;
  if (magnitude <= options.noise) return { change, judgement: 'noise', failed: false };
  const worsening = change * WORSE_WHEN[metric];
  if (worsening < 0) return { change, judgement: 'improvement', failed: false };
  return { change, judgement: 'regression', failed: options.maxRegression !== null && magnitude > options.maxRegression };
}

const KNOBS_COMPARED = ['mode', 'scale', 'speed', 'window', 'durationMs'] as const;

/** Compares the median of `runs` with `baseline`, per scope and metric. */
export function compareResults(
  baseline: { name: string; results: DetailedRunResults },
  runs: readonly { name: string; results: DetailedRunResults }[],
  options: CompareOptions = DEFAULT_COMPARE_OPTIONS,
): Comparison {
  const base = scopeMetrics(baseline.results, baseline.name);
  const perRun = runs.map((run) => scopeMetrics(run.results, run.name));
  const notes: string[] = [];
  const rows: MetricComparison[] = [];
  const keys = [OVERALL, ...baseline.results.endpoints.map((e) => e.key)];
  for (const scope of keys) {
    const b = base.get(scope) as ScopeMetrics;
    const present = perRun.map((m) => m.get(scope) ?? null);
    const values = present.filter((m): m is ScopeMetrics => m !== null);
    if (values.length === 0) continue;
    const medianCount = median(values.map((m) => m.count));
    const judged = b.count >= options.minRequests && medianCount >= options.minRequests;
    for (const metric of METRICS) {
      const med = median(values.map((m) => m[metric]));
      rows.push({ scope, metric, baseline: b[metric], median: med, runs: present.map((m) => (m ? m[metric] : null)), ...judge(metric, b[metric], med, judged, options) });
    }
    if (values.length < runs.length) notes.push(`${scope}: present in ${values.length} of ${runs.length} runs; the median is over those`);
  }
  const onlyInBaseline = baseline.results.endpoints.filter((e) => perRun.every((m) => !m.has(e.key))).map((e) => e.key);
  const counts = new Map<string, number>();
  for (const m of perRun) for (const key of m.keys()) if (!base.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
  const onlyInResults = [...counts].map(([key, n]) => ({ key, runs: n })).sort((a, b) => b.runs - a.runs || a.key.localeCompare(b.key));

  for (const run of runs) {
    const differ = KNOBS_COMPARED.filter((k) => run.results.knobs[k] !== baseline.results.knobs[k]);
    if (differ.length > 0) notes.push(`${run.name} was played with other knobs than the baseline (${differ.map((k) => `${k} ${String(run.results.knobs[k])} vs ${String(baseline.results.knobs[k])}`).join(', ')}): the comparison may not be like for like`);
    if (run.results.partial) notes.push(`${run.name} is partial (${run.results.partialReason ?? 'interrupted'})`);
  }
  if (options.maxRegression !== null && options.maxRegression < options.noise) {
    notes.push(`--max-regression ${pct(options.maxRegression)} is inside the noise band ±${pct(options.noise)}: changes up to ${pct(options.noise)} count as noise and never fail`);
  }
  return {
    baseline: { name: baseline.name, startedAt: baseline.results.startedAt },
    runs: runs.map((run) => ({ name: run.name, startedAt: run.results.startedAt })),
    options,
    rows,
    onlyInBaseline,
    onlyInResults,
    notes,
    ok: rows.every((r) => !r.failed),
  };
}

const pct = (fraction: number): string => `${Number((fraction * 100).toFixed(1))}%`;

function fmtValue(metric: MetricName, value: number): string {
  if (metric === 'error_rate') return fmtPct(value);
  if (metric === 'throughput') return `${value.toFixed(2)}/s`;
  return fmtMs(value);
}

function fmtChange(change: number): string {
  const arrow = change > 0 ? '▲' : change < 0 ? '▼' : ' ';
  return `${arrow} ${change > 0 ? '+' : change < 0 ? '−' : ''}${(Math.abs(change) * 100).toFixed(1)}%`;
}

const paint = (on: boolean, code: number, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** The comparison for people: one row per scope and metric, ▲/▼ for the direction, and a word for the judgement. */
export function renderComparison(c: Comparison, options: { color: boolean } = { color: false }): string {
  const out: string[] = [];
  const runs = c.runs.length === 1 ? (c.runs[0]?.name ?? '') : `the median of ${c.runs.length} runs (${c.runs.map((r) => r.name).join(', ')})`;
  out.push(`tidemark compare: ${runs} against baseline ${c.baseline.name} (${c.baseline.startedAt})`);
  out.push(
    `  noise band ±${pct(c.options.noise)}; ${c.options.maxRegression === null ? 'report only (no --max-regression)' : `fail when worse by more than ${pct(c.options.maxRegression)}`}; scopes under ${c.options.minRequests} requests are not judged`,
    '',
  );
  const word = (row: MetricComparison): string => {
    if (row.failed) return paint(options.color, 31, `REGRESSION (> ${pct(c.options.maxRegression ?? 0)})`);
    if (row.judgement === 'regression') return paint(options.color, 33, 'regression');
    if (row.judgement === 'improvement') return paint(options.color, 32, 'improvement');
    return row.judgement;
  };
  let previous = '';
  const table = c.rows.map((row) => {
    const scope = row.scope === previous ? '' : row.scope;
    previous = row.scope;
    return [scope, row.metric, fmtValue(row.metric, row.baseline), fmtValue(row.metric, row.median), fmtChange(row.change), word(row)];
  });
  out.push(renderTable(['endpoint', 'metric', 'baseline', c.runs.length === 1 ? 'result' : 'median', 'change', ''], table, [false, false, true, true, true, false]));
  if (c.onlyInBaseline.length > 0) out.push('', `only in the baseline: ${c.onlyInBaseline.join(', ')}`);
  if (c.onlyInResults.length > 0) {
    out.push('', `only in the results: ${c.onlyInResults.map((e) => (c.runs.length > 1 ? `${e.key} (${e.runs} of ${c.runs.length} runs)` : e.key)).join(', ')}`);
  }
  if (c.notes.length > 0) out.push('', ...c.notes.map((n) => `note: ${n}`));
  const failed = c.rows.filter((r) => r.failed);
  const regressions = c.rows.filter((r) => r.judgement === 'regression');
  out.push('');
  if (failed.length > 0) {
    out.push(`verdict: ${paint(options.color, 31, 'FAIL')}: ${failed.length} regression${failed.length === 1 ? '' : 's'} beyond ${pct(c.options.maxRegression ?? 0)}: ${failed.map((r) => `${r.scope} ${r.metric} ${fmtChange(r.change)}`).join(', ')}`);
  } else if (c.rows.length > 0 && c.rows.every((r) => r.judgement === 'few samples')) {
    out.push(`verdict: ${paint(options.color, 33, 'PASS')} (nothing judged: every endpoint has fewer than ${c.options.minRequests} requests; run longer or lower --min-requests)`);
  } else {
    const tail = regressions.length > 0 ? ` (${regressions.length} regression${regressions.length === 1 ? '' : 's'} within the limit)` : '';
    out.push(`verdict: ${paint(options.color, 32, 'PASS')}${tail}`);
  }
  return `${out.join('\n')}\n`;
}

/** A perf-baseline.json: a results file, plus where it came from. */
export type PerfBaseline = DetailedRunResults & {
  baseline: { createdAt: string; from: string[]; rule: string };
};

/**
 * A new baseline from several runs. Histograms cannot be "medianed", so each part is taken whole
 * from one real run: for every endpoint, the run whose p95 for that endpoint is the median
 * (the lower middle for an even count) gives that endpoint's entry and its stage cells; the run
 * whose overall p95 is the median gives everything else (totals, overall, series, thresholds).
 * So every histogram in the file is one a run really measured, and comparing the runs against
 * it later gives medians close to zero change. Totals may then differ from the sum of endpoints.
 */
export function buildBaseline(runs: readonly { name: string; results: DetailedRunResults }[], createdAt: string): PerfBaseline {
  if (runs.length === 0) throw new RangeError('buildBaseline needs at least one run');
  const metrics = runs.map((run) => scopeMetrics(run.results, run.name));
  const medianRun = (scope: string): number => {
    const candidates = metrics.map((m, i) => ({ i, p95: m.get(scope)?.p95 })).filter((x): x is { i: number; p95: number } => x.p95 !== undefined);
    candidates.sort((a, b) => a.p95 - b.p95 || a.i - b.i);
    return (candidates[Math.floor((candidates.length - 1) / 2)] as { i: number }).i;
  };
  const skeleton = runs[medianRun(OVERALL)] as { name: string; results: DetailedRunResults };
  const keys = [...new Set(runs.flatMap((run) => run.results.endpoints.map((e) => e.key)))];
  const endpoints = [];
  const cells = [];
  for (const key of keys) {
    const source = (runs[medianRun(key)] as { results: DetailedRunResults }).results;
    endpoints.push(...source.endpoints.filter((e) => e.key === key));
    cells.push(...source.cells.filter((e) => e.key === key));
  }
  const order = (a: { count: number; key: string; stage?: string }, b: { count: number; key: string; stage?: string }): number =>
    b.count - a.count || a.key.localeCompare(b.key) || (a.stage ?? '').localeCompare(b.stage ?? '');
  return {
    ...skeleton.results,
    endpoints: endpoints.sort(order),
    cells: cells.sort(order),
    baseline: {
      createdAt,
      from: runs.map((run) => run.name),
      rule: runs.length === 1 ? 'a copy of one run' : 'per endpoint: the run with the median p95 for that endpoint; overall, totals and series: the run with the median overall p95',
    },
  };
}
