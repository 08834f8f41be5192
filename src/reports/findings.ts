import { countAboveMs, createHistogram, decodeHistogram } from '../metrics/histogram.js';
import { fmtMs, fmtPct } from './table.js';
import { decodeField } from './rehydrate.js';
import type { RunResults } from './results.js';

/*
 * Findings: what a person would conclude from the numbers, each with the figures it rests on.
 * Pure: the terminal summary and the HTML report print them.
 *
 *   degraded-first        the endpoint whose p95 left its early level first (stage by stage),
 *                         and by how much;
 *   knee                  the offered rate at which the overall p95 left its early level
 *                         (per second from the series, else stage by stage);
 *   latency-rose          the same departure when the rate did not rise with it (not a knee:
 *                         the target slowed at a steady rate);
 *   errors-began          the first second with errors, the busiest error second, and the kinds
 *                         (transport failures, 5xx) with the endpoint that had most;
 *   generator-bottleneck  the generator, not the target, limited the run: scheduler lag p99 over
 *                         10 ms, event-loop delay p99 over 50 ms, or sessions dropped;
 *   generator-ok          none of those: the latencies are the target's.
 */

export type FindingKind = 'degraded-first' | 'knee' | 'latency-rose' | 'errors-began' | 'generator-bottleneck' | 'generator-ok';

export interface Finding {
  kind: FindingKind;
  /** `warning` for what needs attention; `info` otherwise. */
  severity: 'info' | 'warning';
  /** One sentence, with the figures in it. */
  text: string;
  /** The figures the sentence rests on (ms, req/s, fractions, seconds, counts). */
  figures: Record<string, number | string>;
}

/** Limits past which the generator counts as the bottleneck. */
export const GENERATOR_LIMITS = { schedulerLagP99Ms: 10, eventLoopDelayP99Ms: 50, lateRequests: 10 };

/** A departure is at least this many times the early level and this many ms above it. */
const DEPARTURE_FACTOR = 2;
const DEPARTURE_MIN_MS = 10;
/** Per-stage degradation (coarser data, so a smaller factor). */
const STAGE_FACTOR = 1.5;
const STAGE_MIN_MS = 5;
/** Stage cells with fewer requests are not judged. */
const MIN_CELL_REQUESTS = 20;
/** A departure must hold this many consecutive seconds (one slow second is not a knee). */
const SUSTAIN_SEC = 3;

const r2 = (x: number): number => Math.round(x * 100) / 100;

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface StageStat {
  name: string;
  startMs: number;
  seconds: number;
  count: number;
  ratePerSec: number;
  p95Ms: number;
  meanMs: number;
}

/** Stage names in order of first start, with their total length. */
function stageOrder(results: RunResults): { name: string; startMs: number; seconds: number }[] {
  const byName = new Map<string, { name: string; startMs: number; seconds: number }>();
  for (const s of results.stages) {
    const entry = byName.get(s.name);
    if (entry) entry.seconds += (s.endMs - s.startMs) / 1000;
    else byName.set(s.name, { name: s.name, startMs: s.startMs, seconds: (s.endMs - s.startMs) / 1000 });
  }
  return [...byName.values()].sort((a, b) => a.startMs - b.startMs);
}

function stageStats(results: RunResults): StageStat[] {
  return stageOrder(results).map((stage) => {
    const h = createHistogram();
    let count = 0;
    results.cells.forEach((c, i) => {
      if (c.stage !== stage.name) return;
      h.add(decodeField(c.histogram, 'results', `cells[${i}].histogram`));
      count += c.count;
    });
    return {
      ...stage,
      count,
      ratePerSec: stage.seconds > 0 ? count / stage.seconds : 0,
      p95Ms: h.totalCount > 0 ? h.getValueAtPercentile(95) / 1000 : 0,
      meanMs: h.totalCount > 0 ? h.mean / 1000 : 0,
    };
  });
}

