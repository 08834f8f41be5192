import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { ConfigError, InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { defaultWorkerCount, runWorkers } from './run-workers.js';
import { DEFAULTS, executeSchedule, planLoad, type ScheduleJob, type SecondHook } from './run-schedule.js';
import { parseModel } from '../model/load.js';
import { buildResults, type RunResults } from '../reports/results.js';
import { selfCheck } from '../reports/fidelity.js';
import { ProgressLine, progressSnapshot } from '../reports/progress.js';
import { renderRunSummary } from '../reports/terminal.js';
import { RateCurve } from '../schedule/rate-curve.js';
import type { UserCurve } from '../schedule/user-curve.js';
import { SessionSynthesizer } from '../synth/synthesizer.js';
import { parseTraffic, selectTraffic } from '../synth/traffic-class.js';
import { evaluateThreshold, evaluateThresholds, type StageSpan } from '../thresholds/evaluate.js';
import { parseThresholds, type Threshold } from '../thresholds/parse.js';
import { importModel } from './import.js';
import { loadProfile, type Profile } from './profile.js';
import { toJson } from './write-output.js';
import { modelMixOf, writeOutput, writeRunReports, type RunReportOutputs } from './write-reports.js';

export interface RunOptions {
  /** A profile, a model.json, or a log (imported on the fly). */
  input: string;
  target?: string | undefined;
  scale?: number | undefined;
  speed?: number | undefined;
  window?: string | undefined;
  durationMs?: number | undefined;
  /** `--traffic`: replay only people (`human`), only bots and crawlers (`bot`), or `all` (the default). */
  traffic?: string | undefined;
  /** A fixed request rate (requests/s, evenly spaced, one request per session drawn from the mix). */
  rate?: number | undefined;
  /** A ceiling on requests per second, whatever the model or profile says. */
  maxRate?: number | undefined;
  /** Do not verify TLS certificates (said in every report). */
  insecure?: boolean | undefined;
  /** Worker threads sharing the schedule (each plays a deterministic share; results merge exactly). */
  workers?: number | undefined;
  /** Play only this share of the schedule ("i/N"); N processes together play it all exactly once. */
  segment?: string | undefined;
  /** Wall-clock time (ISO 8601) at which to start, so that segments on several machines start together. */
  startAt?: string | undefined;
  /** Multiplies every stage's duration (flash-sale.json with 0.05 runs in a minute). */
  timeScale?: number | undefined;
  seed?: number | undefined;
  warmStart?: boolean | undefined;
  maxInFlight?: number | undefined;
  connections?: number | null | undefined;
  timeoutMs?: number | undefined;
  drainMs?: number | undefined;
  /** Extra thresholds from the command line, added to the profile's. */
  thresholds?: string[] | undefined;
  out?: string | undefined;
  /** Skip writing results.json. */
  noOut?: boolean | undefined;
  /** Extra report files: --html, --junit, --out-series. */
  reports?: RunReportOutputs | undefined;
}

export interface RunOutcome {
  exitCode: number;
  results: RunResults;
}


/** Loads the input: a profile (with its model), a model file, or a log to import. */
export async function loadRunInput(input: string, ctx: RunContext): Promise<{ profile: Profile | null; model: TrafficModel; source: string }> {
  const path = resolve(ctx.cwd, input);
  if (path.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (cause) {
      throw new InputError(`cannot read ${input}: ${(cause as Error).message}`, { hint: 'give a profile, a model.json written by `tidemark import`, or a log', cause });
    }
    if (json !== null && typeof json === 'object' && 'schemaVersion' in json && 'endpoints' in json) {
      return { profile: null, model: parseModel(json, input), source: input };
    }
    const profile = await loadProfile(path);
    if (!profile.model) throw new ConfigError(`${input}: the profile names no model`, ['$.model: required: a model.json or a log file, relative to the profile']);
    const model = await loadModelOrLog(profile.model, ctx);
    return { profile, model, source: `${input} (model ${profile.model})` };
  }
  return { profile: null, model: await loadModelOrLog(path, ctx), source: input };
}

async function loadModelOrLog(path: string, ctx: RunContext): Promise<TrafficModel> {
  if (path.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (cause) {
      throw new InputError(`cannot read model ${path}: ${(cause as Error).message}`, { hint: 'write one with `tidemark import LOG -o model.json`', cause });
    }
    return parseModel(json, path);
  }
  return (await importModel([path], {}, ctx)).model;
}


function userStageSpans(users: UserCurve): StageSpan[] {
  return stageSpans(new RateCurve(users.segments.map((s) => ({ startMs: s.startMs, endMs: s.endMs, fromPerSec: 0, toPerSec: 0, stage: s.stage }))));
}

function stageSpans(curve: RateCurve): StageSpan[] {
  const spans: StageSpan[] = [];
  for (const segment of curve.segments) {
    const last = spans[spans.length - 1];
    if (last && last.name === segment.stage && last.endMs === segment.startMs) last.endMs = segment.endMs;
    else spans.push({ name: segment.stage, startMs: segment.startMs, endMs: segment.endMs });
  }
  return spans;
}

/**
 * `tidemark run`: replays synthesized sessions of the model against the target, measures,
 * judges, prints the summary and writes results.json.
 */
export async function runLoad(opts: RunOptions, ctx: RunContext, preloaded?: { profile: Profile | null; model: TrafficModel; source: string }): Promise<RunOutcome> {
  const loaded = preloaded ?? (await loadRunInput(opts.input, ctx));
  const { profile, source } = loaded;
  // One class of traffic: the model as if only it had been logged (its sessions, its share of the rate).
  const traffic = parseTraffic(opts.traffic);
  const model = selectTraffic(loaded.model, traffic);
  const target = opts.target ?? profile?.target;
  if (!target) throw new UsageError('no target: give --target URL (or "target" in the profile)', { hint: 'e.g. --target http://127.0.0.1:8080' });
  refuseForbidden(target, profile?.forbiddenTargets ?? []);
  if (opts.maxRate !== undefined && !(opts.maxRate > 0)) throw new UsageError('--max-rate must be greater than 0', { hint: 'requests per second, e.g. --max-rate 500' });

  const extra = parseThresholds(opts.thresholds ?? []);
  if (extra.problems.length > 0) throw new ConfigError('invalid --threshold', extra.problems);
  const thresholds: Threshold[] = [...(profile?.thresholds ?? []), ...extra.thresholds];

  const load = planLoad(model, profile, opts);
  if (traffic !== 'all') load.description += `; ${traffic} traffic only (${model.sessions.count} of ${loaded.model.sessions.count} sessions)`;
  const seed = opts.seed ?? profile?.seed ?? DEFAULTS.seed;
  const warmStart = opts.warmStart ?? profile?.load.warmStart ?? true;
  const maxInFlight = opts.maxInFlight ?? profile?.http.maxInFlight ?? DEFAULTS.maxInFlight;
  const connections = opts.connections !== undefined ? opts.connections : profile?.http.connections !== undefined ? profile.http.connections : DEFAULTS.connections;
  const synth = new SessionSynthesizer(model, { seed });
  if (synth.endpointKeys().length === 0) throw new InputError(`${source}: the model has no replayable endpoint`, { hint: 'import a log with requests first' });

  const scheduledMs = load.users ? load.users.durationMs : load.curve.durationMs;
  const stages = load.users ? userStageSpans(load.users) : stageSpans(load.curve);
  const segment = opts.segment !== undefined ? parseSegment(opts.segment) : undefined;
  // --workers, else TIDEMARK_WORKERS (a CI job's, or the test suite's, default), else the machine's.
  const fromEnv = ctx.env.TIDEMARK_WORKERS;
  const workers = opts.workers ?? (fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : defaultWorkerCount(target));
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UsageError(opts.workers === undefined ? `TIDEMARK_WORKERS="${fromEnv}": give a whole number from 1 to 64` : '--workers takes a whole number from 1 to 64');
  }
  if (opts.startAt !== undefined) await waitForStart(opts.startAt, ctx);

  const job: ScheduleJob = { model, profile, opts, target, seed, warmStart, maxInFlight, connections, segment };
  // Thresholds that abort: judged live every second (after their grace delay); the first to fail
  // stops the run, which then drains and writes its results like an interrupted one.
  const aborting = thresholds.filter((t) => t.abortOnFail);
  const stopper = new AbortController();
  const runCtx: RunContext = aborting.length > 0 ? { ...ctx, signal: AbortSignal.any([ctx.signal, stopper.signal]) } : ctx;
  // Live progress: one redrawn line on a terminal, a plain line every 10 s otherwise.
  const progress = new ProgressLine({ tty: ctx.stderr.isTTY === true, color: ctx.stderr.isTTY === true });
  const onSecond: SecondHook = (elapsedMs, recorder, live) => {
    if (progress.due(elapsedMs)) {
      const snapshot = progressSnapshot(recorder, { elapsedMs, inFlight: live.inFlight, sessions: live.sessions, curve: load.users ?? load.curve, meanSessionLength: load.singleRequests ? 1 : model.sessions.length.mean });
      const line = progress.update(snapshot);
      if (line) ctx.stderr.write(line);
    }
    for (const threshold of aborting) {
      if (elapsedMs < threshold.abortGraceMs || stopper.signal.aborted) continue;
      const result = evaluateThreshold(threshold, { recorder, elapsedMs, stages });
      if (!result.ok && result.actual !== null) {
        ctx.stderr.write(`  threshold "${threshold.expression}" failed at ${Math.round(elapsedMs / 1000)}s (actual ${result.actualText}): aborting the run\n`);
        stopper.abort(new Error(`aborted: threshold "${threshold.expression}" failed at ${Math.round(elapsedMs / 1000)}s (actual ${result.actualText})`));
      }
    }
  };
  const run = workers === 1 ? await executeSchedule(job, runCtx, onSecond) : await runWorkers(job, workers, runCtx);
  const last = progress.finish();
  if (last) ctx.stderr.write(last);
  const origin = new URL(target).origin;

  const thresholdResults = evaluateThresholds(thresholds, { recorder: run.recorder, elapsedMs: run.durationMs, stages });
  const results = buildResults({
    tidemarkVersion: VERSION,
    recorder: run.recorder,
    thresholds: thresholdResults,
    target: origin,
    source,
    knobs: {
      mode: load.mode,
      scale: load.scale,
      speed: load.speed,
      window: load.window,
      durationMs: scheduledMs,
      seed,
      warmStart,
      maxInFlight,
      connections,
      description: load.description,
      ...(segment ? { segment: `${segment.index}/${segment.count}` } : {}),
      ...(workers > 1 ? { workers } : {}),
      ...(opts.maxRate !== undefined ? { maxRatePerSec: opts.maxRate } : {}),
      ...(opts.insecure ? { insecure: true } : {}),
    },
    stages,
    startedAtWallMs: run.startedAtWallMs,
    endedAtWallMs: run.endedAtWallMs,
    durationMs: run.durationMs,
    targetSessionsPerSec: load.curve.meanRatePerSec(),
    meanSessionLength: load.singleRequests ? 1 : model.sessions.length.mean,
    targetPerSecAt: load.users ? undefined : (second) => load.curve.rateAt(second * 1000 + 500) * (load.singleRequests ? 1 : model.sessions.length.mean),
    partial: run.partial,
    partialReason: run.partialReason,
    eventLoopDelayMs: run.eventLoopDelayMs,
  });

  // A scripted flow is not the model's traffic: there is nothing to self-check against.
  if (load.mode !== 'replay' && !(profile && profile.flow.length > 0)) results.selfCheck = selfCheck(model, results);
  ctx.stdout.write(renderRunSummary(results, { color: ctx.stdout.isTTY === true }));
  if (!opts.noOut) {
    await writeOutput(opts.out ?? 'results.json', toJson(results), 'application/json', ctx);
    ctx.stdout.write(`results written to ${opts.out ?? 'results.json'}\n`);
  }
  await writeRunReports(results, { ...opts.reports, modelMix: modelMixOf(model) }, ctx);
  // A run stopped by an abort threshold failed its thresholds (99, as k6); one stopped by the user was interrupted (130).
  const interrupted = run.partial && !(stopper.signal.aborted && !ctx.signal.aborted);
  const exitCode = interrupted ? ExitCode.INTERRUPTED : results.verdict === 'pass' ? ExitCode.OK : ExitCode.THRESHOLDS_FAILED;
  return { exitCode, results };
}

