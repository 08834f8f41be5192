import { ExitCode } from '../core/exit-codes.js';
import { UsageError } from '../core/errors.js';
import { runDemo } from '../commands/demo.js';
import { runImport, runMergeModels } from '../commands/import.js';
import { runInspect } from '../commands/inspect.js';
import { runLoad } from '../commands/run.js';
import { runReplay } from '../commands/replay.js';
import { runRepeated } from '../commands/repeat.js';
import { serveDemo } from '../commands/serve-demo.js';
import { RUN_OPTIONS } from './run-options.js';
import { parseMapOption } from './args.js';
import type { Command } from './command.js';
import { k8sCommand } from './command-k8s.js';
import { smokeCommand, stressCommand } from './command-tiers.js';
import { parseCommand } from './command-parse.js';
import { reportCommand, reportOutputsFromArgs } from './command-report.js';
import { fidelityCommand } from './command-fidelity.js';
import { exportCommand } from './command-export.js';
import { compareCommand } from './command-compare.js';
import { mergeCommand } from './command-merge.js';

export type { Command };

/**
 * The command registry. Commands with much option handling live in their own file
 * (`src/cli/command-<name>.ts`, exporting a Command) and are listed here.
 */
const exitOf = (outcome: { exitCode: number }): number => outcome.exitCode;

