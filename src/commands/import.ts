import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { RunContext } from '../core/context.js';
import { InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { parseSessionKey } from '../formats/session-key.js';
import { ModelBuilder } from '../model/builder.js';
import { formatRejections, formatSourceSummary, readRecords, type ReadStats } from './read-records.js';
import { readUserRoutes } from './read-routes.js';
import { mergeModels, type NamedModel } from '../model/merge.js';
import { parseModel } from '../model/load.js';
import { modelToJson } from '../model/model-json.js';
import { zoneFrame } from '../model/time-zone.js';
import { writeFileAtomic } from './write-output.js';

export interface ImportOptions {
  /** For JSON and event formats: our field → JSON path or column. */
  map?: Record<string, string> | undefined;
  out?: string | undefined;
  format?: string | undefined;
  logFormat?: string | undefined;
  /** `--log-tz`: the zone in which log timestamps that carry no offset are read (UTC). */
  timeZone?: string | undefined;
  /** `--tz`: the model's day frame (hour and minute of day, weekday, the peak's local start); UTC. */
  modelTimeZone?: string | undefined;
  sessionTimeoutMs?: number | undefined;
  /** `--session-key`: ip+ua (default), cookie:NAME, header:NAME or field:NAME. */
  sessionKey?: string | undefined;
  maxEndpoints?: number | undefined;
  /**
   * Largest share of lines that may be rejected (0.1 = 10%; 0 allows none); over it the import
   * fails with exit 2 and writes nothing. `runImport` defaults it to DEFAULT_MAX_REJECTS;
   * `importModel` checks it only when given.
   */
  maxRejects?: number | undefined;
  /** `--s3-endpoint`: an S3-compatible store for s3:// inputs (else AWS_ENDPOINT_URL_S3, else AWS). */
  s3Endpoint?: string | undefined;
  /** Laid over the S3 client configuration (credentials or region given in code, for tests). */
  s3ClientConfig?: S3ClientConfig | undefined;
  /** `--routes`: a routes file, matched before the learned templates. */
  routes?: string | undefined;
  /** `--openapi`: an OpenAPI 3.x / Swagger 2.0 document (JSON), matched before the learned templates. */
  openapi?: string | undefined;
  /** `--exclude-static`: leave static assets out of the model. */
  excludeStatic?: boolean | undefined;
}

export const DEFAULT_MAX_REJECTS = 0.1;

/** Reads the inputs and builds the model, streaming: records go to the builder as they are parsed. */
export async function importModel(specs: string[], options: ImportOptions, ctx: RunContext): Promise<{ model: TrafficModel; stats: ReadStats }> {
  if (options.maxRejects !== undefined) checkMaxRejectsOption(options.maxRejects);
  const sessionKey = parseSessionKey(options.sessionKey);
  const userRoutes = await readUserRoutes({ routes: options.routes, openapi: options.openapi }, ctx.cwd);
  // Before any input is read, so that a misspelt zone fails at once.
  const builder = new ModelBuilder({
    tidemarkVersion: VERSION,
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutSec: options.sessionTimeoutMs / 1000 } : {}),
    ...(options.maxEndpoints !== undefined ? { maxEndpoints: options.maxEndpoints } : {}),
    ...(options.modelTimeZone !== undefined ? { timeZone: checkTimeZone(options.modelTimeZone) } : {}),
    ...(options.timeZone !== undefined ? { logTimeZone: options.timeZone } : {}),
    ...(userRoutes !== undefined ? { userRoutes } : {}),
    ...(options.excludeStatic === true ? { excludeStatic: true } : {}),
    ...(sessionKey !== null ? { sessionKey: sessionKey.text } : {}),
  });
  const stream = await readRecords(
    specs,
    {
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.logFormat !== undefined ? { logFormat: options.logFormat } : {}),
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
      ...(options.map !== undefined ? { map: options.map } : {}),
      ...(sessionKey !== null ? { sessionKey } : {}),
      s3: { endpoint: options.s3Endpoint, env: ctx.env, clientConfig: options.s3ClientConfig },
    },
    { cwd: ctx.cwd, stdin: ctx.stdin },
  );
  for await (const batch of stream.batches) {
    for (const record of batch) builder.add(record);
  }
  const { stats } = stream;
  for (const { source, summary } of stats.aggregates) builder.addAggregate(source, summary);
  for (const source of stats.sources) builder.noteSource(source);
  for (const [reason, { count, examples }] of Object.entries(stats.rejected)) {
    for (const example of examples) builder.reject(reason, example);
    for (let i = examples.length; i < count; i++) builder.reject(reason, '');
  }
  const model = builder.finish();
  if (options.maxRejects !== undefined) assertFewRejects(model, options.maxRejects);
  return { model, stats };
}

