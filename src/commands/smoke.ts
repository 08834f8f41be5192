import type { RunContext } from '../core/context.js';
import { loadRunInput, runLoad, type RunOptions, type RunOutcome } from './run.js';

export interface SmokeOptions extends Omit<RunOptions, 'scale' | 'window' | 'rate'> {
  /** Multiple of the model's *average* rate (default 1). */
  scale?: number | undefined;
}

/**
 * `tidemark smoke`: the 30-second CI gate. Plays the model's average rate (not its peak) for a
 * short time with the profile's thresholds: enough to catch a broken build, cheap enough for
 * every pull request.
 */
export async function runSmoke(opts: SmokeOptions, ctx: RunContext): Promise<RunOutcome> {
  const loaded = await loadRunInput(opts.input, ctx);
  const { model } = loaded;
  const perHour = model.arrivals.sessionsPerHour;
  const averagePerSec = perHour.reduce((s, v) => s + v, 0) / Math.max(1, perHour.length) / 3600;
  const peak = model.arrivals.peak.sessionsPerSec;
  const relative = peak > 0 ? averagePerSec / peak : 1;
  ctx.stdout.write(`smoke: the model's average rate (${averagePerSec.toFixed(3)} sessions/s, ${(relative * 100).toFixed(0)}% of the peak) × ${opts.scale ?? 1} for ${Math.round((opts.durationMs ?? 30_000) / 1000)}s\n`);
  // A profile's stages are for full runs; smoke plays the model window with the profile's requests and thresholds.
  const profile = loaded.profile ? { ...loaded.profile, stages: [] } : null;
  return runLoad({ ...opts, durationMs: opts.durationMs ?? 30_000, window: 'peak', scale: relative * (opts.scale ?? 1) }, ctx, { ...loaded, profile });
}
