import { runParse } from '../commands/parse.js';
import type { Command } from './command.js';
import { parseMapOption } from './args.js';

export const parseCommand: Command = {
  spec: {
    name: 'parse',
    summary: 'Print the records read from logs as NDJSON, one per accepted line (to debug a format).',
    usage: 'tidemark parse <log|glob|dir|s3://bucket/prefix|-> [...] [--format NAME] [--log-format STR]',
    details:
      'Each line: {"time" (ISO 8601 UTC, request start), "method", "path", "query", "status", "bytes", "durationMs",\n' +
      '"client", "userAgent", "referrer", "host", "source" ("file:line")}. Inputs are read one after another,\n' +
      'lines in file order. What each input was detected as, and the rejected lines by reason with examples,\n' +
      'go to stderr. Example: tidemark parse access.log.gz | head -3',
    positionals: [1, Infinity],
    options: [
      { name: 'format', short: 'f', type: 'string', arg: 'NAME', description: 'skip detection and use this format' },
      { name: 'log-format', type: 'string', arg: 'STR', description: 'an nginx log_format or Apache LogFormat string' },
      { name: 'map', type: 'list', arg: 'F=PATH', description: 'for JSON lines and event exports: our field (time, method, path, url, status, bytes, client, userAgent, ...) from a JSON path or column; repeatable' },
      { name: 'log-tz', type: 'string', arg: 'ZONE', description: 'the zone of log timestamps written without an offset (IANA name or +05:30)', default: 'UTC' },
      { name: 's3-endpoint', type: 'string', arg: 'URL', description: 'an S3-compatible store for s3:// inputs, path-style (default: AWS_ENDPOINT_URL_S3, else AWS)' },
    ],
  },
  handler: async (args, ctx) =>
    runParse(
      args.positionals,
      {
        format: args.options.format as string | undefined,
        logFormat: args.options['log-format'] as string | undefined,
        map: parseMapOption(args.options.map as string[] | undefined),
        timeZone: args.options['log-tz'] as string | undefined,
        s3Endpoint: args.options['s3-endpoint'] as string | undefined,
      },
      ctx,
    ),
};
