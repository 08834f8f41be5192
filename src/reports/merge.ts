import { InputError } from '../core/errors.js';
import { createHistogram, encodeHistogram, type LatencySummaryMs } from '../metrics/histogram.js';
import { Recorder } from '../metrics/recorder.js';
import { evaluateThresholds, type StageSpan, type ThresholdResult } from '../thresholds/evaluate.js';
import { isLatencyStat, parseThreshold, type Threshold } from '../thresholds/parse.js';
import { rehydrate, seriesDetail, type DetailedEndpointResult, type DetailedRunResults } from './rehydrate.js';
import { buildResults } from './results.js';

/*
 * `tidemark merge`: several results of one run (segments, workers, machines) → one results file,
 * exactly. Every input is rebuilt into a Recorder (rehydrate.ts), the recorders are merged
 * (histograms added, counters summed), and the merged recorder goes through the same
 * buildResults and evaluateThresholds as a live run: so a merged file is indistinguishable from
 * one process having recorded every outcome, and the thresholds (windowed ones too) are judged
 * on the merged data, not by and-ing the inputs' verdicts.
 *
 * Time: each input's series is by run second from its own `startedAt`. The merged run starts at
 * the earliest `startedAt`; an input's seconds are shifted by its start offset rounded to the
 * nearest second (segments started together with --start-at differ by milliseconds: rounding
 * keeps them on the same second, where flooring epoch seconds could split them).
 */

export interface MergeInput {
  /** File name or s3:// URL, for notes and errors. */
  name: string;
  results: DetailedRunResults;
}

/** The optional `merged` field of a merged results file. */
export interface MergeInfo {
  /** The inputs, in the order given. */
  from: string[];
  /** Each input's start, in whole seconds after the merged start. */
  offsetsSec: number[];
  /** What is not exact (inputs without per-second detail) and where the inputs disagree. */
  notes: string[];
}