/** `--tz`: a zone Intl knows (or UTC, or a fixed offset); a usage error naming the option otherwise. */
function checkTimeZone(timeZone: string): string {
  try {
    return zoneFrame(timeZone).name;
  } catch (cause) {
    throw new UsageError(`--tz ${JSON.stringify(timeZone)}: unknown time zone`, {
      hint: 'use an IANA name such as America/New_York or Europe/Paris, UTC, or a fixed offset such as +05:30',
      cause,
    });
  }
}

function checkMaxRejectsOption(share: number): void {
  if (!(share >= 0 && share <= 1)) {
    throw new UsageError(`--max-rejects ${share}: expected a share between 0 and 1`, {
      hint: share > 1 && share <= 100 ? `for ${share}% write --max-rejects ${share / 100}` : 'e.g. --max-rejects 0.1 allows 10% of the lines to be rejected, 0 none',
    });
  }
}

/**
 * Too many unreadable lines mean the wrong format or a damaged input, and a model built from
 * the rest would mislead: fail (exit 2) with the counts by reason and where to look.
 */
function assertFewRejects(model: TrafficModel, maxShare: number): void {
  const { rejected, lines } = model.totals;
  if (rejected === 0 || rejected <= maxShare * lines) return;
  const percent = (share: number): string => `${(share * 100).toFixed(share < 0.001 ? 3 : 1).replace(/\.0+$/, '')}%`;
  const reasons = Object.entries(model.provenance.rejected).sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
  const problems = reasons.map(([reason, { count, examples }]) => {
    const shown = examples.filter(Boolean);
    return `${count} × ${reason}${shown.length > 0 ? ` (e.g. ${shown.join(', ')})` : ''}`;
  });
  throw new InputError(`${rejected} of ${lines} lines were rejected (${percent(rejected / lines)}), more than --max-rejects allows (${percent(maxShare)}); nothing was written`, {
    problems,
    hint: 'see how the lines are read with `tidemark parse <file> | head`; choose the format with --format or --log-format; or accept more with --max-rejects (e.g. 0.5)',
  });
}

/** One line per aggregated report: which parts of the model it gave, or why none. */
function formatAggregateUse(model: TrafficModel, stats: ReadStats): string {
  const parts = model.provenance.parts ?? {};
  let text = '';
  for (const { source, notes } of stats.aggregates) {
    for (const note of notes) text += `${source}: ${note}\n`;
    const used = Object.keys(parts).filter((part) => part !== 'superseded' && parts[part]?.includes(source));
    if (parts.superseded?.includes(source)) text += `${source}: aggregated report not used: the request records in this import give every part of the model\n`;
    else if (used.length === 0) {
      text += `${source}: aggregated report with nothing the model uses (it needs a page report with pageviews, or sessions by hour or date); leave it out or export a pages or time report\n`;
    } else text += `${source}: aggregated report gave ${used.join(', ')}\n`;
  }
  return text;
}
/**
 * How much old-generation garbage V8 lets pile up before a full collection, in percent of the
 * live heap. V8's default grows the limit to 2-4× the live heap; the importer's live set is
 * bounded (see src/model/builder.ts) but it promotes a steady trickle of short-lived objects, so
 * its peak RSS was mostly garbage waiting: on a 10,000,000-line log with 100,000 concurrent
 * sessions it varied from 185 to 225 MB from run to run, and is ~160 MB with this (30% gave the
 * same, for ~5% more CPU; full collections of a ~20 MB live heap take a few ms). Set by
 * `tidemark import` only, a process of its own; a load run (`tidemark run`) keeps V8's default.
 */
