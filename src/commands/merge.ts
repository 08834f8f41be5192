import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { ExitCode } from '../core/exit-codes.js';
import { VERSION } from '../core/version.js';
import { mergeResults } from '../reports/merge.js';
import { renderRunSummary } from '../reports/terminal.js';
import { readResultsInputs, type ResultsInputOptions } from './s3-input.js';
import { toJson, writeFileAtomic } from './write-output.js';

export const DEFAULT_MERGED_FILE = 'merged-results.json';

export interface MergeCommandOptions {
  /** Where to write the merged results; "-" prints them to stdout instead of the summary. */
  out?: string | undefined;
}

/**
 * `tidemark merge <results...|dir|s3://bucket/prefix/>`: one results file from the results of
 * a run's segments, workers or machines, with the thresholds judged again on the merged data.
 * Exit 99 when the merged verdict is a fail, as a run would.
 */
export async function runMerge(specs: readonly string[], options: MergeCommandOptions, ctx: RunContext, inputOptions: ResultsInputOptions = {}): Promise<number> {
  const inputs = await readResultsInputs(specs, ctx, inputOptions);
  const merged = mergeResults(inputs, { tidemarkVersion: VERSION });
  const out = options.out ?? DEFAULT_MERGED_FILE;
  if (out === '-') {
    ctx.stdout.write(toJson(merged));
  } else {
    ctx.stdout.write(renderRunSummary(merged, { color: ctx.stdout.isTTY === true }));
    ctx.stdout.write(`\nmerged ${inputs.length} results file${inputs.length === 1 ? '' : 's'}: ${inputs.map((i) => i.name).join(', ')}\n`);
    for (const note of merged.merged.notes) ctx.stdout.write(`  note: ${note}\n`);
    await writeFileAtomic(resolve(ctx.cwd, out), toJson(merged));
    ctx.stdout.write(`merged results written to ${out}\n`);
  }
  return merged.verdict === 'pass' ? ExitCode.OK : ExitCode.THRESHOLDS_FAILED;
}
