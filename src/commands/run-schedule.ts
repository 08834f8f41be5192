/**
 * What one thread needs to play a run: the load shape compiled from the profile or model, and
 * the schedule played against the target. Kept apart from the run command (reports,
 * thresholds, importers) so that a worker thread loads only this and the engine.
 */
import type { RunContext } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { TrafficModel } from '../core/types.js';
import { HttpClient } from '../engine/http-client.js';
import { requestBuilding } from '../engine/request-builder.js';
import { runSchedule, type RunOptions as ScheduleOptions, type RunOutcome as ScheduleOutcome } from '../engine/runner.js';
import { warmUp } from '../engine/warm-up.js';
import { planModelWindow } from '../schedule/model-window.js';
import { RateCurve, type RateSegment } from '../schedule/rate-curve.js';
import { UserCurve, type UserSegment } from '../schedule/user-curve.js';
import { SessionSynthesizer } from '../synth/synthesizer.js';
import type { Profile, StageSpec } from './profile.js';
import type { RunKnobs } from '../reports/results.js';
import type { RunOptions } from './run.js';

/** Open-model runs of at least this many requests per second (per thread) start warm (see warmUp). */
const WARM_FROM_PER_SEC = 500;

/**
 * connections: sockets to the target at most. Unlimited sockets collapse above ~2,000 req/s (a
 * hiccup opens thousands; undici scans them all to find a free one): 256 is plenty for an open
 * model against one origin, and a request waiting for a socket is still measured from its
 * intended time.
 */
export const DEFAULTS = { scale: 1, speed: 1, window: 'peak', durationMs: 60_000, seed: 1, maxInFlight: 10_000, timeoutMs: 10_000, drainMs: 5_000, connections: 256 };

export interface LoadPlan {
  curve: RateCurve;
  users?: UserCurve;
  arrivals: 'poisson' | 'uniform';
  singleRequests: boolean;
  description: string;
  mode: RunKnobs['mode'];
  scale: number;
  speed: number;
  window: string;
}

/** Compiles the load shape: a fixed rate, the profile's stages (open or closed), or the model's window. */
export function planLoad(model: TrafficModel, profile: Profile | null, opts: RunOptions): LoadPlan {
  const scale = opts.scale ?? profile?.load.scale ?? DEFAULTS.scale;
  const speed = opts.speed ?? profile?.load.speed ?? DEFAULTS.speed;
  const window = opts.window ?? profile?.load.window ?? DEFAULTS.window;
  if (!(scale > 0)) throw new UsageError('--scale must be greater than 0', { hint: 'e.g. --scale 3 for three times the real peak' });
  if (!(speed > 0)) throw new UsageError('--speed must be greater than 0', { hint: 'e.g. --speed 60 plays an hour in a minute' });
  const durationMs = opts.durationMs ?? profile?.load.durationMs ?? DEFAULTS.durationMs;
  if (opts.rate !== undefined) {
    if (!(opts.rate > 0)) throw new UsageError('--rate must be greater than 0', { hint: 'requests per second, e.g. --rate 2000' });
    const curve = new RateCurve([{ startMs: 0, endMs: durationMs, fromPerSec: opts.rate, toPerSec: opts.rate, stage: 'main' }]);
    return { curve, arrivals: 'uniform', singleRequests: true, description: `a fixed ${opts.rate} requests/s, evenly spaced, endpoints drawn from the model's mix`, mode: 'rate', scale: 1, speed: 1, window };
  }
  if (profile && profile.stages.length > 0) {
    if (window !== 'peak') throw new UsageError('--window applies to model-driven runs; this profile has stages', { hint: 'drop --window, or remove the stages' });
    const totalMs = profile.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
    const durationScale = (opts.durationMs !== undefined ? opts.durationMs / totalMs : 1) * (opts.timeScale ?? 1);
    // Targets ramp linearly from the previous stage's target (the first stage holds its own).
    if (profile.stages[0]?.target.kind === 'users') {
      const segments: UserSegment[] = [];
      let at = 0;
      let previous: number | null = null;
      for (const stage of profile.stages) {
        const to = (stage.target as { users: number }).users * scale;
        const length = stage.durationMs * durationScale;
        segments.push({ startMs: at, endMs: at + length, fromUsers: previous ?? to, toUsers: to, stage: stage.name });
        at += length;
        previous = to;
      }
      const users = new UserCurve(segments);
      return { curve: new RateCurve([]), users, arrivals: 'poisson', singleRequests: false, description: `${profile.stages.length} closed stage(s) of profile ${profile.name}, up to ${users.maxUsers()} users`, mode: 'users', scale, speed, window };
    }
    const peak = model.arrivals.peak.sessionsPerSec;
    const rateOf = (t: StageSpec['target']): number => (t.kind === 'scale' ? t.value * peak : t.kind === 'rate' ? t.perSec : 0) * scale * speed;
    const segments: RateSegment[] = [];
    let at = 0;
    let previous: number | null = null;
    for (const stage of profile.stages) {
      const to = rateOf(stage.target);
      const length = stage.durationMs * durationScale;
      segments.push({ startMs: at, endMs: at + length, fromPerSec: previous ?? to, toPerSec: to, stage: stage.name });
      at += length;
      previous = to;
    }
    return { curve: new RateCurve(segments), arrivals: 'poisson', singleRequests: false, description: `${profile.stages.length} stage(s) of profile ${profile.name}, relative to the peak hour ${model.arrivals.peak.start}`, mode: 'stages', scale, speed, window };
  }
  const plan = planModelWindow(model, { scale, speed, window, durationMs });
  return { curve: plan.curve, arrivals: 'poisson', singleRequests: false, description: plan.description, mode: 'model', scale, speed, window };
}

