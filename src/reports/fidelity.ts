/**
 * `tidemark fidelity`: how close a test's traffic (the candidate) is to production's (the
 * reference). Each metric of `src/model/fidelity` gets a tolerance and a verdict, and a failed
 * one a sentence that says what differs ("GET /api/products/:id is 37.3% of production but
 * 10.0% of the candidate"). A side known only by its endpoint counts (a run's results.json)
 * has no sessions or arrivals: those metrics are "not available", never failed.
 *
 * Also `selfCheck`: the mix a run sent against its own model, which every run records (a
 * scheduler or synthesizer bug shows up there first). Pure: data in, data and strings out.
 */
import { formatDurationMs } from '../core/duration.js';
import type { Distribution, ModelEndpoint, TrafficModel } from '../core/types.js';
import { compareMix, expectedSamplingTvd, normalize, tvd, type EndpointShareComparison } from '../model/fidelity/mix.js';
import { ksTwoSample, type KsResult } from '../model/fidelity/ks.js';
import { chainOf, transitionDistance, type StateDistance } from '../model/fidelity/transitions.js';
import { shapeNrmse, type ShapeComparison } from '../model/fidelity/shape.js';
import { dispersionIndex, type DispersionPoint } from '../model/fidelity/dispersion.js';
import { modelConcurrency, type ConcurrencyProfile } from '../model/fidelity/concurrency.js';
import { renderTable } from './table.js';

/** Traffic known only by how many requests went to each endpoint (what results.json records). */
export interface EndpointCounts {
  kind: 'counts';
  endpoints: { key: string; count: number }[];
}

export type FidelityInput = TrafficModel | EndpointCounts;

/** The endpoint counts of a run's results (`endpoints[].count`). */
export function countsFromResults(results: { endpoints: readonly { key: string; count: number }[] }): EndpointCounts {
  return { kind: 'counts', endpoints: results.endpoints.map((e) => ({ key: e.key, count: e.count })) };
}

function isModel(input: FidelityInput): input is TrafficModel {
  return !('kind' in input && input.kind === 'counts');
}

export interface FidelityTolerances {
  /** Endpoint mix: TVD must stay below this. */
  mixTvd: number;
  /** Endpoints with at least `minEndpointShare` of the reference get a relative error and must not be missing. */
  minEndpointShare: number;
  /** How many such endpoints the candidate may never request. */
  missingEndpoints: number;
  sessionLengthKsD: number;
  /** Allowed candidate/reference ratio of p50 and p90 (p99 is reported, not gated). */
  sessionLengthRatio: [number, number];
  thinkTimeKsD: number;
  thinkTimeRatio: [number, number];
  /** Session duration: informational unless set. */
  durationKsD: number | null;
  navigation: number;
  shapeNrmse: number;
  /** Peaks this many hours apart still line up. */
  peakHours: number;
  /** Both sides must span at least this many days for the daily shape to mean anything. */
  minShapeDays: number;
}

export const DEFAULT_TOLERANCES: FidelityTolerances = {
  mixTvd: 0.05,
  minEndpointShare: 0.01,
  missingEndpoints: 0,
  sessionLengthKsD: 0.1,
  sessionLengthRatio: [0.8, 1.25],
  thinkTimeKsD: 0.1,
  thinkTimeRatio: [0.8, 1.25],
  durationKsD: null,
  navigation: 0.15,
  shapeNrmse: 0.15,
  peakHours: 1,
  minShapeDays: 0.9,
};

export type MetricVerdict = 'pass' | 'fail' | 'not available' | 'info';

export interface FidelityMetric {
  id: string;
  label: string;
  /** null when not available. Infinity (a ratio against 0) becomes null in JSON. */
  value: number | null;
  /** As shown: "< 0.05", "0.8–1.25", "±1 h", "—" for information only. */
  tolerance: string;
  verdict: MetricVerdict;
  /** Why it failed, why it is not available, or what it tells; null when it passed silently. */
  reason: string | null;
}

export interface SideSummary {
  name: string;
  kind: 'model' | 'counts';
  requests: number;
  sessions: number | null;
  spanDays: number | null;
}

