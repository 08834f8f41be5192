import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { ConfigError, InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { ModelBuilder } from '../model/builder.js';
import { parseModel } from '../model/load.js';
import { countsFromResults, fidelityJson, renderFidelity, scoreFidelity, type FidelityInput, type FidelityTolerances } from '../reports/fidelity.js';
import { importModel } from './import.js';
import { readRecords } from './read-records.js';

export interface FidelityOptions {
  /** Production: a model.json, a log (imported on the fly) or a results.json. */
  reference: string;
  /** The test's traffic: the same kinds. */
  against: string;
  json?: boolean | undefined;
  /** "name=value" overrides of the default tolerances (see TOLERANCE_NAMES). */
  tolerances?: string[] | undefined;
  /**
   * The candidate is the log of a run whose clock ran this many times faster (`run --speed C`):
   * its times are stretched back by C before the model is built, so think times, durations and
   * the daily shape compare with production's.
   */
  speed?: number | undefined;
  /** With `speed`: the time of day (HH:MM, UTC) the candidate log's first request stands for; default 00:00. */
  start?: string | undefined;
  /** For a candidate log: skip format detection (`combined`, ...) or give an nginx/Apache log format string (the reference's format is detected). */
  format?: string | undefined;
  logFormat?: string | undefined;
}

type LogOptions = Pick<FidelityOptions, 'format' | 'logFormat'>;

type Kind = 'model' | 'log' | 'results';

/** CLI names of the tolerances, with how to read their values. */
const TOLERANCE_NAMES: Record<string, { key: keyof FidelityTolerances; kind: 'number' | 'ratio' | 'optional' }> = {
  mix: { key: 'mixTvd', kind: 'number' },
  missing: { key: 'missingEndpoints', kind: 'number' },
  'min-share': { key: 'minEndpointShare', kind: 'number' },
  length: { key: 'sessionLengthKsD', kind: 'number' },
  'length-ratio': { key: 'sessionLengthRatio', kind: 'ratio' },
  think: { key: 'thinkTimeKsD', kind: 'number' },
  'think-ratio': { key: 'thinkTimeRatio', kind: 'ratio' },
  duration: { key: 'durationKsD', kind: 'optional' },
  navigation: { key: 'navigation', kind: 'number' },
  shape: { key: 'shapeNrmse', kind: 'number' },
  peak: { key: 'peakHours', kind: 'number' },
  'shape-days': { key: 'minShapeDays', kind: 'number' },
};

/**
 * Parses `--tolerance name=value` overrides; every problem is listed at once. A ratio is
 * `LO-HI` (0.8-1.25) or one factor F meaning 1/F–F; `duration=off` makes it informational.
 */
export function parseTolerances(specs: readonly string[]): Partial<FidelityTolerances> {
  const out: Partial<Record<keyof FidelityTolerances, unknown>> = {};
  const problems: string[] = [];
  for (const spec of specs) {
    const m = /^([a-z-]+)\s*=\s*(.+)$/.exec(spec.trim());
    const entry = m ? TOLERANCE_NAMES[m[1] as string] : undefined;
    if (!m || !entry) {
      problems.push(`--tolerance ${spec}: expected NAME=VALUE with NAME one of ${Object.keys(TOLERANCE_NAMES).join(', ')}`);
      continue;
    }
    const text = (m[2] as string).trim();
    if (entry.kind === 'optional' && (text === 'off' || text === 'none')) {
      out[entry.key] = null;
      continue;
    }
    if (entry.kind === 'ratio') {
      const range = /^(\d+(?:\.\d+)?)\s*(?:-|–|\.\.)\s*(\d+(?:\.\d+)?)$/.exec(text);
      const factor = /^(\d+(?:\.\d+)?)$/.exec(text);
      if (range && Number(range[1]) > 0 && Number(range[1]) <= 1 && Number(range[2]) >= 1) out[entry.key] = [Number(range[1]), Number(range[2])];
      else if (factor && Number(factor[1]) >= 1) out[entry.key] = [1 / Number(factor[1]), Number(factor[1])];
      else problems.push(`--tolerance ${spec}: a ratio is LO-HI around 1 (0.8-1.25) or one factor ≥ 1 (1.25 means 0.8–1.25)`);
      continue;
    }
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value < 0) problems.push(`--tolerance ${spec}: expected a number ≥ 0${entry.kind === 'optional' ? ' (or off)' : ''}`);
    else out[entry.key] = value;
  }
  if (problems.length > 0) throw new ConfigError('invalid --tolerance', problems, { hint: 'e.g. --tolerance mix=0.1 --tolerance length-ratio=0.7-1.4' });
  return out as Partial<FidelityTolerances>;
}