/** Everything a thread needs to play (its share of) a run; plain data, so it crosses to workers. */
export interface ScheduleJob {
  model: TrafficModel;
  profile: Profile | null;
  opts: RunOptions;
  target: string;
  seed: number;
  warmStart: boolean;
  maxInFlight: number;
  connections: number | null;
  segment: { index: number; count: number } | undefined;
}

export type SecondHook = NonNullable<Parameters<typeof runSchedule>[0]['onSecond']>;

/** Plays the job's schedule (or its segment) in this thread. */
export async function executeSchedule(job: ScheduleJob, ctx: RunContext, onSecond?: SecondHook, beforeStart?: () => Promise<void>): Promise<ScheduleOutcome> {
  const { model, profile, opts, seed } = job;
  const load = planLoad(model, profile, opts);
  const synth = new SessionSynthesizer(model, { seed });
  const building = requestBuilding(profile?.requests ?? {}, profile?.defaults.headers ?? {}, ctx.env, seed);
  const lookbackMs = job.warmStart && !load.singleRequests && !load.users ? Math.min(3_600_000, model.sessions.durationSec.max * 1000) / load.speed : 0;
  const clientOptions = { connections: job.connections, pipelining: 1, connectTimeoutMs: 5_000, timeoutMs: opts.timeoutMs ?? profile?.http.timeoutMs ?? DEFAULTS.timeoutMs, insecure: opts.insecure === true };
  // One clock function for the warm-up's clients and the run's (see warmUp).
  const now = (): number => ctx.clock.nowMs();
  const client = new HttpClient({ target: job.target, ...clientOptions }, now);
  const runOptions: ScheduleOptions = {
    curve: load.curve,
    arrivals: load.arrivals,
    users: load.users,
    segment: job.segment,
    sessions: load.singleRequests ? (id) => synth.single(id) : profile && profile.flow.length > 0 ? (id) => synth.flowSession(id, profile.flow) : (id) => synth.session(id),
    seed,
    thinkTimeFactor: 1 / load.speed,
    warmStartLookbackMs: lookbackMs,
    maxInFlight: job.maxInFlight,
    drainTimeoutMs: opts.drainMs ?? DEFAULTS.drainMs,
    buildRequest: building.build,
    onResponse: building.onResponse,
    wantBody: building.wantBody,
    onSecond,
    beforeStart,
    urgent: ctx.urgent,
    maxRatePerSec: job.segment && opts.maxRate !== undefined ? opts.maxRate / job.segment.count : opts.maxRate,
  };
  try {
    // Fast open-model runs start warm: the engine's code compiled on a throwaway local server,
    // and sockets to the target open (about 5 ms worth of requests), before the clock starts.
    const peakSessionsPerSec = Math.max(0, ...load.curve.segments.map((s) => Math.max(s.fromPerSec, s.toPerSec)));
    const peakPerSec = (peakSessionsPerSec * (load.singleRequests ? 1 : model.sessions.length.mean)) / (job.segment?.count ?? 1);
    if (!load.users && peakPerSec >= WARM_FROM_PER_SEC && !ctx.signal.aborted) {
      await warmUp(runOptions, clientOptions, ctx.clock, now);
      await client.preconnect(Math.min(job.connections ?? 256, Math.ceil(peakPerSec * 0.005)));
    }
    return await runSchedule(runOptions, client, ctx.clock, ctx.signal);
  } finally {
    await client.close();
  }
}