export interface FidelityReport {
  verdict: 'pass' | 'fail';
  reference: SideSummary;
  candidate: SideSummary;
  tolerances: FidelityTolerances;
  metrics: FidelityMetric[];
  mix: {
    tvd: number | null;
    endpoints: EndpointShareComparison[];
    missingInCandidate: { key: string; share: number }[];
    missingInReference: { key: string; share: number }[];
  };
  sessionLength: KsResult | null;
  thinkTime: KsResult | null;
  duration: KsResult | null;
  navigation: { distance: number; states: StateDistance[] } | null;
  shape: (ShapeComparison & { reference: number[]; candidate: number[] }) | null;
  concurrency: { reference: ConcurrencyProfile; candidate: ConcurrencyProfile } | null;
  burstiness: { reference: DispersionPoint[]; candidate: DispersionPoint[] } | null;
}

export interface FidelityNames {
  /** Names used in sentences: "production" and "the candidate" by default. */
  reference?: string;
  candidate?: string;
  /** File names, for the report header. */
  referenceSource?: string;
  candidateSource?: string;
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '∞');
const hh = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;
const stateName = (key: string): string => (key === '$exit' ? 'leaves' : `goes on to ${key}`);
const possessive = (name: string): string => `${name}'s`;

function countsOf(input: FidelityInput): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of input.endpoints as readonly { key: string; count: number }[]) out[e.key] = (out[e.key] ?? 0) + e.count;
  return out;
}

function summarize(input: FidelityInput, name: string): SideSummary {
  const requests = (input.endpoints as readonly { count: number }[]).reduce((s, e) => s + e.count, 0);
  if (!isModel(input)) return { name, kind: 'counts', requests, sessions: null, spanDays: null };
  return { name, kind: 'model', requests, sessions: input.sessions.count, spanDays: input.span.days };
}

/** How one KS-compared quantity is described in sentences. */
interface Quantity {
  id: string;
  label: string;
  /** "sessions have at most 3 requests" (or "fewer than", when `below`). */
  atMost: (x: number, below: boolean) => string;
  value: (x: number) => string;
  /** "median session length" */
  statName: (p: string) => string;
  pick: (m: TrafficModel) => Distribution;
}

const LENGTH: Quantity = {
  id: 'length',
  label: 'session length',
  atMost: (x, below) => `sessions have ${below ? 'fewer than' : 'at most'} ${requests(x)}`,
  value: (x) => requests(x),
  statName: (p) => `${p} session length`,
  pick: (m) => m.sessions.length,
};
const THINK: Quantity = {
  id: 'think',
  label: 'think time',
  atMost: (x, below) => `think times are ${below ? 'under' : 'at most'} ${formatDurationMs(x)}`,
  value: (x) => formatDurationMs(x),
  statName: (p) => `${p} think time`,
  pick: (m) => m.sessions.thinkTimeMs,
};
const DURATION: Quantity = {
  id: 'duration',
  label: 'session duration',
  atMost: (x, below) => `sessions last ${below ? 'under' : 'at most'} ${formatDurationMs(x * 1000)}`,
  value: (x) => formatDurationMs(x * 1000),
  statName: (p) => `${p} session duration`,
  pick: (m) => m.sessions.durationSec,
};

function requests(x: number): string {
  return `${num(x, x % 1 === 0 ? 0 : 1)} request${x === 1 ? '' : 's'}`;
}

const PERCENTILE_NAMES = { p50: 'median', p90: 'p90', p99: 'p99' } as const;

/**
 * Scores a candidate's traffic against a reference's. Tolerances default to DEFAULT_TOLERANCES;
 * a verdict of 'fail' means at least one gated metric failed ('not available' never fails).
 */
