import { DEFAULT_BASELINE_FILE, runCompare } from '../commands/compare.js';
import type { Command } from './command.js';

/** `tidemark compare`: the regression gate against a stored baseline. */
export const compareCommand: Command = {
  spec: {
    name: 'compare',
    summary: 'Compare results (their median) with a baseline: p50/p95/p99, error rate, throughput; a CI regression gate.',
    usage: 'tidemark compare <baseline.json> <results.json...> [--max-regression 20%] [--noise 15%] [--update-baseline]',
    details:
      'The baseline is a results.json or a perf-baseline.json. With several results, each metric of their median is judged.\n' +
      'Changes within the noise band are reported as noise; a change worse than --max-regression fails (exit 99).\n' +
      'Without --max-regression the comparison is a report and exits 0. Inputs may be files, directories or s3://bucket/prefix/.\n' +
      '--update-baseline writes perf-baseline.json (or --baseline-out FILE) from the results: per endpoint, the run with\n' +
      'the median p95. When the baseline file does not exist yet, it is only written (the first baseline).',
    positionals: [2, Infinity],
    options: [
      { name: 'max-regression', type: 'string', arg: 'PCT', description: 'fail (exit 99) when a metric is worse than the baseline by more than this, e.g. 20%' },
      { name: 'noise', type: 'string', arg: 'PCT', description: 'changes within ±PCT are noise, neither regressions nor wins', default: '15%' },
      { name: 'min-requests', type: 'number', arg: 'N', description: 'endpoints with fewer requests are shown but not judged', default: '30' },
      { name: 'update-baseline', type: 'boolean', description: `write a new baseline from the median of the results (to ${DEFAULT_BASELINE_FILE} unless --baseline-out)` },
      { name: 'baseline-out', type: 'string', arg: 'FILE', description: 'where --update-baseline writes (implies --update-baseline)', default: DEFAULT_BASELINE_FILE },
      { name: 'json', type: 'boolean', description: 'print the comparison as JSON' },
    ],
  },
  handler: async (args, ctx) => {
    const out = args.options['baseline-out'] as string | undefined;
    const update = args.options['update-baseline'] === true || out !== undefined;
    return runCompare(
      args.positionals[0] as string,
      args.positionals.slice(1),
      {
        maxRegression: args.options['max-regression'] as string | undefined,
        noise: args.options.noise as string | undefined,
        minRequests: args.options['min-requests'] as number | undefined,
        updateBaseline: update ? (out ?? DEFAULT_BASELINE_FILE) : undefined,
        json: args.options.json === true,
      },
      ctx,
    );
  },
};
