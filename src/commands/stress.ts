import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import type { RunResults } from '../reports/results.js';
import { fmtMs, fmtPct, renderTable } from '../reports/table.js';
import { loadRunInput, runLoad, type RunOptions } from './run.js';
import { toJson, writeFileAtomic } from './write-output.js';

export interface StressOptions extends Omit<RunOptions, 'scale' | 'durationMs' | 'rate'> {
  /** Multipliers to try in order (of the peak session rate, or of one endpoint's peak request rate). */
  steps?: number[] | undefined;
  stepDurationMs?: number | undefined;
  /** A step breaks when its error rate exceeds this (default 5%) or a threshold fails. */
  maxErrorRate?: number | undefined;
  /** Stress this endpoint alone: single requests at multiples of its own peak rate. */
  endpoint?: string | undefined;
  /** Pause after the break before returning, so the target can recover (default 5 s). */
  cooldownMs?: number | undefined;
}

export interface StressStep {
  multiplier: number;
  targetPerSec: number;
  achievedPerSec: number;
  errorRate: number;
  p95Ms: number;
  p99Ms: number;
  failed: string[];
  broke: boolean;
}

export interface StressReport {
  steps: StressStep[];
  /** The last step that held, or null when the first broke. */
  held: StressStep | null;
  /** The first step that broke, or null when none did. */
  broke: StressStep | null;
  /** Requests/s each endpoint sustained in the last step that held. */
  sustainedPerEndpoint: Record<string, number>;
  endpoint: string | null;
}

const DEFAULT_STEPS = [1, 2, 4, 8, 16, 32, 64];

/** A copy of the model with one endpoint only, for `--endpoint`. */
function isolate(model: TrafficModel, key: string): TrafficModel {
  const endpoint = model.endpoints.find((e) => e.key === key);
  if (!endpoint) {
    throw new InputError(`--endpoint: "${key}" is not in the model`, { hint: `known: ${model.endpoints.slice(0, 12).map((e) => e.key).join(', ')}` });
  }
  return { ...model, endpoints: [{ ...endpoint, share: 1 }], sessions: { ...model.sessions, entry: { [key]: 1 }, transitions: { [key]: { $exit: 1 } } } };
}

/**
 * `tidemark stress`: raise the load in steps, holding each long enough to judge it, until the
 * breaking point (error rate over the limit, or a threshold failing); then stop at once and cool
 * down: a stress test must never keep hammering a broken system.
 */
export async function runStress(opts: StressOptions, ctx: RunContext): Promise<{ exitCode: number; report: StressReport }> {
  const steps = opts.steps ?? DEFAULT_STEPS;
  if (steps.length === 0 || steps.some((s) => !(s > 0))) throw new UsageError('--steps: a list of positive multipliers, e.g. 1,2,4,8');
  const stepDurationMs = opts.stepDurationMs ?? 30_000;
  const maxErrorRate = opts.maxErrorRate ?? 0.05;
  const loaded = await loadRunInput(opts.input, ctx);
  const model = opts.endpoint ? isolate(loaded.model, opts.endpoint) : loaded.model;
  const endpointPeak = opts.endpoint ? loaded.model.arrivals.peak.requestsPerSec * (loaded.model.endpoints.find((e) => e.key === opts.endpoint)?.share ?? 0) : 0;
  const profile = loaded.profile ? { ...loaded.profile, stages: [] } : null;

  const report: StressReport = { steps: [], held: null, broke: null, sustainedPerEndpoint: {}, endpoint: opts.endpoint ?? null };
  let lastGood: RunResults | null = null;
  for (const multiplier of steps) {
    if (ctx.signal.aborted) break;
    const runOpts: RunOptions = { ...opts, durationMs: stepDurationMs, noOut: true };
    if (opts.endpoint) runOpts.rate = Math.max(0.1, endpointPeak * multiplier);
    else runOpts.scale = multiplier;
    ctx.stdout.write(`\n── step ${multiplier}× ${opts.endpoint ? `(${opts.endpoint} at ${runOpts.rate?.toFixed(1)} req/s)` : 'of the peak'} for ${Math.round(stepDurationMs / 1000)}s\n`);
    const { results } = await runLoad(runOpts, ctx, { ...loaded, model, profile });
    const errorRate = results.totals.requests ? results.totals.errors / results.totals.requests : 0;
    const failed = results.thresholds.filter((t) => !t.ok).map((t) => t.expression);
    if (errorRate > maxErrorRate) failed.unshift(`error rate ${fmtPct(errorRate)} > ${fmtPct(maxErrorRate)}`);
    const step: StressStep = {
      multiplier,
      targetPerSec: results.rate.targetPerSec,
      achievedPerSec: results.rate.achievedPerSec,
      errorRate,
      p95Ms: results.overall.latencyMs.p95,
      p99Ms: results.overall.latencyMs.p99,
      failed,
      broke: failed.length > 0 || results.partial,
    };
    report.steps.push(step);
    if (step.broke) {
      report.broke = step;
      break;
    }
    report.held = step;
    lastGood = results;
  }
  if (lastGood) {
    const seconds = lastGood.knobs.durationMs / 1000;
    for (const e of lastGood.endpoints) report.sustainedPerEndpoint[e.key] = Math.round((e.count / seconds) * 100) / 100;
  }
  ctx.stdout.write(`\n${renderStress(report)}`);
  if (opts.out) await writeFileAtomic(resolve(ctx.cwd, opts.out), toJson(report));
  if (report.broke) {
    const cooldownMs = opts.cooldownMs ?? 5_000;
    ctx.stdout.write(`cooling down for ${Math.round(cooldownMs / 1000)}s: no load is sent\n`);
    await new Promise((r) => setTimeout(r, cooldownMs));
  }
  return { exitCode: ctx.signal.aborted ? ExitCode.INTERRUPTED : ExitCode.OK, report };
}

export function renderStress(report: StressReport): string {
  const rows = report.steps.map((s) => [`${s.multiplier}×`, s.targetPerSec.toFixed(1), s.achievedPerSec.toFixed(1), fmtPct(s.errorRate), fmtMs(s.p95Ms), fmtMs(s.p99Ms), s.broke ? `✗ ${s.failed.join('; ')}` : '✓']);
  const lines = [renderTable(['step', 'target/s', 'achieved/s', 'errors', 'p95', 'p99', 'verdict'], rows, [false, true, true, true, true, true, false]), ''];
  if (report.broke && report.held) lines.push(`breaking point: held ${report.held.multiplier}× (${report.held.achievedPerSec.toFixed(1)} req/s), broke at ${report.broke.multiplier}× (${report.broke.failed.join('; ')})`);
  else if (report.broke) lines.push(`breaking point: the first step (${report.broke.multiplier}×) already broke (${report.broke.failed.join('; ')})`);
  else lines.push(`no break up to ${report.held?.multiplier ?? 0}×: raise --steps to find the limit`);
  const sustained = Object.entries(report.sustainedPerEndpoint);
  if (sustained.length > 0) lines.push(`sustained in the last step that held: ${sustained.map(([k, v]) => `${k} ${v}/s`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
