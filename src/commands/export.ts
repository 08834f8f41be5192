import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { planModelWindow } from '../schedule/model-window.js';
import { exportArtillery } from '../synth/export-artillery.js';
import { exportK6, type ExportInput, type ExportSegment, type ExportUserSegment } from '../synth/export-k6.js';
import { parseThresholds } from '../thresholds/parse.js';
import type { Profile } from './profile.js';
import { loadRunInput } from './run.js';
import { writeFileAtomic } from './write-output.js';

export const EXPORT_FORMATS = ['k6', 'artillery'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: string;
  /** A profile, a model.json, or a log (imported on the fly). */
  input: string;
  /** Where to write; stdout when absent. */
  out?: string | undefined;
  target?: string | undefined;
  scale?: number | undefined;
  speed?: number | undefined;
  /** `all` (the whole average day, the default without profile stages), `peak`, or HH:MM-HH:MM. */
  window?: string | undefined;
  durationMs?: number | undefined;
  /** Extra thresholds, added to the profile's. */
  thresholds?: string[] | undefined;
  /** Artillery: sessions drawn to build the weighted scenarios. */
  flows?: number | undefined;
  seed?: number | undefined;
}

/**
 * The load shape as session-rate segments: the profile's stages (each ramping from the
 * previous stage's target, as `run` plays them), or the model's window at scale × speed.
 */
export function exportSegments(
  model: TrafficModel,
  profile: Profile | null,
  opts: Pick<ExportOptions, 'scale' | 'speed' | 'window' | 'durationMs'>,
): { segments: ExportSegment[]; users?: ExportUserSegment[]; description: string; speed: number } {
  const scale = opts.scale ?? profile?.load.scale ?? 1;
  const speed = opts.speed ?? profile?.load.speed ?? 1;
  if (!(scale > 0)) throw new UsageError('--scale must be greater than 0', { hint: 'e.g. --scale 3 for three times the real peak' });
  if (!(speed > 0)) throw new UsageError('--speed must be greater than 0', { hint: 'e.g. --speed 60 plays an hour in a minute' });
  if (profile && profile.stages.length > 0 && opts.window === undefined) {
    const peak = model.arrivals.peak.sessionsPerSec;
    const total = profile.stages.reduce((s, st) => s + st.durationMs, 0);
    const stretch = opts.durationMs !== undefined && total > 0 ? opts.durationMs / total : 1;
    let at = 0;
    let previous: number | null = null;
    if (profile.stages[0]?.target.kind === 'users') {
      // Closed-model stages: users × scale (a user's sessions follow each other; speed shortens them).
      const users: ExportUserSegment[] = [];
      for (const stage of profile.stages) {
        const to = (stage.target.kind === 'users' ? stage.target.users : 0) * scale;
        const length = stage.durationMs * stretch;
        users.push({ startMs: at, endMs: at + length, fromUsers: previous ?? to, toUsers: to, stage: stage.name });
        at += length;
        previous = to;
      }
      return { segments: [], users, description: `${profile.stages.length} closed stage(s) of profile ${profile.name}, up to ${Math.max(...users.map((u) => u.toUsers))} users`, speed };
    }
    const segments: ExportSegment[] = [];
    for (const stage of profile.stages) {
      const to = (stage.target.kind === 'scale' ? stage.target.value * peak : stage.target.kind === 'rate' ? stage.target.perSec : 0) * scale * speed;
      const length = stage.durationMs * stretch;
      segments.push({ startMs: at, endMs: at + length, fromPerSec: previous ?? to, toPerSec: to, stage: stage.name });
      at += length;
      previous = to;
    }
    return { segments, description: `${profile.stages.length} stage(s) of profile ${profile.name} relative to the peak hour (${peak.toFixed(3)} sessions/s) × scale ${scale}${speed !== 1 ? ` × speed ${speed}` : ''}`, speed };
  }
  // Without stages: the whole average day unless a window is asked for (`run` defaults to the peak hour).
  const window = opts.window ?? profile?.load.window ?? 'all';
  const durationMs = opts.durationMs ?? profile?.load.durationMs;
  const plan = planModelWindow(model, { scale, speed, window, ...(durationMs !== undefined ? { durationMs } : {}) });
  return { segments: plan.curve.segments.map((s) => ({ ...s })), description: `${plan.description} × scale ${scale}${speed !== 1 ? `, speed ${speed}` : ''}`, speed };
}

/** `tidemark export k6|artillery`: writes the model (and profile) as a k6 script or an Artillery YAML. */
export async function runExport(opts: ExportOptions, ctx: RunContext): Promise<number> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`tidemark export: unknown format "${opts.format}"`, { hint: `use one of: ${EXPORT_FORMATS.join(', ')}` });
  }
  if (opts.flows !== undefined && !(opts.flows >= 1)) throw new UsageError('--flows must be at least 1', { hint: 'e.g. --flows 500' });
  const extra = parseThresholds(opts.thresholds ?? []);
  if (extra.problems.length > 0) throw new ConfigError('invalid --threshold', extra.problems);
  const { profile, model, source } = await loadRunInput(opts.input, ctx);
  const { segments, users, description, speed } = exportSegments(model, profile, opts);
  const input: ExportInput = {
    model,
    segments,
    users,
    speed,
    target: opts.target ?? profile?.target ?? null,
    thresholds: [...(profile?.thresholds ?? []), ...extra.thresholds],
    requests: profile?.requests ?? {},
    defaultHeaders: profile?.defaults.headers ?? {},
    description,
    source,
    tidemarkVersion: VERSION,
  };
  let text: string;
  let untranslated: string[];
  if (opts.format === 'k6') {
    const k6 = exportK6(input);
    text = k6.script;
    untranslated = k6.untranslated;
  } else {
    const artillery = exportArtillery(input, { ...(opts.flows !== undefined ? { flows: opts.flows } : {}), seed: opts.seed ?? profile?.seed ?? 1 });
    text = artillery.yaml;
    untranslated = artillery.untranslated;
  }
  for (const u of untranslated) ctx.stderr.write(`warning: threshold not translated: ${u}\n`);
  const shape: readonly { endMs: number }[] = users ?? segments;
  const totalMs = shape.length > 0 ? (shape[shape.length - 1] as { endMs: number }).endMs : 0;
  if (opts.out) {
    await writeFileAtomic(resolve(ctx.cwd, opts.out), text);
    ctx.stderr.write(`${opts.format} ${opts.format === 'k6' ? 'script' : 'YAML'} written to ${opts.out}: ${description}, ${Math.round(totalMs / 1000)} s\n`);
  } else {
    ctx.stdout.write(text);
  }
  return ExitCode.OK;
}
