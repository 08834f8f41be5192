import { EXPORT_FORMATS, runExport } from '../commands/export.js';
import type { Command } from './command.js';

/** `tidemark export k6|artillery <profile|model|log>`: hand the model to another load tool. */
export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary: 'Write the model (or a profile) as a k6 script or an Artillery YAML that plays the same traffic.',
    usage: `tidemark export ${EXPORT_FORMATS.join('|')} <profile.json|model.json|log> [-o FILE] [--scale K] [--speed C] [--window W]`,
    details:
      "k6: a ramping-arrival-rate scenario whose stages follow the model's hourly shape × scale (compressed by --speed)\n" +
      "or the profile's stages; each iteration walks the embedded transition matrix with think times sampled from\n" +
      "the model's quantiles; the profile's thresholds in k6 syntax. Artillery: phases, weighted scenarios drawn\n" +
      "from the model's flows with think steps, and ensure checks. Without a profile's stages the whole average\n" +
      'day is played (--window all); use --speed to compress it (e.g. --speed 48 plays the day in 30 minutes).',
    positionals: [2, 2],
    options: [
      { name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'where to write (default: standard output)' },
      { name: 'target', short: 't', type: 'string', arg: 'URL', description: 'the origin the test loads (k6 also reads TARGET from its environment)' },
      { name: 'scale', short: 's', type: 'number', arg: 'K', description: 'K times as many sessions as the model', default: '1' },
      { name: 'speed', type: 'number', arg: 'C', description: 'the clock runs C times faster (rates ×C, think times ÷C)', default: '1' },
      { name: 'window', type: 'string', arg: 'W', description: 'all (the average day), peak, or HH:MM-HH:MM', default: 'all' },
      { name: 'duration', short: 'd', type: 'duration', arg: 'D', description: "cut the window (or stretch the profile's stages) to this length" },
      { name: 'threshold', type: 'list', arg: 'EXPR', description: 'an SLA threshold, repeatable, added to the profile\'s, e.g. "p95 < 500ms"' },
      { name: 'flows', type: 'number', arg: 'N', description: 'artillery: sessions drawn from the model to build the weighted scenarios', default: '300' },
      { name: 'seed', type: 'number', arg: 'N', description: 'artillery: random seed for the drawn sessions', default: '1' },
    ],
  },
  handler: async (args, ctx) =>
    runExport(
      {
        format: args.positionals[0] as string,
        input: args.positionals[1] as string,
        out: args.options.out as string | undefined,
        target: args.options.target as string | undefined,
        scale: args.options.scale as number | undefined,
        speed: args.options.speed as number | undefined,
        window: args.options.window as string | undefined,
        durationMs: args.options.duration as number | undefined,
        thresholds: args.options.threshold as string[] | undefined,
        flows: args.options.flows as number | undefined,
        seed: args.options.seed as number | undefined,
      },
      ctx,
    ),
};