function stageOfSecond(results: RunResults, second: number): string | null {
  const ms = second * 1000;
  return results.stages.find((s) => ms >= s.startMs && ms < s.endMs)?.name ?? null;
}

/** The endpoint whose p95 left its level in its first judged stage earliest, stage by stage. */
function degradedFirst(results: RunResults): Finding | null {
  const stages = stageOrder(results);
  if (stages.length < 2) return null;
  const rank = new Map(stages.map((s, i) => [s.name, i]));
  const byKey = new Map<string, { stage: string; index: number; count: number; p95: number }[]>();
  for (const cell of results.cells) {
    const index = rank.get(cell.stage ?? '');
    if (index === undefined || cell.count < MIN_CELL_REQUESTS) continue;
    const list = byKey.get(cell.key) ?? [];
    list.push({ stage: cell.stage ?? '', index, count: cell.count, p95: cell.latencyMs.p95 });
    byKey.set(cell.key, list);
  }
  let best: { key: string; from: { stage: string; p95: number }; to: { stage: string; index: number; p95: number }; ratio: number } | null = null;
  let degradedCount = 0;
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.index - b.index);
    const early = list[0];
    if (!early) continue;
    const hit = list.slice(1).find((s) => s.p95 >= early.p95 * STAGE_FACTOR && s.p95 - early.p95 >= STAGE_MIN_MS);
    if (!hit) continue;
    degradedCount++;
    const ratio = early.p95 > 0 ? hit.p95 / early.p95 : Infinity;
    if (!best || hit.index < best.to.index || (hit.index === best.to.index && ratio > best.ratio)) best = { key, from: early, to: hit, ratio };
  }
  if (!best) return null;
  const others = degradedCount - 1;
  return {
    kind: 'degraded-first',
    severity: 'warning',
    text:
      `${best.key} degraded first: p95 ${fmtMs(best.from.p95)} in stage ${best.from.stage} → ${fmtMs(best.to.p95)} in stage ${best.to.stage} (${best.ratio === Infinity ? 'from nothing' : `${best.ratio.toFixed(1)}×`})` +
      (others > 0 ? `; ${others} other endpoint${others === 1 ? '' : 's'} degraded too, in that stage or later.` : '.'),
    figures: { endpoint: best.key, fromStage: best.from.stage, fromP95Ms: best.from.p95, toStage: best.to.stage, toP95Ms: best.to.p95, ratio: r2(best.ratio), otherEndpointsDegraded: others },
  };
}