const IMPORT_HEAP_GROWING_PERCENT = 50;

/** `tidemark import`: build model.json and print what was read and rejected. */
export async function runImport(specs: string[], options: ImportOptions, ctx: RunContext): Promise<number> {
  setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWING_PERCENT}`);
  const started = ctx.clock.nowMs();
  const maxRejects = options.maxRejects ?? DEFAULT_MAX_REJECTS;
  checkMaxRejectsOption(maxRejects);
  const { model, stats } = await importModel(specs, { ...options, maxRejects: undefined }, ctx);
  const seconds = (ctx.clock.nowMs() - started) / 1000;
  ctx.stderr.write(formatSourceSummary(stats));
  ctx.stderr.write(formatAggregateUse(model, stats));
  assertFewRejects(model, maxRejects);
  const out = options.out ?? 'model.json';
  await writeFileAtomic(resolve(ctx.cwd, out), modelToJson(model));
  ctx.stderr.write(formatRejections(model.provenance.rejected));
  const peak = model.arrivals.peak;
  const { userRoutes, excluded } = model.provenance;
  const extras = [
    ...(userRoutes !== undefined ? [`${userRoutes.matched} matched user routes`] : []),
    ...(excluded?.static !== undefined ? [`${excluded.static} static excluded`] : []),
  ];
  ctx.stdout.write(
    `model written to ${out}: ${model.totals.requests} requests${extras.length > 0 ? ` (${extras.join(', ')})` : ''}, ${model.endpoints.length} endpoints, ${model.sessions.count} sessions ` +
      `(mean ${model.sessions.length.mean} requests); peak hour ${peakLabel(model)} at ${peak.requestsPerSec.toFixed(2)} req/s ` +
      `[${stats.lines} lines in ${seconds.toFixed(1)}s, ${Math.round(stats.lines / Math.max(seconds, 1e-3))} lines/s]\n`,
  );
  return ExitCode.OK;
}


/** The peak hour as a person reads it: local start with its offset (UTC models: `…Z`). */
function peakLabel(model: TrafficModel): string {
  const p = model.arrivals.peak;
  return p.localStart !== undefined && p.localStart !== p.start ? `${p.localStart} (${model.arrivals.timeZone})` : p.start;
}

export interface MergeModelsOptions {
  out?: string | undefined;
  /** The endpoint cap to apply again (default: the largest of the inputs'). */
  maxEndpoints?: number | undefined;
}

/** `tidemark import --merge a.json b.json … -o merged.json`: one model from several (see model/merge.ts). */
export async function runMergeModels(files: string[], options: MergeModelsOptions, ctx: RunContext): Promise<number> {
  if (files.length === 0) throw new UsageError('tidemark import --merge: give the model files to merge', { hint: 'e.g. tidemark import --merge monday.json tuesday.json -o week.json' });
  const inputs: NamedModel[] = [];
  const problems: string[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(resolve(ctx.cwd, file), 'utf8'));
    } catch (cause) {
      problems.push(`${file}: cannot read a model: ${(cause as Error).message}`);
      continue;
    }
    try {
      inputs.push({ name: file, model: parseModel(json, file) });
    } catch (err) {
      if (err instanceof InputError) problems.push(...(err.problems.length > 0 ? err.problems : [err.message]));
      else throw err;
    }
  }
  if (problems.length > 0) {
    throw new InputError(`cannot merge: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the inputs`, {
      problems,
      hint: '--merge takes model files written by `tidemark import` (import logs without --merge)',
    });
  }
  const model = mergeModels(inputs, { tidemarkVersion: VERSION, maxEndpoints: options.maxEndpoints });
  const out = options.out ?? 'model.json';
  await writeFileAtomic(resolve(ctx.cwd, out), modelToJson(model));
  ctx.stdout.write(
    `merged model of ${inputs.length} written to ${out}: ${model.totals.requests} requests, ${model.endpoints.length} endpoints, ${model.sessions.count} sessions; ` +
      `span ${model.span.start} → ${model.span.end}; peak hour ${peakLabel(model)} at ${model.arrivals.peak.requestsPerSec.toFixed(2)} req/s\n`,
  );
  return ExitCode.OK;
}