export function scoreFidelity(reference: FidelityInput, candidate: FidelityInput, tolerances: Partial<FidelityTolerances> = {}, names: FidelityNames = {}): FidelityReport {
  const tol: FidelityTolerances = { ...DEFAULT_TOLERANCES, ...tolerances };
  const R = names.reference ?? 'production';
  const C = names.candidate ?? 'the candidate';
  const metrics: FidelityMetric[] = [];
  const report: FidelityReport = {
    verdict: 'pass',
    reference: summarize(reference, names.referenceSource ?? R),
    candidate: summarize(candidate, names.candidateSource ?? C),
    tolerances: tol,
    metrics,
    mix: { tvd: null, endpoints: [], missingInCandidate: [], missingInReference: [] },
    sessionLength: null,
    thinkTime: null,
    duration: null,
    navigation: null,
    shape: null,
    concurrency: null,
    burstiness: null,
  };
  const unavailable = (id: string, label: string, tolerance: string, reason: string): void => {
    metrics.push({ id, label, value: null, tolerance, verdict: 'not available', reason });
  };
  const below = (id: string, label: string, value: number, limit: number, why: () => string, info = false): void => {
    const ok = value < limit;
    metrics.push({ id, label, value, tolerance: info ? '—' : `< ${limit}`, verdict: info ? 'info' : ok ? 'pass' : 'fail', reason: info ? why() : ok ? null : `${num(value)} is not below ${limit}: ${why()}` });
  };

  // Endpoint mix.
  const refCounts = countsOf(reference);
  const candCounts = countsOf(candidate);
  const mixLabel = 'endpoint mix (TVD)';
  const missingLabel = `endpoints missing (≥ ${pct(tol.minEndpointShare)} share)`;
  if (report.reference.requests <= 0 || report.candidate.requests <= 0) {
    const who = report.reference.requests <= 0 ? R : C;
    metrics.push({ id: 'mix.tvd', label: mixLabel, value: null, tolerance: `< ${tol.mixTvd}`, verdict: 'fail', reason: `${who} has no requests: there is no mix to compare` });
  } else {
    const mix = compareMix(refCounts, candCounts, tol.minEndpointShare);
    report.mix = { tvd: mix.tvd, endpoints: mix.endpoints, missingInCandidate: mix.missingInCandidate, missingInReference: mix.missingInReference };
    below('mix.tvd', mixLabel, mix.tvd, tol.mixTvd, () =>
      mix.largestDifferences
        .slice(0, 3)
        .map((d) => (d.reference === 0 ? `${d.key} is ${pct(d.candidate)} of ${C} but never seen in ${R}` : `${d.key} is ${pct(d.reference)} of ${R} but ${pct(d.candidate)} of ${C}`))
        .join('; '),
    );
    const missing = mix.missingInCandidate.filter((m) => m.share >= tol.minEndpointShare);
    const ok = missing.length <= tol.missingEndpoints;
    metrics.push({
      id: 'mix.missing',
      label: missingLabel,
      value: missing.length,
      tolerance: `≤ ${tol.missingEndpoints}`,
      verdict: ok ? 'pass' : 'fail',
      reason: ok ? null : `${C} never requests ${missing.map((m) => `${m.key} (${pct(m.share)} of ${R})`).join(', ')}`,
    });
  }

  const refModel = isModel(reference) ? reference : null;
  const candModel = isModel(candidate) ? candidate : null;
  const noSessions = (): string | null => {
    if (!refModel) return `${R} is known only by its endpoint counts (a results file): it has no sessions`;
    if (!candModel) return `${C} is known only by its endpoint counts (a results file): it has no sessions`;
    if (refModel.sessions.count === 0) return `${R} has no sessions (an aggregated source)`;
    if (candModel.sessions.count === 0) return `${C} has no sessions (an aggregated source)`;
    return null;
  };
  const sessionsMissing = noSessions();

  // Session length, think time, duration: KS D and quantile ratios.
  const distributions: [Quantity, number | null, [number, number] | null, 'sessionLength' | 'thinkTime' | 'duration'][] = [
    [LENGTH, tol.sessionLengthKsD, tol.sessionLengthRatio, 'sessionLength'],
    [THINK, tol.thinkTimeKsD, tol.thinkTimeRatio, 'thinkTime'],
    [DURATION, tol.durationKsD, null, 'duration'],
  ];
  for (const [q, dLimit, ratio, slot] of distributions) {
    const ksLabel = `${q.label}: KS D`;
    const gatedRatios = ratio ? (['p50', 'p90'] as const) : ([] as const);
    if (sessionsMissing !== null) {
      unavailable(`${q.id}.ks`, ksLabel, dLimit === null ? '—' : `< ${dLimit}`, sessionsMissing);
      continue;
    }
    const r = q.pick(refModel as TrafficModel);
    const c = q.pick(candModel as TrafficModel);
    if (r.count === 0 || c.count === 0) {
      unavailable(`${q.id}.ks`, ksLabel, dLimit === null ? '—' : `< ${dLimit}`, `${r.count === 0 ? R : C} has no ${q.label} samples`);
      continue;
    }
    const ks = ksTwoSample(r, c);
    report[slot] = ks;
    const at = `${pct(ks.referenceCdf)} of ${possessive(R)} ${q.atMost(ks.at, ks.below)}, ${pct(ks.candidateCdf)} of ${possessive(C)}`;
    const medians = `median ${q.value(r.p50)} in ${R}, ${q.value(c.p50)} in ${C}`;
    below(`${q.id}.ks`, ksLabel, ks.d, dLimit ?? Infinity, () => (ks.d > 1e-9 ? `${at} (${medians}; 5% critical value ${num(ks.critical5, 4)})` : `the same distribution (${medians})`), dLimit === null);
    // Gated ratios p50 and p90; one more for information (p99, or p50 when nothing is gated).
    const infoRatio = ratio === null ? 'p50' : 'p99';
    for (const p of ['p50', 'p90', 'p99'] as const) {
      const value = ks.ratios[p];
      const gated = (gatedRatios as readonly string[]).includes(p) && ratio !== null;
      const label = `${q.label}: ${p} ratio`;
      const describe = `${possessive(C)} ${q.statName(PERCENTILE_NAMES[p])} is ${q.value(c[p])}, ${possessive(R)} ${q.value(r[p])} (ratio ${num(value, 2)})`;
      if (!gated) {
        if (p === infoRatio) metrics.push({ id: `${q.id}.${p}`, label, value, tolerance: '—', verdict: 'info', reason: null });
        continue;
      }
      const [lo, hi] = ratio as [number, number];
      const ok = value >= lo && value <= hi;
      metrics.push({ id: `${q.id}.${p}`, label, value, tolerance: `${lo}–${hi}`, verdict: ok ? 'pass' : 'fail', reason: ok ? null : `${describe}, allowed ${lo}–${hi}` });
    }
  }

  // Navigation.
  const navLabel = 'navigation (transition distance)';
  if (sessionsMissing !== null) unavailable('navigation', navLabel, `< ${tol.navigation}`, sessionsMissing);
  else {
    const nav = transitionDistance(chainOf(refModel as TrafficModel), chainOf(candModel as TrafficModel));
    if (nav === null) unavailable('navigation', navLabel, `< ${tol.navigation}`, `${R} has no transitions`);
    else {
      report.navigation = { distance: nav.distance, states: nav.states.slice(0, 10) };
      below('navigation', navLabel, nav.distance, tol.navigation, () => {
        const worst = nav.states[0] as StateDistance;
        const l = worst.largest;
        const step = l ? `after ${worst.key} (${pct(worst.weight)} of visits) ${R} ${stateName(l.to)} ${pct(l.reference)} of the time, ${C} ${pct(l.candidate)}` : `after ${worst.key} ${C} never moves on`;
        return step;
      });
    }
  }

  // Daily shape.
  const shapeLabel = 'daily shape (NRMSE)';
  const peakLabel = 'peak hour';
  const shapeMissing = ((): string | null => {
    if (!refModel) return `${R} is known only by its endpoint counts: it has no daily shape`;
    if (!candModel) return `${C} is known only by its endpoint counts: it has no daily shape`;
    for (const [m, who] of [
      [refModel, R],
      [candModel, C],
    ] as const) {
      if (m.span.days < tol.minShapeDays) {
        return `${who} covers ${(m.span.days * 24).toFixed(1)} h; a daily shape needs about a whole day of traffic (replay --window all, and give --speed for a time-compressed run's log)`;
      }
    }
    return null;
  })();
  if (shapeMissing !== null) {
    unavailable('shape.nrmse', shapeLabel, `< ${tol.shapeNrmse}`, shapeMissing);
    unavailable('shape.peak', peakLabel, `±${tol.peakHours} h`, shapeMissing);
  } else {
    const curve = (m: TrafficModel): number[] => (m.arrivals.sessionsPerHour.some((v) => v > 0) ? m.arrivals.sessionsPerHour : m.arrivals.requestsPerHour);
    const refCurve = curve(refModel as TrafficModel);
    const candCurve = curve(candModel as TrafficModel);
    const shape = shapeNrmse(refCurve, candCurve, { toleranceBins: tol.peakHours });
    if (shape === null) {
      unavailable('shape.nrmse', shapeLabel, `< ${tol.shapeNrmse}`, 'one side has no traffic in any hour');
      unavailable('shape.peak', peakLabel, `±${tol.peakHours} h`, 'one side has no traffic in any hour');
    } else {
      report.shape = { ...shape, reference: [...refCurve], candidate: [...candCurve] };
      below('shape.nrmse', shapeLabel, shape.nrmse, tol.shapeNrmse, () => `the largest difference is at ${hh(shape.worst.index)}: ${num(shape.worst.reference, 2)}× the mean rate in ${R}, ${num(shape.worst.candidate, 2)}× in ${C}`);
      metrics.push({
        id: 'shape.peak',
        label: peakLabel,
        value: shape.peakOffset,
        tolerance: `±${tol.peakHours} h`,
        verdict: shape.peaksAligned ? 'pass' : 'fail',
        reason: shape.peaksAligned ? null : `${R} peaks at ${hh(shape.referencePeak)}, ${C} at ${hh(shape.candidatePeak)} (${shape.peakOffset} h apart, allowed ±${tol.peakHours} h)`,
      });
    }
  }

  // Concurrency (Little's law) and burstiness: information, not gates (a test at 3× has 3× the users).
  if (refModel && candModel && sessionsMissing === null) {
    const rc = modelConcurrency(refModel);
    const cc = modelConcurrency(candModel);
    report.concurrency = { reference: rc, candidate: cc };
    const ratio = rc.peak > 0 ? cc.peak / rc.peak : cc.peak > 0 ? Infinity : 1;
    metrics.push({
      id: 'concurrency.peak',
      label: 'sessions in flight at peak (ratio)',
      value: ratio,
      tolerance: '—',
      verdict: 'info',
      reason: `${R} holds ${num(rc.peak, 1)} sessions in flight at its peak hour, ${C} ${num(cc.peak, 1)} (Little's law: sessions/s × mean duration)`,
    });
    const rb = dispersionIndex(refModel.arrivals.peak.sessionsPerMinute);
    const cb = dispersionIndex(candModel.arrivals.peak.sessionsPerMinute);
    report.burstiness = { reference: rb, candidate: cb };
    const one = (points: DispersionPoint[]): number | null => points[0]?.index ?? null;
    const rIndex = one(rb);
    const cIndex = one(cb);
    metrics.push({
      id: 'burstiness',
      label: 'burstiness (dispersion, 1 min)',
      value: cIndex,
      tolerance: '—',
      verdict: cIndex === null ? 'not available' : 'info',
      reason:
        cIndex === null || rIndex === null
          ? 'session starts per minute of the peak hour are missing on one side'
          : `session starts per minute in the peak hour: Var/Mean ${num(rIndex, 2)} in ${R}, ${num(cIndex, 2)} in ${C} (1 for Poisson arrivals)`,
    });
  }

  report.verdict = metrics.some((m) => m.verdict === 'fail') ? 'fail' : 'pass';
  return report;
}

