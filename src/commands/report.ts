import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { InputError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { renderRunSummary } from '../reports/terminal.js';
import type { RunResults } from '../reports/results.js';
import { loadRunInput } from './run.js';
import { modelMixOf, writeReports } from './write-reports.js';

export interface ReportCommandOptions {
  html?: string | undefined;
  junit?: string | undefined;
  /** NDJSON per-second series (`--out-series`). */
  series?: string | undefined;
  /** results.json again (normalized), e.g. to copy it to s3://. */
  json?: string | undefined;
  /** A model, profile or log whose endpoint mix the HTML report compares with what was sent. */
  model?: string | undefined;
}

type Shape = 'object' | 'array' | 'string' | 'number' | 'boolean';

const shapeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Top-level fields every report reads, with their JSON shapes. */
const REQUIRED: [string, Shape][] = [
  ['verdict', 'string'],
  ['partial', 'boolean'],
  ['startedAt', 'string'],
  ['endedAt', 'string'],
  ['target', 'string'],
  ['source', 'string'],
  ['tidemarkVersion', 'string'],
  ['knobs', 'object'],
  ['stages', 'array'],
  ['rate', 'object'],
  ['totals', 'object'],
  ['overall', 'object'],
  ['endpoints', 'array'],
  ['cells', 'array'],
  ['schedulerLagMs', 'object'],
  ['eventLoopDelayMs', 'object'],
  ['thresholds', 'array'],
  ['series', 'array'],
];

const ITEMS: Record<string, [string, Shape][]> = {
  series: [['second', 'number'], ['requests', 'number'], ['errors', 'number'], ['p95Ms', 'number']],
  thresholds: [['expression', 'string'], ['ok', 'boolean'], ['actualText', 'string']],
  endpoints: [['key', 'string'], ['count', 'number'], ['errors', 'number'], ['latencyMs', 'object'], ['serviceLatencyMs', 'object']],
  cells: [['key', 'string'], ['count', 'number'], ['errors', 'number'], ['latencyMs', 'object'], ['serviceLatencyMs', 'object']],
  stages: [['name', 'string'], ['startMs', 'number'], ['endMs', 'number']],
};

const MAX_PROBLEMS = 20;

/** Checks that a parsed results.json has what the reports read; lists every problem found. */
export function parseResults(json: unknown, file: string): RunResults {
  const hint = 'give a results.json written by `tidemark run` (or `tidemark demo`)';
  if (shapeOf(json) !== 'object') throw new InputError(`${file}: expected a results object, found ${shapeOf(json)}`, { hint });
  const doc = json as Record<string, unknown>;
  if (doc.schemaVersion !== 1) {
    const newer = typeof doc.schemaVersion === 'number' && doc.schemaVersion > 1;
    throw new InputError(`${file}: schemaVersion ${JSON.stringify(doc.schemaVersion ?? null)} is not supported (this tidemark reads 1)`, {
      hint: newer ? 'the file was written by a newer tidemark: upgrade tidemark' : hint,
    });
  }
  const problems: string[] = [];
  for (const [field, shape] of REQUIRED) {
    if (shapeOf(doc[field]) !== shape) problems.push(`$.${field}: expected ${shape}, found ${doc[field] === undefined ? 'nothing' : shapeOf(doc[field])}`);
  }
  for (const [field, fields] of Object.entries(ITEMS)) {
    const items = doc[field];
    if (!Array.isArray(items)) continue;
    items.forEach((item, i) => {
      if (shapeOf(item) !== 'object') {
        problems.push(`$.${field}[${i}]: expected object, found ${shapeOf(item)}`);
        return;
      }
      for (const [name, shape] of fields) {
        const value = (item as Record<string, unknown>)[name];
        if (shapeOf(value) !== shape) problems.push(`$.${field}[${i}].${name}: expected ${shape}, found ${value === undefined ? 'nothing' : shapeOf(value)}`);
      }
    });
  }
  const knobs = doc.knobs as Record<string, unknown> | undefined;
  if (shapeOf(knobs) === 'object' && typeof knobs?.durationMs !== 'number') problems.push('$.knobs.durationMs: expected number');
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > MAX_PROBLEMS) shown.push(`… and ${problems.length - MAX_PROBLEMS} more`);
    throw new InputError(`${file}: not a complete tidemark results file (${problems.length} problem${problems.length === 1 ? '' : 's'})`, { hint, problems: shown });
  }
  return doc as unknown as RunResults;
}

export async function readResultsFile(file: string, ctx: RunContext): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (cause) {
    throw new InputError(`cannot read ${file}: ${(cause as Error).message}`, { hint: 'give the results.json a run wrote (tidemark run -o FILE)', cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InputError(`${file}: not valid JSON: ${(cause as Error).message}`, { hint: 'give the results.json a run wrote; a file cut short by a crash cannot be read', cause });
  }
  return parseResults(json, file);
}

/**
 * `tidemark report results.json --html r.html --junit j.xml`: rebuilds reports from a results
 * file with the same renderers the run used, so the output is identical. Without any output
 * option it prints the end-of-run summary.
 */
export async function runReport(resultsFile: string, opts: ReportCommandOptions, ctx: RunContext): Promise<number> {
  const results = await readResultsFile(resultsFile, ctx);
  const modelMix = opts.model ? modelMixOf((await loadRunInput(opts.model, ctx)).model) : undefined;
  const outputs = { json: opts.json, html: opts.html, junit: opts.junit, series: opts.series };
  if (!Object.values(outputs).some(Boolean)) {
    ctx.stdout.write(renderRunSummary(results, { color: ctx.stdout.isTTY === true }));
    return ExitCode.OK;
  }
  await writeReports(results, outputs, { modelMix, color: false }, ctx);
  return ExitCode.OK;
}
