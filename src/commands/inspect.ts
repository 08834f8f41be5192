import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { parseModel } from '../model/load.js';
import { modelSummaryJson, renderBrief, renderModelSummary } from '../reports/model-summary.js';

/** `tidemark inspect`: the model for a person (or, with --json, for a machine). */
export async function runInspect(file: string, options: { json: boolean; brief?: boolean | undefined }, ctx: RunContext): Promise<number> {
  if (options.json && options.brief) throw new UsageError('tidemark inspect: --brief and --json do not go together', { hint: '--brief prints sentences for a person; --json the summary for a script' });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolve(ctx.cwd, file), 'utf8'));
  } catch (cause) {
    throw new InputError(`cannot read model ${file}: ${(cause as Error).message}`, { hint: 'write one with `tidemark import LOG -o model.json`', cause });
  }
  const model = parseModel(json, file);
  if (options.brief) ctx.stdout.write(renderBrief(model));
  else if (options.json) ctx.stdout.write(`${JSON.stringify(modelSummaryJson(model), null, 2)}\n`);
  else ctx.stdout.write(renderModelSummary(model, { color: ctx.stdout.isTTY === true }));
  return ExitCode.OK;
}
