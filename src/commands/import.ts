import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { ExitCode } from '../core/exit-codes.js';
import type { TrafficModel } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { ModelBuilder } from '../model/builder.js';
import { readRecords, type ReadStats } from './read-records.js';
import { toJson, writeFileAtomic } from './write-output.js';

export interface ImportOptions {
  out?: string | undefined;
  format?: string | undefined;
  logFormat?: string | undefined;
  timeZone?: string | undefined;
  sessionTimeoutMs?: number | undefined;
  maxEndpoints?: number | undefined;
}

/** Reads the inputs and builds the model, streaming: records go to the builder as they are parsed. */
export async function importModel(specs: string[], options: ImportOptions, ctx: RunContext): Promise<{ model: TrafficModel; stats: ReadStats }> {
  const stream = await readRecords(
    specs,
    {
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.logFormat !== undefined ? { logFormat: options.logFormat } : {}),
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
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
  return { model: builder.finish(), stats };
}

/** `tidemark import`: build model.json and print what was read and rejected. */
export async function runImport(specs: string[], options: ImportOptions, ctx: RunContext): Promise<number> {
  const started = ctx.clock.nowMs();
  const { model, stats } = await importModel(specs, options, ctx);
  const seconds = (ctx.clock.nowMs() - started) / 1000;
  const out = options.out ?? 'model.json';
  await writeFileAtomic(resolve(ctx.cwd, out), toJson(model));
  for (const source of stats.sources) {
    ctx.stderr.write(`${source.name}: ${source.reason}; ${source.lines} lines, ${source.accepted} records, ${source.rejected} rejected\n`);
  }
  const reasons = Object.entries(model.provenance.rejected);
  for (const [reason, { count, examples }] of reasons) {
    ctx.stderr.write(`  rejected ${count} × ${reason}${examples.length ? ` (e.g. ${examples.filter(Boolean).join(', ')})` : ''}\n`);
  }
  const peak = model.arrivals.peak;
  ctx.stdout.write(
    `model written to ${out}: ${model.totals.requests} requests, ${model.endpoints.length} endpoints, ${model.sessions.count} sessions ` +
      `(mean ${model.sessions.length.mean} requests); peak hour ${peak.start} at ${peak.requestsPerSec.toFixed(2)} req/s ` +
      `[${stats.lines} lines in ${seconds.toFixed(1)}s, ${Math.round(stats.lines / Math.max(seconds, 1e-3))} lines/s]\n`,
  );
  return ExitCode.OK;
}