function parseStartMinute(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new UsageError(`--start: "${text}" is not a time of day`, { hint: 'HH:MM in UTC, e.g. --start 00:00 for a run with --window all' });
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Reads one side: a model, a results file, or a log (with the time stretch for a compressed run). */
export async function loadFidelityInput(spec: string, ctx: RunContext, stretch?: { speed: number; startMinute: number }, log: LogOptions = {}): Promise<{ input: FidelityInput; kind: Kind }> {
  if (spec.toLowerCase().endsWith('.json')) {
    if (stretch) throw new UsageError(`--speed stretches the times of a log; ${spec} is a JSON file`, { hint: 'give the log of the time-compressed run (e.g. the proxy\'s access log), or drop --speed' });
    let json: unknown;
    try {
      json = JSON.parse(await readFile(resolve(ctx.cwd, spec), 'utf8'));
    } catch (cause) {
      throw new InputError(`cannot read ${spec}: ${(cause as Error).message}`, { hint: 'give a model.json, a results.json or a log', cause });
    }
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      const o = json as Record<string, unknown>;
      if ('sessions' in o || 'arrivals' in o) return { input: parseModel(json, spec), kind: 'model' };
      if (Array.isArray(o.endpoints) && ('totals' in o || 'knobs' in o || 'verdict' in o)) return { input: countsFromResults(checkResults(o.endpoints, spec)), kind: 'results' };
    }
    throw new InputError(`${spec} is neither a tidemark model nor a results file`, { hint: 'a model is written by `tidemark import`, a results file by `tidemark run`' });
  }
  const formats = { ...(log.format !== undefined ? { format: log.format } : {}), ...(log.logFormat !== undefined ? { logFormat: log.logFormat } : {}) };
  if (stretch) return { input: await importStretched(spec, stretch.speed, stretch.startMinute, formats, ctx), kind: 'log' };
  return { input: (await importModel([spec], formats, ctx)).model, kind: 'log' };
}

function checkResults(endpoints: unknown[], where: string): { endpoints: { key: string; count: number }[] } {
  const problems: string[] = [];
  endpoints.forEach((e, i) => {
    const o = e as Record<string, unknown> | null;
    if (o === null || typeof o !== 'object') problems.push(`${where}: $.endpoints[${i}]: expected an object`);
    else {
      if (typeof o.key !== 'string') problems.push(`${where}: $.endpoints[${i}].key: expected a string`);
      if (typeof o.count !== 'number' || !Number.isFinite(o.count) || o.count < 0) problems.push(`${where}: $.endpoints[${i}].count: expected a number ≥ 0`);
    }
  });
  if (problems.length > 0) throw new InputError(`${where}: not a valid results file (${problems.length} problem${problems.length === 1 ? '' : 's'})`, { problems, hint: 'a results file is written by `tidemark run`' });
  return { endpoints: endpoints as { key: string; count: number }[] };
}

/**
 * Imports a log of a time-compressed run with its clock stretched back: each request start
 * becomes `startOfDay(first) + start + (t − first) × speed`, so a `--window all --speed 60` run
 * of 24 minutes becomes the day it stands for. Latencies stay as measured.
 */
async function importStretched(spec: string, speed: number, startMinute: number, formats: { format?: string; logFormat?: string }, ctx: RunContext): Promise<TrafficModel> {
  const stream = await readRecords([spec], formats, { cwd: ctx.cwd, stdin: ctx.stdin });
  // Lateness in the log (nginx writes at the end of a request) is stretched too: widen the reorder window.
  const builder = new ModelBuilder({ tidemarkVersion: VERSION, reorderWindowSec: 120 * speed });
  const DAY_MS = 86_400_000;
  let origin: number | null = null;
  let anchor = 0;
  for await (const batch of stream.batches) {
    for (const record of batch) {
      if (origin === null) {
        origin = record.timeMs;
        anchor = Math.floor(origin / DAY_MS) * DAY_MS + startMinute * 60_000;
      }
      builder.add({ ...record, timeMs: anchor + (record.timeMs - origin) * speed });
    }
  }
  const { stats } = stream;
  for (const source of stats.sources) builder.noteSource(source);
  for (const [reason, { count, examples }] of Object.entries(stats.rejected)) {
    for (const example of examples) builder.reject(reason, example);
    for (let i = examples.length; i < count; i++) builder.reject(reason, '');
  }
  return builder.finish();
}

/** `tidemark fidelity`: scores the candidate against the reference; exit 99 when a gate fails. */
export async function runFidelity(opts: FidelityOptions, ctx: RunContext): Promise<number> {
  const tolerances = parseTolerances(opts.tolerances ?? []);
  let stretch: { speed: number; startMinute: number } | undefined;
  if (opts.speed !== undefined) {
    if (!(opts.speed > 0)) throw new UsageError('--speed must be greater than 0', { hint: 'the --speed the candidate run used, e.g. --speed 60' });
    stretch = { speed: opts.speed, startMinute: parseStartMinute(opts.start) };
  } else if (opts.start !== undefined) {
    throw new UsageError('--start goes with --speed', { hint: 'e.g. --speed 60 --start 00:00 for a run with --window all --speed 60' });
  }
  const log: LogOptions = { format: opts.format, logFormat: opts.logFormat };
  const reference = await loadFidelityInput(opts.reference, ctx);
  const candidate = await loadFidelityInput(opts.against, ctx, stretch, log);
  const report = scoreFidelity(reference.input, candidate.input, tolerances, {
    reference: reference.kind === 'results' ? 'the reference' : 'production',
    candidate: 'the candidate',
    referenceSource: opts.reference,
    candidateSource: opts.against + (stretch ? ` (×${stretch.speed} time)` : ''),
  });
  ctx.stdout.write(opts.json ? fidelityJson(report) : renderFidelity(report));
  return report.verdict === 'pass' ? ExitCode.OK : ExitCode.THRESHOLDS_FAILED;
}