/** "2/4" → { index: 2, count: 4 }. */
export function parseSegment(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 0) || index >= count) {
    throw new UsageError(`--segment: "${text}" is not a segment`, { hint: 'use i/N with 0 <= i < N, e.g. --segment 0/4 … 3/4' });
  }
  return { index, count };
}

/** Waits until the wall clock reaches `iso` (at most a day ahead), or the run is interrupted. */
async function waitForStart(iso: string, ctx: RunContext): Promise<void> {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new UsageError(`--start-at: "${iso}" is not an ISO 8601 time`, { hint: 'e.g. --start-at 2026-11-29T12:00:00Z' });
  const waitMs = at - ctx.clock.wallMs();
  if (waitMs > 86_400_000) throw new UsageError(`--start-at: ${iso} is more than a day away`, { hint: 'give a time within the next 24 hours' });
  if (waitMs <= 0) return;
  ctx.stderr.write(`waiting ${Math.round(waitMs / 1000)}s until ${iso}\n`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}


/**
 * A profile may list targets tidemark must never load (production hostnames): globs matched
 * against the target's host and against its whole origin.
 */
export function refuseForbidden(target: string, patterns: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return; // the HTTP client reports a malformed target
  }
  for (const pattern of patterns) {
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    if (re.test(url.hostname) || re.test(url.host) || re.test(url.origin)) {
      throw new UsageError(`refusing to load ${url.origin}: the profile forbids targets matching "${pattern}"`, { hint: 'point --target at a staging system' });
    }
  }
}

export { executeSchedule, type ScheduleJob } from './run-schedule.js';
