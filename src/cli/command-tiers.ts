import { UsageError } from '../core/errors.js';
import { runSmoke } from '../commands/smoke.js';
import { runStress } from '../commands/stress.js';
import { runRepeated } from '../commands/repeat.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { RUN_OPTIONS } from './run-options.js';

const pick = (names: string[]): OptionSpec[] => RUN_OPTIONS.filter((o) => names.includes(o.name));
const common = (args: ParsedArgs) => ({
  input: args.positionals[0] as string,
  target: args.options.target as string | undefined,
  seed: args.options.seed as number | undefined,
  thresholds: args.options.threshold as string[] | undefined,
  maxInFlight: args.options['max-in-flight'] as number | undefined,
  timeoutMs: args.options.timeout as number | undefined,
  out: args.options.out as string | undefined,
});

export const smokeCommand: Command = {
  spec: {
    name: 'smoke',
    summary: "The 30-second CI gate: the model's average rate with the profile's thresholds.",
    usage: 'tidemark smoke <profile.json|model.json> --target URL [--duration 30s]',
    positionals: [1, 1],
    options: [
      ...pick(['target', 'seed', 'threshold', 'max-in-flight', 'timeout', 'out', 'repeat']),
      { name: 'duration', short: 'd', type: 'duration', arg: 'D', description: 'run length', default: '30s' },
      { name: 'scale', short: 's', type: 'number', arg: 'K', description: "multiple of the model's average rate", default: '1' },
    ],
  },
  handler: async (args, ctx) => {
    const out = (args.options.out as string | undefined) ?? 'results.json';
    const once = (path: string) => runSmoke({ ...common(args), out: path, durationMs: args.options.duration as number | undefined, scale: args.options.scale as number | undefined }, ctx);
    const times = (args.options.repeat as number | undefined) ?? 1;
    return (times === 1 ? await once(out) : await runRepeated(times, out, (_i, path) => once(path), ctx)).exitCode;
  },
};

export const stressCommand: Command = {
  spec: {
    name: 'stress',
    summary: 'Raise the load in steps until the breaking point; report it, then stop and cool down.',
    usage: 'tidemark stress <profile.json|model.json> --target URL [--steps 1,2,4,8] [--step-duration 30s] [--endpoint KEY]',
    details: 'A step breaks when its error rate exceeds --max-error-rate (5%) or a profile threshold fails.\nExit 0 when the breaking point was found or none was reached; the report says which.',
    positionals: [1, 1],
    options: [
      ...pick(['target', 'seed', 'threshold', 'max-in-flight', 'timeout']),
      { name: 'steps', type: 'string', arg: 'LIST', description: 'multipliers to try, in order', default: '1,2,4,8,16,32,64' },
      { name: 'step-duration', type: 'duration', arg: 'D', description: 'how long each step holds', default: '30s' },
      { name: 'max-error-rate', type: 'string', arg: 'PCT', description: 'error rate that breaks a step', default: '5%' },
      { name: 'endpoint', type: 'string', arg: 'KEY', description: 'stress one endpoint alone, e.g. "GET /api/products/:id"' },
      { name: 'cooldown', type: 'duration', arg: 'D', description: 'quiet time after the break', default: '5s' },
      { name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'write the stress report as JSON' },
    ],
  },
  handler: async (args, ctx) => {
    const stepsText = args.options.steps as string | undefined;
    const steps = stepsText?.split(',').map((s) => Number(s.trim()));
    if (steps && steps.some((s) => !(s > 0))) throw new UsageError(`--steps: "${stepsText}" is not a list of positive numbers`, { hint: 'e.g. --steps 1,2,4,8' });
    const rateText = args.options['max-error-rate'] as string | undefined;
    const maxErrorRate = rateText === undefined ? undefined : rateText.endsWith('%') ? Number(rateText.slice(0, -1)) / 100 : Number(rateText);
    if (maxErrorRate !== undefined && !(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new UsageError(`--max-error-rate: "${rateText}" is not a share`, { hint: 'e.g. 5% or 0.05' });
    return (
      await runStress(
        {
          ...common(args),
          steps,
          stepDurationMs: args.options['step-duration'] as number | undefined,
          maxErrorRate,
          endpoint: args.options.endpoint as string | undefined,
          cooldownMs: args.options.cooldown as number | undefined,
        },
        ctx,
      )
    ).exitCode;
  },
};