const VERDICT_TEXT: Record<MetricVerdict, string> = { pass: 'pass', fail: 'FAIL', 'not available': 'n/a', info: 'info' };

function showValue(m: FidelityMetric): string {
  if (m.value === null) return '—';
  if (m.id === 'mix.missing') return String(m.value);
  if (m.id === 'shape.peak') return `${m.value} h`;
  return num(m.value);
}

/** The report as a person reads it: a table of metrics, the reasons, and the mix in detail. */
export function renderFidelity(report: FidelityReport): string {
  const lines: string[] = [];
  const failed = report.metrics.filter((m) => m.verdict === 'fail').length;
  const gates = report.metrics.filter((m) => m.verdict === 'pass' || m.verdict === 'fail').length;
  const side = (s: SideSummary): string => `${s.name} (${s.requests} requests${s.sessions !== null ? `, ${s.sessions} sessions` : ''}${s.spanDays !== null ? `, ${(s.spanDays * 24).toFixed(1)} h` : ''})`;
  lines.push(`Fidelity of ${side(report.candidate)}`);
  lines.push(`against     ${side(report.reference)}`);
  lines.push('');
  lines.push(
    renderTable(
      ['metric', 'value', 'tolerance', 'verdict'],
      report.metrics.map((m) => [m.label, showValue(m), m.tolerance, VERDICT_TEXT[m.verdict]]),
      [false, true, false, false],
    ),
  );
  const explained = report.metrics.filter((m) => m.reason !== null);
  if (explained.length > 0) {
    lines.push('');
    for (const m of explained) {
      const mark = m.verdict === 'fail' ? '✗' : m.verdict === 'not available' ? '–' : '·';
      lines.push(`${mark} ${m.label}: ${m.verdict === 'not available' ? 'not available: ' : ''}${m.reason}`);
    }
  }
  if (report.mix.endpoints.length > 0) {
    lines.push('');
    lines.push(`Endpoints with at least ${pct(report.tolerances.minEndpointShare)} of the reference:`);
    lines.push(
      renderTable(
        ['endpoint', 'reference', 'candidate', 'rel. error'],
        report.mix.endpoints.map((e) => [e.key, pct(e.reference), pct(e.candidate), `${e.relativeError >= 0 ? '+' : '−'}${(Math.abs(e.relativeError) * 100).toFixed(1)}%`]),
        [false, true, true, true],
      ),
    );
  }
  if (report.mix.missingInCandidate.length > 0) lines.push(`missing in the candidate: ${report.mix.missingInCandidate.map((m) => `${m.key} (${pct(m.share)})`).join(', ')}`);
  if (report.mix.missingInReference.length > 0) lines.push(`missing in the reference: ${report.mix.missingInReference.map((m) => `${m.key} (${pct(m.share)})`).join(', ')}`);
  lines.push('');
  lines.push(report.verdict === 'pass' ? `verdict: PASS (${gates} gates)` : `verdict: FAIL (${failed} of ${gates} gates failed)`);
  return `${lines.join('\n')}\n`;
}

