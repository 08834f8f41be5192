import { DEFAULT_MERGED_FILE, runMerge } from '../commands/merge.js';
import type { Command } from './command.js';

/** `tidemark merge`: one exact results file from the results of a run's segments, workers or machines. */
export const mergeCommand: Command = {
  spec: {
    name: 'merge',
    summary: 'Merge the results of one run from several processes or machines, exactly, and judge the thresholds again.',
    usage: 'tidemark merge <results.json...|dir|s3://bucket/prefix/> [-o merged-results.json]',
    details:
      'Histograms are added and counters summed; the per-second series are aligned on wall-clock seconds (each\n' +
      "input's startedAt); the thresholds, windowed ones too, are judged on the merged data. Exit 99 when they fail.\n" +
      'S3 inputs use AWS_REGION, the usual AWS credentials, and AWS_ENDPOINT_URL for S3-compatible stores.',
    positionals: [1, Infinity],
    options: [{ name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'merged results file ("-": print it instead of the summary)', default: DEFAULT_MERGED_FILE }],
  },
  handler: async (args, ctx) => runMerge(args.positionals, { out: args.options.out as string | undefined }, ctx),
};