export type MergedRunResults = DetailedRunResults & { merged: MergeInfo };

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Combines latency summaries whose histograms are not in the file: percentiles are an upper bound (the worst input). */
export function combineSummaries(list: readonly LatencySummaryMs[]): LatencySummaryMs {
  const present = list.filter((s) => s.count > 0);
  if (present.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const count = present.reduce((sum, s) => sum + s.count, 0);
  const worst = (k: 'p50' | 'p90' | 'p95' | 'p99' | 'max'): number => Math.max(...present.map((s) => s[k]));
  return {
    count,
    min: Math.min(...present.map((s) => s.min)),
    mean: round2(present.reduce((sum, s) => sum + s.mean * s.count, 0) / count),
    p50: worst('p50'),
    p90: worst('p90'),
    p95: worst('p95'),
    p99: worst('p99'),
    max: worst('max'),
  };
}

const cellKey = (e: DetailedEndpointResult): string => `${e.stage ?? ''}\u0000${e.key}`;

function collect(inputs: readonly MergeInput[], pick: (r: DetailedRunResults) => DetailedEndpointResult[], id: (e: DetailedEndpointResult) => string): Map<string, DetailedEndpointResult[]> {
  const map = new Map<string, DetailedEndpointResult[]>();
  for (const input of inputs) {
    for (const e of pick(input.results)) {
      const list = map.get(id(e));
      if (list) list.push(e);
      else map.set(id(e), [e]);
    }
  }
  return map;
}

/** Min and max from the inputs' summaries (exact), the rest from the merged histogram. */
function withExtremes(summary: LatencySummaryMs, sources: readonly LatencySummaryMs[]): LatencySummaryMs {
  const present = sources.filter((s) => s.count > 0);
  if (present.length === 0 || summary.count === 0) return summary;
  return { ...summary, min: Math.min(...present.map((s) => s.min)), max: Math.max(...present.map((s) => s.max)) };
}

/** The stages of every input on the merged clock; identical spans once, touching spans of one name joined. */
function mergeStages(inputs: readonly MergeInput[], offsetsSec: readonly number[]): StageSpan[] {
  const seen = new Set<string>();
  const spans: StageSpan[] = [];
  inputs.forEach((input, i) => {
    const shift = (offsetsSec[i] as number) * 1000;
    for (const stage of input.results.stages) {
      const span = { name: stage.name, startMs: stage.startMs + shift, endMs: stage.endMs + shift };
      const id = `${span.name}\u0000${span.startMs}\u0000${span.endMs}`;
      if (seen.has(id)) continue;
      seen.add(id);
      spans.push(span);
    }
  });
  spans.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const joined: StageSpan[] = [];
  for (const span of spans) {
    const last = joined[joined.length - 1];
    if (last && last.name === span.name && span.startMs <= last.endMs) last.endMs = Math.max(last.endMs, span.endMs);
    else joined.push({ ...span });
  }
  return joined;
}

/** For `<` thresholds a larger value is worse; for `>` a smaller one (as evaluate.ts judges windows). */
function worse(op: Threshold['op'], a: number, b: number): boolean {
  return op === '>' || op === '>=' ? a < b : a > b;
}

function judgeThresholds(
  inputs: readonly MergeInput[],
  recorder: Recorder,
  elapsedMs: number,
  stages: StageSpan[],
  exact: { secondLatency: boolean; secondEndpoints: boolean },
  notes: string[],
): ThresholdResult[] {
  const specs = new Map<string, boolean>();
  for (const input of inputs) for (const t of input.results.thresholds) if (!specs.has(t.expression)) specs.set(t.expression, t.abortOnFail);
  const thresholds: Threshold[] = [];
  const problems: string[] = [];
  for (const [expression, abortOnFail] of specs) {
    try {
      thresholds.push(parseThreshold(expression, { abortOnFail }));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0) {
    throw new InputError('the inputs carry thresholds this version cannot read', { problems, hint: 'merge with the tidemark version that wrote the results' });
  }
  const results = evaluateThresholds(thresholds, { recorder, elapsedMs, stages });
  return results.map((result, i) => {
    const threshold = thresholds[i] as Threshold;
    if (threshold.windowMs === undefined) return result;
    if (threshold.endpoint !== undefined && !exact.secondEndpoints) {
      // No per-second per-endpoint counts: the windows cannot be rebuilt; keep the inputs' own verdicts (the worst).
      const own = inputs.map((input) => input.results.thresholds.find((t) => t.expression === threshold.expression)).filter((t): t is ThresholdResult => t !== undefined);
      let worst: ThresholdResult | undefined;
      for (const t of own) if (t.actual !== null && (!worst || worst.actual === null || worse(threshold.op, t.actual, worst.actual))) worst = t;
      notes.push(`"${threshold.expression}": not re-evaluated (the inputs lack per-second per-endpoint counts); the worst input's window is shown`);
      return {
        ...result,
        ok: own.every((t) => t.ok),
        actual: worst?.actual ?? null,
        actualText: `${worst?.actualText ?? 'no data'} (worst input; not re-evaluated)`,
        ...(worst?.worstWindowStartSec !== undefined ? { worstWindowStartSec: worst.worstWindowStartSec } : {}),
      };
    }
    if (isLatencyStat(threshold.stat) && !exact.secondLatency) {
      notes.push(`"${threshold.expression}": approximate (the inputs lack per-second histograms; each second's p95 stands for all its requests)`);
      return { ...result, actualText: `${result.actualText} (approximate)` };
    }
    return result;
  });
}

/** Merges results of one run into one results file (see the comment at the top). */
export function mergeResults(inputs: readonly MergeInput[], options: { tidemarkVersion: string }): MergedRunResults {
  const first = inputs[0];
  if (!first) throw new InputError('nothing to merge', { hint: 'give two or more results files' });
  const startsMs = inputs.map((input) => Date.parse(input.results.startedAt));
  const originMs = Math.min(...startsMs);
  const offsetsSec = startsMs.map((start) => Math.round((start - originMs) / 1000));
  const notes: string[] = [];

  const merged = new Recorder(0);
  const exact = { secondLatency: true, secondEndpoints: true, serviceLatency: true, schedulerLag: true };
  inputs.forEach((input, i) => {
    const run = rehydrate(input.results, { offsetSec: offsetsSec[i] as number, name: input.name });
    merged.merge(run.recorder);
    for (const k of Object.keys(exact) as (keyof typeof exact)[]) exact[k] &&= run.exact[k];
  });

  const elapsedMs = Math.max(...inputs.map((input, i) => (offsetsSec[i] as number) * 1000 + input.results.knobs.durationMs));
  const stages = mergeStages(inputs, offsetsSec);
  const thresholds = judgeThresholds(inputs, merged, elapsedMs, stages, exact, notes);

  // Target rates: what each input was asked to send, over its own time, spread over the merged time.
  const targetSessions = inputs.reduce((sum, input) => sum + input.results.rate.targetSessionsPerSec * (input.results.knobs.durationMs / 1000), 0);
  const targetRequests = inputs.reduce((sum, input) => sum + input.results.rate.targetPerSec * (input.results.knobs.durationMs / 1000), 0);
  const elapsedSec = elapsedMs / 1000;
  const partialOnes = inputs.filter((input) => input.results.partial);
  const built = buildResults({
    tidemarkVersion: options.tidemarkVersion,
    recorder: merged,
    thresholds,
    target: first.results.target,
    source: first.results.source,
    knobs: { ...first.results.knobs, durationMs: elapsedMs },
    stages,
    startedAtWallMs: originMs,
    endedAtWallMs: Math.max(...inputs.map((input) => Date.parse(input.results.endedAt))),
    durationMs: elapsedMs,
    targetSessionsPerSec: elapsedSec > 0 ? targetSessions / elapsedSec : 0,
    meanSessionLength: targetSessions > 0 ? targetRequests / targetSessions : 0,
    partial: partialOnes.length > 0,
    partialReason: partialOnes.length > 0 ? partialOnes.map((input) => `${input.name}: ${input.results.partialReason ?? 'partial'}`).join('; ') : null,
    eventLoopDelayMs: {
      p50: Math.max(...inputs.map((input) => input.results.eventLoopDelayMs.p50)),
      p99: Math.max(...inputs.map((input) => input.results.eventLoopDelayMs.p99)),
      max: Math.max(...inputs.map((input) => input.results.eventLoopDelayMs.max)),
    },
  });
  const out: MergedRunResults = { ...built, merged: { from: inputs.map((input) => input.name), offsetsSec, notes } };

  if (exact.secondLatency && exact.secondEndpoints) {
    // Keep the merged file mergeable again, exactly.
    out.series = built.series.map((point) => {
      const bucket = merged.seconds[point.second];
      return bucket ? { ...point, ...seriesDetail(bucket) } : point;
    });
  }
  if (exact.serviceLatency) {
    const byKey = new Map<string, ReturnType<typeof createHistogram>>();
    for (const cell of merged.cells.values()) {
      const h = byKey.get(cell.endpointKey) ?? createHistogram();
      h.add(cell.serviceLatency);
      byKey.set(cell.endpointKey, h);
    }
    const cellService = new Map([...merged.cells.values()].map((c) => [`${c.stage}\u0000${c.endpointKey}`, c.serviceLatency]));
    out.cells = built.cells.map((c) => {
      const h = cellService.get(`${c.stage ?? ''}\u0000${c.key}`);
      return h ? { ...c, serviceHistogram: encodeHistogram(h) } : c;
    });
    out.endpoints = built.endpoints.map((e) => {
      const h = byKey.get(e.key);
      return h ? { ...e, serviceHistogram: encodeHistogram(h) } : e;
    });
  } else {
    notes.push('latency from the actual send (serviceLatencyMs) is approximate: the inputs carry no service histograms; counts, means, min and max are exact, percentiles are the worst input\'s (an upper bound)');
    const cellSummaries = collect(inputs, (r) => r.cells, cellKey);
    const endpointSummaries = collect(inputs, (r) => r.endpoints, (e) => e.key);
    out.cells = built.cells.map((c) => ({ ...c, serviceLatencyMs: combineSummaries((cellSummaries.get(cellKey(c)) ?? []).map((e) => e.serviceLatencyMs)) }));
    out.endpoints = built.endpoints.map((e) => ({ ...e, serviceLatencyMs: combineSummaries((endpointSummaries.get(e.key) ?? []).map((x) => x.serviceLatencyMs)) }));
    out.overall = { ...built.overall, serviceLatencyMs: combineSummaries(inputs.map((input) => input.results.overall.serviceLatencyMs)) };
  }
  // A decoded histogram knows its max only to the bucket (±0.1%); the inputs' summaries know it exactly.
  const cellSources = collect(inputs, (r) => r.cells, cellKey);
  const endpointSources = collect(inputs, (r) => r.endpoints, (e) => e.key);
  const fix = (e: DetailedEndpointResult, sources: Map<string, DetailedEndpointResult[]>, id: string): DetailedEndpointResult => {
    const from = sources.get(id) ?? [];
    return { ...e, latencyMs: withExtremes(e.latencyMs, from.map((f) => f.latencyMs)), serviceLatencyMs: withExtremes(e.serviceLatencyMs, from.map((f) => f.serviceLatencyMs)) };
  };
  out.cells = out.cells.map((c) => fix(c, cellSources, cellKey(c)));
  out.endpoints = out.endpoints.map((e) => fix(e, endpointSources, e.key));
  out.overall = {
    ...out.overall,
    latencyMs: withExtremes(out.overall.latencyMs, inputs.map((input) => input.results.overall.latencyMs)),
    serviceLatencyMs: withExtremes(out.overall.serviceLatencyMs, inputs.map((input) => input.results.overall.serviceLatencyMs)),
  };
  if (exact.schedulerLag) {
    out.schedulerLagHistogram = encodeHistogram(merged.schedulerLag);
    out.schedulerLagMs = withExtremes(out.schedulerLagMs, inputs.map((input) => input.results.schedulerLagMs));
  } else {
    notes.push('scheduler lag is approximate: the inputs carry no lag histograms; percentiles are the worst input\'s (an upper bound)');
    out.schedulerLagMs = combineSummaries(inputs.map((input) => input.results.schedulerLagMs));
  }
  if (!exact.secondLatency) notes.push('the merged per-second p95 is approximate: the inputs carry no per-second histograms');

  for (const field of ['target', 'source'] as const) {
    const values = [...new Set(inputs.map((input) => input.results[field]))];
    if (values.length > 1) notes.push(`the inputs have different ${field}s: ${values.join(', ')} (the first is kept)`);
  }
  const seeds = [...new Set(inputs.map((input) => input.results.knobs.seed))];
  if (seeds.length > 1) notes.push(`the inputs have different seeds (${seeds.join(', ')}): segments of one run share one seed`);
  const fingerprints = new Map<string, string>();
  for (const input of inputs) {
    const r = input.results;
    const fingerprint = `${r.startedAt}|${r.endedAt}|${r.totals.requests}|${r.totals.errors}|${r.overall.histogram}`;
    const twin = fingerprints.get(fingerprint);
    if (twin !== undefined) notes.push(`${input.name} looks identical to ${twin} (same start, end and counts): was one file given twice?`);
    else fingerprints.set(fingerprint, input.name);
  }
  return out;
}
