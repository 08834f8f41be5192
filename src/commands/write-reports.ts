import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { REPORTERS, type ReporterName, type ReportOptions } from '../reports/registry.js';
import type { RunResults } from '../reports/results.js';
import { isS3Url, putS3Object } from './s3-output.js';
import { writeFileAtomic } from './write-output.js';

/**
 * Writes one output: `s3://bucket/key` is uploaded, `-` goes to stdout, anything else is a
 * file (relative to the working directory), written atomically.
 */
export async function writeOutput(path: string, content: string, contentType: string, ctx: RunContext): Promise<void> {
  if (path === '-') {
    ctx.stdout.write(content);
    return;
  }
  if (isS3Url(path)) {
    await putS3Object(path, content, contentType, ctx.env);
    return;
  }
  await writeFileAtomic(resolve(ctx.cwd, path), content);
}

/** Where each report goes; an absent entry is not written. */
export type ReportOutputs = Partial<Record<ReporterName, string | undefined>>;

/**
 * Renders each requested report from the registry and writes it, in a fixed order, telling
 * the user where each went (on stderr when a report itself goes to stdout).
 */
export async function writeReports(results: RunResults, outputs: ReportOutputs, options: ReportOptions, ctx: RunContext): Promise<string[]> {
  const written: string[] = [];
  const toStdout = Object.values(outputs).includes('-');
  const say = toStdout ? ctx.stderr : ctx.stdout;
  for (const name of Object.keys(REPORTERS) as ReporterName[]) {
    const path = outputs[name];
    if (!path) continue;
    const reporter = REPORTERS[name];
    await writeOutput(path, reporter.render(results, options), reporter.contentType, ctx);
    if (path !== '-') say.write(`${name} report written to ${path}\n`);
    written.push(path);
  }
  return written;
}

export interface RunReportOutputs {
  html?: string | undefined;
  junit?: string | undefined;
  /** --out-series */
  series?: string | undefined;
  /** The model's endpoint mix (key → share) for the HTML report; e.g. from model.endpoints. */
  modelMix?: Record<string, number> | undefined;
}

/** The extra reports of `tidemark run` (--html, --junit, --out-series), after results.json. */
export async function writeRunReports(results: RunResults, outputs: RunReportOutputs, ctx: RunContext): Promise<void> {
  await writeReports(results, { html: outputs.html, junit: outputs.junit, series: outputs.series }, { modelMix: outputs.modelMix }, ctx);
}

/** The model's endpoint mix as the HTML report wants it. */
export function modelMixOf(model: { endpoints: readonly { key: string; share: number }[] }): Record<string, number> {
  return Object.fromEntries(model.endpoints.map((e) => [e.key, e.share]));
}