/** The overall p95 leaving its early level, per second (the series), else per stage. */
function latencyDeparture(results: RunResults): Finding | null {
  const points = results.series.filter((p) => p.requests > 0);
  if (points.length >= 2 * SUSTAIN_SEC + 1) {
    const earlyCount = Math.max(SUSTAIN_SEC, Math.min(30, Math.floor(points.length * 0.2)));
    const early = points.slice(0, earlyCount);
    const baseP95 = medianOf(early.map((p) => p.p95Ms));
    const baseRate = medianOf(early.map((p) => p.requests));
    const limit = Math.max(baseP95 * DEPARTURE_FACTOR, baseP95 + DEPARTURE_MIN_MS);
    for (let i = earlyCount; i + SUSTAIN_SEC <= points.length; i++) {
      const run = points.slice(i, i + SUSTAIN_SEC);
      if (!run.every((p) => p.p95Ms > limit)) continue;
      const at = points[i] as (typeof points)[number];
      // The offered rate while latency was out: at a step, the new step's rate; on a ramp, within a second or two of it.
      const rate = run.reduce((s, p) => s + p.requests, 0) / run.length;
      const stage = stageOfSecond(results, at.second);
      const figures = { second: at.second, ...(stage ? { stage } : {}), baselineP95Ms: r2(baseP95), p95Ms: at.p95Ms, ratePerSec: r2(rate), baselineRatePerSec: r2(baseRate) };
      const where = `at second ${at.second}${stage ? ` (stage ${stage})` : ''}`;
      if (rate > baseRate * 1.2) {
        return {
          kind: 'knee',
          severity: 'warning',
          text: `Latency left its baseline at about ${rate.toFixed(1)} req/s ${where}: p95 ${fmtMs(baseP95)} at ${baseRate.toFixed(1)} req/s early on → ${fmtMs(at.p95Ms)}.`,
          figures,
        };
      }
      return {
        kind: 'latency-rose',
        severity: 'warning',
        text: `Latency left its baseline ${where} while the rate held at about ${rate.toFixed(1)} req/s: p95 ${fmtMs(baseP95)} → ${fmtMs(at.p95Ms)}; the target slowed without more load.`,
        figures,
      };
    }
    return null;
  }
  // Too few seconds: stage by stage.
  const stats = stageStats(results).filter((s) => s.count >= MIN_CELL_REQUESTS);
  const first = stats[0];
  if (!first) return null;
  const limit = Math.max(first.p95Ms * STAGE_FACTOR, first.p95Ms + STAGE_MIN_MS);
  const hit = stats.slice(1).find((s) => s.p95Ms > limit);
  if (!hit) return null;
  // Little's law: requests in flight ≈ rate × mean latency.
  const concurrency = hit.ratePerSec * (hit.meanMs / 1000);
  const figures = { stage: hit.name, baselineStage: first.name, baselineP95Ms: r2(first.p95Ms), p95Ms: r2(hit.p95Ms), ratePerSec: r2(hit.ratePerSec), baselineRatePerSec: r2(first.ratePerSec), concurrency: r2(concurrency) };
  if (hit.ratePerSec > first.ratePerSec * 1.2) {
    return {
      kind: 'knee',
      severity: 'warning',
      text: `Latency left its baseline in stage ${hit.name} at ${hit.ratePerSec.toFixed(1)} req/s (about ${concurrency.toFixed(1)} requests in flight): p95 ${fmtMs(first.p95Ms)} in stage ${first.name} at ${first.ratePerSec.toFixed(1)} req/s → ${fmtMs(hit.p95Ms)}.`,
      figures,
    };
  }
  return {
    kind: 'latency-rose',
    severity: 'warning',
    text: `Latency left its baseline in stage ${hit.name} while the rate held at ${hit.ratePerSec.toFixed(1)} req/s: p95 ${fmtMs(first.p95Ms)} → ${fmtMs(hit.p95Ms)}.`,
    figures,
  };
}

function errorsBegan(results: RunResults): Finding | null {
  const { totals } = results;
  if (totals.errors === 0) return null;
  const kinds: Record<string, number> = { ...totals.failures };
  const fiveXx = totals.statusClasses['5xx'] ?? 0;
  if (fiveXx > 0) kinds['5xx'] = fiveXx;
  const kindText = Object.entries(kinds)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const worstEndpoint = [...results.endpoints].sort((a, b) => b.errors - a.errors || a.key.localeCompare(b.key))[0];
  const endpointText = worstEndpoint && worstEndpoint.errors > 0 ? `; most on ${worstEndpoint.key} (${worstEndpoint.errors}, ${fmtPct(worstEndpoint.errors / Math.max(1, worstEndpoint.count))} of its requests)` : '';
  const figures: Record<string, number | string> = { errors: totals.errors, errorRate: totals.requests > 0 ? totals.errors / totals.requests : 0, ...kinds };
  if (worstEndpoint && worstEndpoint.errors > 0) figures.endpoint = worstEndpoint.key;
  const firstPoint = results.series.find((p) => p.errors > 0);
  if (firstPoint) {
    const peak = results.series.reduce((a, b) => (b.requests > 0 && b.errors / b.requests > (a.requests > 0 ? a.errors / a.requests : -1) ? b : a));
    const stage = stageOfSecond(results, firstPoint.second);
    figures.firstErrorSecond = firstPoint.second;
    if (stage) figures.stage = stage;
    figures.peakErrorSecond = peak.second;
    figures.peakErrorRate = peak.requests > 0 ? peak.errors / peak.requests : 0;
    return {
      kind: 'errors-began',
      severity: 'warning',
      text:
        `Errors began at second ${firstPoint.second}${stage ? ` (stage ${stage})` : ''}, peaking at ${fmtPct(peak.requests > 0 ? peak.errors / peak.requests : 0)} in second ${peak.second}: ` +
        `${totals.errors} errors in all (${fmtPct(totals.errors / Math.max(1, totals.requests))}): ${kindText}${endpointText}.`,
      figures,
    };
  }
  // No series: the first stage with errors.
  const stage = stageOrder(results).find((s) => results.cells.some((c) => c.stage === s.name && c.errors > 0));
  if (stage) figures.stage = stage.name;
  return {
    kind: 'errors-began',
    severity: 'warning',
    text: `Errors began${stage ? ` in stage ${stage.name}` : ''}: ${totals.errors} errors in all (${fmtPct(totals.errors / Math.max(1, totals.requests))}): ${kindText}${endpointText}.`,
    figures,
  };
}

