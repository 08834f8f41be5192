import type { OptionSpec } from './args.js';
import { REPORT_OUTPUT_OPTIONS } from './command-report.js';

/** The options of `run`, shared by the commands that run load (smoke, stress). */
export const RUN_OPTIONS: OptionSpec[] = [
  { name: 'target', short: 't', type: 'string', arg: 'URL', description: 'the origin to load (the only host contacted)' },
  { name: 'scale', short: 's', type: 'number', arg: 'K', description: 'K times as many sessions as the model (think times stay real)', default: '1' },
  { name: 'speed', type: 'number', arg: 'C', description: "the window's clock runs C times faster (rates ×C, think times ÷C)", default: '1' },
  { name: 'window', type: 'string', arg: 'W', description: "peak (busiest observed hour), HH:MM-HH:MM of the average day (in the model's --tz), or all", default: 'peak' },
  { name: 'duration', short: 'd', type: 'duration', arg: 'D', description: 'run length, e.g. 30s, 5m', default: '1m' },
  { name: 'traffic', type: 'string', arg: 'CLASS', description: 'human (people only), bot (bots and crawlers only) or all; a class plays at its share of the sessions', default: 'all' },
  { name: 'rate', type: 'number', arg: 'R', description: 'instead of sessions: a fixed R requests/s, evenly spaced, endpoints drawn from the mix' },
  { name: 'time-scale', type: 'number', arg: 'F', description: "multiply every profile stage's duration (0.1 = ten times shorter)" },
  { name: 'seed', type: 'number', arg: 'N', description: 'random seed: the same seed plays the same sessions', default: '1' },
  { name: 'workers', short: 'w', type: 'number', arg: 'N', description: 'worker threads sharing the schedule (results merge exactly)', default: 'TIDEMARK_WORKERS, or every core, less one when the target is this machine' },
  { name: 'segment', type: 'string', arg: 'i/N', description: 'play only share i of N of the schedule (N processes play it exactly once)' },
  { name: 'start-at', type: 'string', arg: 'ISO', description: 'wait until this wall-clock time to start (segments start together)' },
  { name: 'threshold', type: 'list', arg: 'EXPR', description: 'an SLA threshold, repeatable, e.g. "p95 < 500ms"' },
  { name: 'max-in-flight', type: 'number', arg: 'N', description: 'live sessions (so requests in flight) at most; sessions over it are dropped and counted', default: '10000' },
  { name: 'connections', type: 'number', arg: 'N', description: 'sockets to the target at most (a request waiting for one is measured from its intended time)', default: '256' },
  { name: 'timeout', type: 'duration', arg: 'D', description: 'headers and body must each arrive within this', default: '10s' },
  { name: 'drain', type: 'duration', arg: 'D', description: 'how long in-flight requests may finish after the end', default: '5s' },
  { name: 'warm-start', type: 'boolean', description: 'start with the sessions already under way at the window start (--no-warm-start: empty)', default: 'on' },
  { name: 'max-rate', type: 'number', arg: 'R', description: 'never send more than R requests/s, whatever the model says (the excess is counted, not sent)' },
  { name: 'insecure', type: 'boolean', description: 'do not verify TLS certificates (said in every report)' },
  { name: 'repeat', type: 'number', arg: 'N', description: 'run N times, one after another; the median run (by p95) decides', default: '1' },
  { name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'results file', default: 'results.json' },
  ...REPORT_OUTPUT_OPTIONS,
];
