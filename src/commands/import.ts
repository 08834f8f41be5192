import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { RunContext } from '../core/context.js';
import { InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { ModelBuilder } from '../model/builder.js';
import { formatRejections, formatSourceSummary, readRecords, type ReadStats } from './read-records.js';
import { toJson, writeFileAtomic } from './write-output.js';

export interface ImportOptions {
  /** For JSON and event formats: our field → JSON path or column. */
  map?: Record<string, string> | undefined;
  out?: string | undefined;
  format?: string | undefined;
  logFormat?: string | undefined;
  timeZone?: string | undefined;
  sessionTimeoutMs?: number | undefined;
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
}

export const DEFAULT_MAX_REJECTS = 0.1;

/** Reads the inputs and builds the model, streaming: records go to the builder as they are parsed. */
export async function importModel(specs: string[], options: ImportOptions, ctx: RunContext): Promise<{ model: TrafficModel; stats: ReadStats }> {
  if (options.maxRejects !== undefined) checkMaxRejectsOption(options.maxRejects);
  const stream = await readRecords(
    specs,
    {
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.logFormat !== undefined ? { logFormat: options.logFormat } : {}),
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
      ...(options.map !== undefined ? { map: options.map } : {}),
      s3: { endpoint: options.s3Endpoint, env: ctx.env, clientConfig: options.s3ClientConfig },
    },
    { cwd: ctx.cwd, stdin: ctx.stdin },
  );
  const builder = new ModelBuilder({
    tidemarkVersion: VERSION,
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutSec: options.sessionTimeoutMs / 1000 } : {}),
    ...(options.maxEndpoints !== undefined ? { maxEndpoints: options.maxEndpoints } : {}),
  });
  for await (const batch of stream.batches) {
    for (const record of batch) builder.add(record);
  }
  const { stats } = stream;
  for (const source of stats.sources) builder.noteSource(source);
  for (const [reason, { count, examples }] of Object.entries(stats.rejected)) {
    for (const example of examples) builder.reject(reason, example);
    for (let i = examples.length; i < count; i++) builder.reject(reason, '');
  }
  const model = builder.finish();
  if (options.maxRejects !== undefined) assertFewRejects(model, options.maxRejects);
  return { model, stats };
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
  assertFewRejects(model, maxRejects);
  const out = options.out ?? 'model.json';
  await writeFileAtomic(resolve(ctx.cwd, out), toJson(model));
  ctx.stderr.write(formatRejections(model.provenance.rejected));
  const peak = model.arrivals.peak;
  ctx.stdout.write(
    `model written to ${out}: ${model.totals.requests} requests, ${model.endpoints.length} endpoints, ${model.sessions.count} sessions ` +
      `(mean ${model.sessions.length.mean} requests); peak hour ${peak.start} at ${peak.requestsPerSec.toFixed(2)} req/s ` +
      `[${stats.lines} lines in ${seconds.toFixed(1)}s, ${Math.round(stats.lines / Math.max(seconds, 1e-3))} lines/s]\n`,
  );
  return ExitCode.OK;
}