/** The report as JSON text (ratios against 0, which are Infinity, become null). */
export function fidelityJson(report: FidelityReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}

/** Endpoints the synthesizer can replay (mirrors `isReplayable` of src/synth/synthesizer.ts). */
function replayable(endpoint: ModelEndpoint): boolean {
  return endpoint.template.startsWith('/') && !endpoint.template.includes(':other');
}

export interface SelfCheck {
  /** TVD between the mix the run sent and the model's mix over its replayable endpoints; null when nothing was sent. */
  tvd: number | null;
  /** The gate: 0.05, or three times the TVD that sampling alone gives at this many requests when larger. */
  tolerance: number;
  ok: boolean;
  requests: number;
  /** What differs most, when it failed (or why there is nothing to check). */
  reason: string | null;
  largestDifferences: { key: string; model: number; sent: number }[];
}

/**
 * Compares the mix a run sent (`results.endpoints[].count`) with its model's mix over the
 * replayable endpoints. A broken scheduler or synthesizer (a biased walk, a lost endpoint)
 * shows here; a short run's sampling noise does not fail it.
 */
export function selfCheck(model: TrafficModel, results: { endpoints: readonly { key: string; count: number }[] }): SelfCheck {
  const expected = normalize(Object.fromEntries(model.endpoints.filter(replayable).map((e) => [e.key, e.count])));
  const sentCounts: Record<string, number> = {};
  for (const e of results.endpoints) sentCounts[e.key] = (sentCounts[e.key] ?? 0) + e.count;
  const requests = Object.values(sentCounts).reduce((s, v) => s + v, 0);
  const tolerance = Math.max(0.05, 3 * expectedSamplingTvd(expected, requests));
  if (requests === 0) return { tvd: null, tolerance, ok: true, requests, reason: 'the run sent no requests', largestDifferences: [] };
  const sent = normalize(sentCounts);
  const distance = tvd(expected, sent);
  const keys = new Set([...Object.keys(expected), ...Object.keys(sent)]);
  const largestDifferences = [...keys]
    .map((key) => ({ key, model: expected[key] ?? 0, sent: sent[key] ?? 0 }))
    .filter((d) => d.model !== d.sent)
    .sort((a, b) => Math.abs(b.sent - b.model) - Math.abs(a.sent - a.model) || (a.key < b.key ? -1 : 1))
    .slice(0, 5);
  const ok = distance < tolerance;
  const reason = ok
    ? null
    : `the run's mix is ${num(distance)} from its model's (allowed ${num(tolerance)} at ${requests} requests): ${largestDifferences
        .slice(0, 3)
        .map((d) => `${d.key} is ${pct(d.model)} of the model but ${pct(d.sent)} of what was sent`)
        .join('; ')}`;
  return { tvd: distance, tolerance, ok, requests, reason, largestDifferences };
}
