import { runFidelity } from '../commands/fidelity.js';
import { UsageError } from '../core/errors.js';
import type { Command } from './command.js';

/** `tidemark fidelity <reference> --against <candidate>`: how close a test's traffic is to production's. */
export const fidelityCommand: Command = {
  spec: {
    name: 'fidelity',
    summary: "Score how close a test's traffic is to production's: mix, session lengths, think times, navigation, daily shape.",
    usage: 'tidemark fidelity <reference> --against <candidate> [--json] [--tolerance NAME=VALUE]...',
    details:
      'Each side is a model.json, a log (imported on the fly, any format) or a results.json (only its endpoint mix).\n' +
      'Gates (defaults): mix TVD < 0.05, no endpoint with ≥ 1% share missing, session length and think time KS D < 0.1\n' +
      'with p50/p90 ratios within 0.8–1.25, navigation distance < 0.15, daily shape NRMSE < 0.15 with peaks ±1 h.\n' +
      'Tolerance names: mix, missing, min-share, length, length-ratio, think, think-ratio, duration (off by default),\n' +
      'navigation, shape, peak, shape-days. For the log of a time-compressed run give its --speed (and --start).\n' +
      'Exit codes: 0 close enough, 99 a gate failed, 2 invalid input.',
    positionals: [1, 1],
    options: [
      { name: 'against', short: 'a', type: 'string', arg: 'FILE', description: "the candidate: the test's model.json, log or results.json (required)" },
      { name: 'json', type: 'boolean', description: 'print the report as JSON' },
      { name: 'tolerance', type: 'list', arg: 'NAME=VALUE', description: 'override a gate, repeatable, e.g. mix=0.1 or length-ratio=0.7-1.4' },
      { name: 'speed', type: 'number', arg: 'C', description: "the candidate log's run played C times faster: stretch its clock back by C" },
      { name: 'start', type: 'string', arg: 'HH:MM', description: "with --speed: the time of day (UTC) the candidate log's first request stands for", default: '00:00' },
      { name: 'format', short: 'f', type: 'string', arg: 'NAME', description: 'for a candidate log: skip detection and use this format' },
      { name: 'log-format', type: 'string', arg: 'STR', description: 'for a candidate log: an nginx log_format or Apache LogFormat string (e.g. with $msec)' },
    ],
  },
  handler: async (args, ctx) => {
    const against = args.options.against as string | undefined;
    if (against === undefined) {
      throw new UsageError('tidemark fidelity: --against is required', { hint: 'usage: tidemark fidelity model.json --against test-traffic.log' });
    }
    return runFidelity(
      {
        reference: args.positionals[0] as string,
        against,
        json: args.options.json === true,
        tolerances: args.options.tolerance as string[] | undefined,
        speed: args.options.speed as number | undefined,
        start: args.options.start as string | undefined,
        format: args.options.format as string | undefined,
        logFormat: args.options['log-format'] as string | undefined,
      },
      ctx,
    );
  },
};
