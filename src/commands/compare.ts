import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { buildBaseline, compareResults, DEFAULT_COMPARE_OPTIONS, renderComparison, type CompareOptions } from '../reports/compare.js';
import { readResultsInputs, type ResultsInputOptions } from './s3-input.js';
import { toJson, writeFileAtomic } from './write-output.js';

export const DEFAULT_BASELINE_FILE = 'perf-baseline.json';

export interface CompareCommandOptions {
  /** "20%" or a fraction ("0.2"); absent: report only, never fail. */
  maxRegression?: string | undefined;
  /** "15%" by default. */
  noise?: string | undefined;
  minRequests?: number | undefined;
  /** Write a new baseline from the median to this file. */
  updateBaseline?: string | undefined;
  json?: boolean | undefined;
}

/** "20%" → 0.2; a bare number is a fraction (as in thresholds): "0.2" → 0.2, "20" is refused. */
export function parseFraction(text: string, option: string): number {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (percent) return Number(percent[1]) / 100;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
    const value = Number(trimmed);
    if (value <= 1) return value;
    throw new UsageError(`${option}: ${trimmed} is not a fraction`, { hint: `write ${trimmed}% for a percentage` });
  }
  throw new UsageError(`${option}: "${text}" is not a percentage`, { hint: `e.g. ${option} 20%` });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `tidemark compare <baseline> <results...>`: the median of the results against the baseline;
 * exit 99 when a metric regressed beyond --max-regression. With --update-baseline and no
 * baseline file yet, writes the first baseline and compares nothing.
 */
export async function runCompare(baselineSpec: string, resultSpecs: readonly string[], options: CompareCommandOptions, ctx: RunContext, inputOptions: ResultsInputOptions = {}): Promise<number> {
  const compareOptions: CompareOptions = {
    noise: options.noise !== undefined ? parseFraction(options.noise, '--noise') : DEFAULT_COMPARE_OPTIONS.noise,
    maxRegression: options.maxRegression !== undefined ? parseFraction(options.maxRegression, '--max-regression') : null,
    minRequests: options.minRequests ?? DEFAULT_COMPARE_OPTIONS.minRequests,
  };
  if (!(compareOptions.minRequests >= 0)) throw new UsageError('--min-requests must be 0 or more');
  if (resultSpecs.length === 0) throw new UsageError('tidemark compare: give a baseline and at least one results file', { hint: 'usage: tidemark compare <baseline.json> <results.json...>' });

  const writeBaseline = async (runs: Awaited<ReturnType<typeof readResultsInputs>>): Promise<void> => {
    const file = options.updateBaseline as string;
    const baseline = buildBaseline(runs, new Date(ctx.clock.wallMs()).toISOString());
    await writeFileAtomic(resolve(ctx.cwd, file), toJson(baseline));
    (options.json ? ctx.stderr : ctx.stdout).write(`baseline written to ${file} (from ${runs.length} run${runs.length === 1 ? '' : 's'}: ${baseline.baseline.rule})\n`);
  };

  const missing = !baselineSpec.startsWith('s3://') && !(await exists(resolve(ctx.cwd, baselineSpec)));
  if (missing && options.updateBaseline === undefined) {
    throw new InputError('no such file', {
      location: baselineSpec,
      hint: `write the first baseline from results with: tidemark compare ${baselineSpec} ${resultSpecs.join(' ')} --update-baseline${baselineSpec === DEFAULT_BASELINE_FILE ? '' : ` --baseline-out ${baselineSpec}`}`,
    });
  }
  if (missing) {
    const runs = await readResultsInputs(resultSpecs, ctx, inputOptions);
    (options.json ? ctx.stderr : ctx.stdout).write(`no baseline at ${baselineSpec} yet: nothing to compare\n`);
    await writeBaseline(runs);
    return ExitCode.OK;
  }

  const baselines = await readResultsInputs([baselineSpec], ctx, inputOptions);
  const baseline = baselines[0];
  if (!baseline || baselines.length > 1) {
    throw new UsageError(`the baseline must be one file; ${baselineSpec} holds ${baselines.length}`, { hint: 'give perf-baseline.json (or one results.json) first, then the results to judge' });
  }
  const runs = await readResultsInputs(resultSpecs, ctx, inputOptions);
  const comparison = compareResults(baseline, runs, compareOptions);
  if (options.json) ctx.stdout.write(toJson(comparison));
  else ctx.stdout.write(renderComparison(comparison, { color: ctx.stdout.isTTY === true }));
  if (options.updateBaseline !== undefined) await writeBaseline(runs);
  return comparison.ok ? ExitCode.OK : ExitCode.THRESHOLDS_FAILED;
}
