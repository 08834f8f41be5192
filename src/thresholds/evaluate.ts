import { createHistogram, type Histogram } from '../metrics/histogram.js';
import type { Recorder } from '../metrics/recorder.js';
import type { Threshold } from './parse.js';

export interface StageSpan {
  name: string;
  startMs: number;
  endMs: number;
}

export interface EvaluationInput {
  recorder: Recorder;
  /** Run time measured so far (the whole run at the end; elapsed time when live). */
  elapsedMs: number;
  stages: StageSpan[];
}

export interface ThresholdResult {
  expression: string;
  ok: boolean;
  /** The measured value in the stat's base unit (ms, fraction, per second, count); null when nothing was measured. */
  actual: number | null;
  /** The measured value for people: "612.3ms", "1.84%", worst window named. */
  actualText: string;
  abortOnFail: boolean;
  /** For windowed thresholds: where the worst window starts, in run seconds. */
  worstWindowStartSec?: number;
}

/** `GET /api/*`-style glob, or an exact key. */
export function endpointMatcher(pattern: string): (key: string) => boolean {
  if (!pattern.includes('*')) return (key) => key === pattern;
  const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (key) => re.test(key);
}

function compare(actual: number, op: Threshold['op'], value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

interface Aggregate {
  count: number;
  errors: number;
  latency: Histogram | null;
  seconds: number;
}

function statValue(threshold: Threshold, agg: Aggregate): number | null {
  const { stat } = threshold;
  switch (stat.kind) {
    case 'count':
      return agg.count;
    case 'rps':
      return agg.seconds > 0 ? agg.count / agg.seconds : null;
    case 'error_rate':
      return agg.count > 0 ? agg.errors / agg.count : null;
    case 'success_rate':
      return agg.count > 0 ? 1 - agg.errors / agg.count : null;
    default: {
      const h = agg.latency;
      if (!h || h.totalCount === 0) return null;
      if (stat.kind === 'percentile') return h.getValueAtPercentile(stat.p) / 1000;
      if (stat.kind === 'avg') return h.mean / 1000;
      if (stat.kind === 'min') return h.minNonZeroValue / 1000;
      return h.maxValue / 1000;
    }
  }
}

export function formatStat(threshold: Threshold, value: number | null): string {
  if (value === null) return 'no data';
  switch (threshold.stat.kind) {
    case 'error_rate':
    case 'success_rate':
      return `${(value * 100).toFixed(2)}%`;
    case 'rps':
      return `${value.toFixed(1)}/s`;
    case 'count':
      return String(value);
    default:
      return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(1)}ms`;
  }
}

function stageRange(threshold: Threshold, input: EvaluationInput): [number, number] {
  if (!threshold.stage) return [0, input.elapsedMs];
  const spans = input.stages.filter((s) => s.name === threshold.stage);
  if (spans.length === 0) return [0, 0];
  return [Math.min(...spans.map((s) => s.startMs)), Math.min(input.elapsedMs, Math.max(...spans.map((s) => s.endMs)))];
}

function wholeScope(threshold: Threshold, input: EvaluationInput): Aggregate {
  const matches = threshold.endpoint ? endpointMatcher(threshold.endpoint) : () => true;
  const latency = createHistogram();
  let count = 0;
  let errors = 0;
  for (const cell of input.recorder.cells.values()) {
    if (threshold.stage && cell.stage !== threshold.stage) continue;
    if (!matches(cell.endpointKey)) continue;
    count += cell.count;
    errors += cell.errors;
    latency.add(cell.latency);
  }
  const [from, to] = stageRange(threshold, input);
  return { count, errors, latency, seconds: Math.max(0, to - from) / 1000 };
}

/** The worst rolling window (sliding by one second) of the scope. */
function worstWindow(threshold: Threshold, input: EvaluationInput): { value: number | null; startSec: number } {
  const windowSec = (threshold.windowMs as number) / 1000;
  const [fromMs, toMs] = stageRange(threshold, input);
  const first = Math.floor(fromMs / 1000);
  const last = Math.ceil(toMs / 1000); // exclusive
  const matches = threshold.endpoint ? endpointMatcher(threshold.endpoint) : null;
  const starts: number[] = [];
  if (last - first <= windowSec) starts.push(first);
  else for (let s = first; s + windowSec <= last; s++) starts.push(s);
  let worst: { value: number | null; startSec: number } = { value: null, startSec: first };
  for (const start of starts) {
    const agg: Aggregate = { count: 0, errors: 0, latency: matches ? null : createHistogram(), seconds: Math.min(windowSec, last - start) };
    for (let s = start; s < Math.min(start + windowSec, last); s++) {
      const bucket = input.recorder.seconds[s];
      if (!bucket) continue;
      if (matches) {
        for (const [key, [requests, errors]] of bucket.byEndpoint) {
          if (!matches(key)) continue;
          agg.count += requests;
          agg.errors += errors;
        }
      } else {
        agg.count += bucket.requests;
        agg.errors += bucket.errors;
        agg.latency?.add(bucket.latency);
      }
    }
    const value = statValue(threshold, agg);
    if (value === null) continue;
    if (worst.value === null || isWorse(threshold, value, worst.value)) worst = { value, startSec: start };
  }
  return worst;
}

/** For `<` thresholds a larger value is worse; for `>` a smaller one. */
function isWorse(threshold: Threshold, a: number, b: number): boolean {
  return threshold.op === '>' || threshold.op === '>=' ? a < b : a > b;
}

export function evaluateThreshold(threshold: Threshold, input: EvaluationInput): ThresholdResult {
  if (threshold.windowMs !== undefined) {
    const worst = worstWindow(threshold, input);
    const ok = worst.value === null ? true : compare(worst.value, threshold.op, threshold.value);
    return {
      expression: threshold.expression,
      ok,
      actual: worst.value,
      actualText: worst.value === null ? 'no data' : `${formatStat(threshold, worst.value)} (worst window at ${worst.startSec}s)`,
      abortOnFail: threshold.abortOnFail,
      worstWindowStartSec: worst.startSec,
    };
  }
  const value = statValue(threshold, wholeScope(threshold, input));
  // A scope with no requests at all cannot show the SLA was met: only count/rps judge zero.
  const ok = value === null ? false : compare(value, threshold.op, threshold.value);
  return { expression: threshold.expression, ok, actual: value, actualText: formatStat(threshold, value), abortOnFail: threshold.abortOnFail };
}

export function evaluateThresholds(thresholds: readonly Threshold[], input: EvaluationInput): ThresholdResult[] {
  return thresholds.map((t) => evaluateThreshold(t, input));
}