export const COMMANDS: Command[] = [
  {
    spec: {
      name: 'import',
      summary: 'Read access logs and build a traffic model (model.json).',
      usage: 'tidemark import <log|glob|dir|-> [...] -o model.json | tidemark import --merge <model.json...> -o merged.json',
      details:
        'Formats are detected from the first lines (nginx/Apache, AWS ALB/ELB/CloudFront/S3, W3C/IIS, HAProxy, JSON lines)\n' +
        'or bytes (HAR, GA4 BigQuery exports); gzip is detected by its bytes. Inputs: files, globs, directories, `-`\n' +
        'for standard input, s3://bucket/prefix. Several inputs are merged in time order.\n' +
        'Two time zones, never confused: --log-tz reads log timestamps that carry no offset; --tz is the model\'s day\n' +
        'frame (hours, minutes and weekdays of the arrivals, the peak\'s local start; daylight saving included).\n' +
        '--merge combines models of several days or sources (counts summed, shares recomputed, distributions mixed).',
      positionals: [1, Infinity],
      options: [
        { name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'where to write the model', default: 'model.json' },
        { name: 'format', short: 'f', type: 'string', arg: 'NAME', description: 'skip detection and use this format' },
        { name: 'log-format', type: 'string', arg: 'STR', description: "an nginx log_format or Apache LogFormat string" },
        { name: 'map', type: 'list', arg: 'F=PATH', description: 'for JSON lines and event exports: our field (time, method, path, url, status, bytes, client, userAgent, ...) from a JSON path or column; repeatable' },
        { name: 'session-timeout', type: 'duration', arg: 'D', description: 'inactivity that ends a session', default: '30m' },
        { name: 'session-key', type: 'string', arg: 'KEY', description: 'what identifies a visitor: ip+ua, cookie:NAME, header:NAME or field:NAME (a log variable, JSON path or column); lines without it fall back to ip+ua', default: 'ip+ua' },
        { name: 'max-endpoints', type: 'number', arg: 'N', description: 'route templates at most; the rest go to an explicit other bucket', default: '200' },
        { name: 'max-rejects', type: 'number', arg: 'SHARE', description: 'fail (exit 2, nothing written) when more than this share of lines is rejected; 0 allows none', default: '0.1' },
        { name: 's3-endpoint', type: 'string', arg: 'URL', description: 'an S3-compatible store for s3:// inputs, path-style (default: AWS_ENDPOINT_URL_S3, else AWS)' },
        { name: 'routes', type: 'string', arg: 'FILE', description: 'route templates that take precedence over learned ones, one a line: `GET /api/products/:id`, `/api/orders/{id}` (any method); # comments' },
        { name: 'openapi', type: 'string', arg: 'FILE', description: "an OpenAPI 3.x or Swagger 2.0 document (JSON) whose paths take precedence over learned templates; servers[].url / basePath prefixes honoured" },
        { name: 'exclude-static', type: 'boolean', description: 'leave static assets (css, js, images, fonts, media, by extension or content type) out of the model and its sessions' },
        { name: 'tz', type: 'string', arg: 'ZONE', description: "the model's day frame: hour of day, weekday, peak (IANA name such as America/New_York, or +05:30)", default: 'UTC' },
        { name: 'log-tz', type: 'string', arg: 'ZONE', description: 'the zone of log timestamps written without an offset', default: 'UTC' },
        { name: 'merge', type: 'boolean', description: 'the inputs are model files: combine them into one model (with -o and --max-endpoints only)' },
      ],
    },
    handler: async (args, ctx) => {
      if (args.options.merge === true) {
        const logOnly = ['format', 'log-format', 'map', 'session-timeout', 'max-rejects', 's3-endpoint', 'tz', 'log-tz'].filter((name) => args.options[name] !== undefined);
        if (logOnly.length > 0) {
          throw new UsageError(`tidemark import --merge: ${logOnly.map((n) => `--${n}`).join(', ')} appl${logOnly.length === 1 ? 'ies' : 'y'} to reading logs, not to merging models`, {
            hint: 'models are merged as they were built; import the logs again with those options, or import them together',
          });
        }
        return runMergeModels(args.positionals, { out: args.options.out as string | undefined, maxEndpoints: args.options['max-endpoints'] as number | undefined }, ctx);
      }
      return runImport(
        args.positionals,
        {
          out: args.options.out as string | undefined,
          format: args.options.format as string | undefined,
          logFormat: args.options['log-format'] as string | undefined,
          map: parseMapOption(args.options.map as string[] | undefined),
          sessionTimeoutMs: args.options['session-timeout'] as number | undefined,
          sessionKey: args.options['session-key'] as string | undefined,
          maxEndpoints: args.options['max-endpoints'] as number | undefined,
          maxRejects: args.options['max-rejects'] as number | undefined,
          s3Endpoint: args.options['s3-endpoint'] as string | undefined,
          routes: args.options.routes as string | undefined,
          openapi: args.options.openapi as string | undefined,
          excludeStatic: args.options['exclude-static'] as boolean | undefined,
          modelTimeZone: args.options.tz as string | undefined,
          timeZone: args.options['log-tz'] as string | undefined,
        },
        ctx,
      );
    },
  },
  parseCommand,
  {
    spec: {
      name: 'inspect',
      summary: 'Show a model: endpoint mix, sessions, flows, the hourly and weekly shape, the peak, concurrency.',
      usage: 'tidemark inspect <model.json> [--json | --brief]',
      positionals: [1, 1],
      options: [
        { name: 'json', type: 'boolean', description: 'print the summary as JSON' },
        { name: 'brief', type: 'boolean', description: 'print the traffic in a few plain sentences (for a ticket or a prompt)' },
      ],
    },
    handler: async (args, ctx) => runInspect(args.positionals[0] as string, { json: args.options.json === true, brief: args.options.brief === true }, ctx),
  },
  {
    spec: {
      name: 'run',
      summary: 'Replay synthesized sessions of a model (or a profile) against a target, and judge it.',
      usage: 'tidemark run <profile.json|model.json|log> --target URL [--scale K] [--window peak] [--duration D]',
      details:
        'Sessions arrive as a non-homogeneous Poisson process at K × the model\'s rate; each walks the model\'s\n' +
        'transition matrix with sampled think times. Latency is measured from each request\'s intended send time.\n' +
        'Exit codes: 0 pass, 1 unexpected failure, 2 invalid input, 99 thresholds failed, 130 interrupted.',
      positionals: [1, 1],
      options: RUN_OPTIONS,
    },
    handler: async (args, ctx) => {
      const once = (out: string) =>
        runLoad(
          {
            input: args.positionals[0] as string,
            target: args.options.target as string | undefined,
            scale: args.options.scale as number | undefined,
            speed: args.options.speed as number | undefined,
            window: args.options.window as string | undefined,
            durationMs: args.options.duration as number | undefined,
            traffic: args.options.traffic as string | undefined,
            rate: args.options.rate as number | undefined,
            timeScale: args.options['time-scale'] as number | undefined,
            seed: args.options.seed as number | undefined,
            segment: args.options.segment as string | undefined,
            workers: args.options.workers as number | undefined,
            maxRate: args.options['max-rate'] as number | undefined,
            insecure: args.options.insecure as boolean | undefined,
            startAt: args.options['start-at'] as string | undefined,
            thresholds: args.options.threshold as string[] | undefined,
            maxInFlight: args.options['max-in-flight'] as number | undefined,
            connections: args.options.connections as number | undefined,
            timeoutMs: args.options.timeout as number | undefined,
            drainMs: args.options.drain as number | undefined,
            warmStart: args.options['warm-start'] as boolean | undefined,
            out,
            reports: reportOutputsFromArgs(args),
          },
          ctx,
        );
      const out = (args.options.out as string | undefined) ?? 'results.json';
      const times = (args.options.repeat as number | undefined) ?? 1;
      return exitOf(times === 1 ? await once(out) : await runRepeated(times, out, (_i, path) => once(path), ctx));
    },
  },
  {
    spec: {
      name: 'replay',
      summary: 'Send the logged requests themselves to a target, at their original spacing (÷ speed).',
      usage: 'tidemark replay <log...> --target URL [--speed C] [--scale K] [--duration D]',
      details:
        'Each logged request is sent at its logged start time, whatever earlier responses did (open loop).\n' +
        '--scale K plays K copies of every session (client + user agent), each shifted by a seeded offset of\n' +
        'up to 60 s: twice the sessions, not twice the clock speed. Only --target is contacted.',
      positionals: [1, Infinity],
      options: [
        { name: 'target', short: 't', type: 'string', arg: 'URL', description: 'the origin to send to (the only host contacted)' },
        { name: 'speed', type: 'number', arg: 'C', description: "the log's clock runs C times faster", default: '1' },
        { name: 'scale', short: 's', type: 'number', arg: 'K', description: 'K copies of each session', default: '1' },
        { name: 'duration', short: 'd', type: 'duration', arg: 'D', description: 'play only this much (after --speed)' },
        { name: 'format', short: 'f', type: 'string', arg: 'NAME', description: 'skip detection and use this format' },
        { name: 'log-format', type: 'string', arg: 'STR', description: 'an nginx log_format or Apache LogFormat string' },
        { name: 'threshold', type: 'list', arg: 'EXPR', description: 'an SLA threshold, repeatable' },
        { name: 'max-requests', type: 'number', arg: 'N', description: 'refuse logs with more requests than this', default: '1000000' },
        { name: 'seed', type: 'number', arg: 'N', description: 'seed for the copies\' offsets', default: '1' },
        { name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'results file', default: 'results.json' },
      ],
    },
    handler: async (args, ctx) => {
      const target = args.options.target as string | undefined;
      if (!target) throw new UsageError('tidemark replay: --target URL is required', { hint: 'e.g. --target http://127.0.0.1:8080' });
      return exitOf(
        await runReplay(
          args.positionals,
          {
            target,
            speed: args.options.speed as number | undefined,
            scale: args.options.scale as number | undefined,
            durationMs: args.options.duration as number | undefined,
            format: args.options.format as string | undefined,
            logFormat: args.options['log-format'] as string | undefined,
            thresholds: args.options.threshold as string[] | undefined,
            maxRequests: args.options['max-requests'] as number | undefined,
            seed: args.options.seed as number | undefined,
            out: args.options.out as string | undefined,
          },
          ctx,
        ),
      );
    },
  },
  {
    spec: {
      name: 'demo',
      summary: 'The whole loop on the embedded sample: sample log → model → built-in shop target → replay at K× → verdict.',
      usage: 'tidemark demo [--scale K] [--duration D]',
      details: 'Try --scale 1 (passes) and --scale 20 (the shop\'s database pool saturates and the SLA fails).',
      positionals: [0, 0],
      options: [
        { name: 'scale', short: 's', type: 'number', arg: 'K', description: 'multiple of the real peak', default: '3' },
        { name: 'duration', short: 'd', type: 'duration', arg: 'D', description: 'run length', default: '30s' },
        { name: 'seed', type: 'number', arg: 'N', description: 'random seed', default: '1' },
        { name: 'out', short: 'o', type: 'string', arg: 'FILE', description: 'results file', default: 'tidemark-demo-results.json' },
      ],
    },
    handler: async (args, ctx) =>
      exitOf(
        await runDemo(
          {
            scale: args.options.scale as number | undefined,
            durationMs: args.options.duration as number | undefined,
            seed: args.options.seed as number | undefined,
            out: args.options.out as string | undefined,
          },
          ctx,
        ),
      ),
  },
  {
    spec: {
      name: 'serve-demo',
      summary: 'Serve the embedded shop target (a bounded database pool that saturates like a real one).',
      usage: 'tidemark serve-demo [--port N]',
      positionals: [0, 0],
      options: [
        { name: 'port', short: 'p', type: 'number', arg: 'N', description: 'port to listen on (0 picks a free one)', default: '8080' },
        { name: 'host', type: 'string', arg: 'HOST', description: 'address to listen on', default: '127.0.0.1' },
        { name: 'pool-size', type: 'number', arg: 'N', description: 'database pool slots' },
        { name: 'latency-scale', type: 'number', arg: 'F', description: 'multiply every query time (make the target slow)' },
      ],
    },
    handler: async (args, ctx) => {
      await serveDemo(
        {
          port: (args.options.port as number | undefined) ?? 8080,
          host: (args.options.host as string | undefined) ?? '127.0.0.1',
          poolSize: args.options['pool-size'] as number | undefined,
          latencyScale: args.options['latency-scale'] as number | undefined,
        },
        ctx,
      );
      return ExitCode.OK;
    },
  },
  reportCommand,
  fidelityCommand,
  exportCommand,
  compareCommand,
  mergeCommand,
  k8sCommand,
  smokeCommand,
  stressCommand,
];