function generator(results: RunResults): Finding {
  const lag = results.schedulerLagMs.p99;
  const loop = results.eventLoopDelayMs.p99;
  const dropped = results.totals.dropped;
  const figures = { schedulerLagP99Ms: lag, eventLoopDelayP99Ms: loop, droppedSessions: dropped };
  const reasons: string[] = [];
  if (lag > GENERATOR_LIMITS.schedulerLagP99Ms) {
    // A p99 of a small run is a handful of requests: the first ones of a cold process alone can
    // set it. Late by that much must be at least GENERATOR_LIMITS.lateRequests requests.
    const late = results.schedulerLagHistogram ? countAboveMs(decodeHistogram(results.schedulerLagHistogram), GENERATOR_LIMITS.schedulerLagP99Ms) : Infinity;
    if (late >= GENERATOR_LIMITS.lateRequests) reasons.push(`scheduler lag p99 ${fmtMs(lag)} (over ${GENERATOR_LIMITS.schedulerLagP99Ms} ms${Number.isFinite(late) ? `: ${late} requests` : ''})`);
  }
  if (loop > GENERATOR_LIMITS.eventLoopDelayP99Ms) reasons.push(`event-loop delay p99 ${fmtMs(loop)} (over ${GENERATOR_LIMITS.eventLoopDelayP99Ms} ms)`);
  if (dropped > 0) reasons.push(`${dropped} session${dropped === 1 ? '' : 's'} dropped at the in-flight cap (${results.knobs.maxInFlight})`);
  if (reasons.length > 0) {
    return {
      kind: 'generator-bottleneck',
      severity: 'warning',
      text: `The generator itself was a bottleneck: ${reasons.join(', ')}; latencies include its delays: use more workers or machines, or raise --max-in-flight.`,
      figures,
    };
  }
  return {
    kind: 'generator-ok',
    severity: 'info',
    text: `The generator kept up: scheduler lag p99 ${fmtMs(lag)}, event-loop delay p99 ${fmtMs(loop)}, no sessions dropped; the latencies are the target's.`,
    figures,
  };
}

/** Findings of one run, most telling first. */
export function computeFindings(results: RunResults): Finding[] {
  const findings: Finding[] = [];
  const push = (f: Finding | null): void => {
    if (f) findings.push(f);
  };
  push(degradedFirst(results));
  push(latencyDeparture(results));
  push(errorsBegan(results));
  findings.push(generator(results));
  return findings;
}

/** The findings as text for the end of a terminal summary; empty when there are none. */
export function renderFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return '';
  const lines = ['findings'];
  for (const f of findings) lines.push(`  ${f.severity === 'warning' ? '!' : '·'} ${f.text}`);
  return `${lines.join('\n')}\n`;
}
