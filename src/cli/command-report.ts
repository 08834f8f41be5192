import { runReport } from '../commands/report.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { Command } from './command.js';

/** The report outputs `run` and `report` share (the lead spreads these into RUN_OPTIONS). */
export const REPORT_OUTPUT_OPTIONS: OptionSpec[] = [
  { name: 'html', type: 'string', arg: 'FILE', description: 'write a self-contained HTML report with charts (s3://bucket/key uploads, - is stdout)' },
  { name: 'junit', type: 'string', arg: 'FILE', description: 'write JUnit XML, a test case per threshold' },
  { name: 'out-series', type: 'string', arg: 'FILE', description: 'write the per-second time series as NDJSON' },
];

/** The report outputs named on a command line, as writeRunReports / runReport take them. */
export function reportOutputsFromArgs(args: ParsedArgs): { html: string | undefined; junit: string | undefined; series: string | undefined } {
  return {
    html: args.options.html as string | undefined,
    junit: args.options.junit as string | undefined,
    series: args.options['out-series'] as string | undefined,
  };
}

export const reportCommand: Command = {
  spec: {
    name: 'report',
    summary: 'Rebuild reports (HTML, JUnit, series, summary) from a results.json.',
    usage: 'tidemark report <results.json> [--html FILE] [--junit FILE] [--out-series FILE] [--json FILE] [--model model.json]',
    details:
      'Renders with the same code as `tidemark run`, so the files are identical to those the run would write.\n' +
      'Any output may be s3://bucket/key (uploaded; AWS_ENDPOINT_URL_S3 selects an S3-compatible endpoint) or - (stdout).\n' +
      'Without an output option, prints the end-of-run summary.\n' +
      'Example: tidemark report results.json --html report.html --junit junit.xml',
    positionals: [1, 1],
    options: [
      ...REPORT_OUTPUT_OPTIONS,
      { name: 'json', type: 'string', arg: 'FILE', description: 'write the results file again (e.g. to s3://)' },
      { name: 'model', short: 'm', type: 'string', arg: 'FILE', description: "a model (or profile, or log) whose endpoint mix the HTML report compares with what was sent" },
    ],
  },
  handler: async (args, ctx) =>
    runReport(
      args.positionals[0] as string,
      { ...reportOutputsFromArgs(args), json: args.options.json as string | undefined, model: args.options.model as string | undefined },
      ctx,
    ),
};
