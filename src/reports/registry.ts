import { renderHtmlReport, type ChartAssets } from './html.js';
import { renderJunit } from './junit.js';
import type { RunResults } from './results.js';
import { renderSeriesNdjson } from './series.js';
import { renderRunSummary } from './terminal.js';

/**
 * Every report of a run, one file each, behind one explicit map (as vitest's ReportersMap):
 * the run command and `tidemark report` both look reporters up here, so a report rebuilt from
 * results.json is the one the run wrote.
 */

export interface ReportOptions {
  /** ANSI colours (terminal only). */
  color?: boolean | undefined;
  /** The model's endpoint mix (key → share), for the HTML report's model-vs-sent comparison. */
  modelMix?: Record<string, number> | undefined;
  /** The chart library for the HTML report (read from node_modules when absent). */
  chartAssets?: ChartAssets | undefined;
}

export interface Reporter {
  /** File extension with the dot, for default file names. */
  extension: string;
  /** Media type, for uploads (S3 Content-Type). */
  contentType: string;
  description: string;
  render: (results: RunResults, opts: ReportOptions) => string;
}

export const REPORTERS = {
  terminal: {
    extension: '.txt',
    contentType: 'text/plain; charset=utf-8',
    description: 'the end-of-run summary printed to the terminal',
    render: (results, opts) => renderRunSummary(results, { color: opts.color === true }),
  },
  json: {
    extension: '.json',
    contentType: 'application/json',
    description: 'results.json: measurements, encoded histograms and the verdict',
    // Byte for byte what `run` writes (commands/write-output.ts toJson).
    render: (results) => `${JSON.stringify(results, null, 2)}\n`,
  },
  html: {
    extension: '.html',
    contentType: 'text/html; charset=utf-8',
    description: 'a self-contained HTML report with charts (works offline)',
    render: (results, opts) => renderHtmlReport(results, { modelMix: opts.modelMix, assets: opts.chartAssets }),
  },
  junit: {
    extension: '.xml',
    contentType: 'application/xml',
    description: 'JUnit XML: a test case per threshold',
    render: (results) => renderJunit(results),
  },
  series: {
    extension: '.ndjson',
    contentType: 'application/x-ndjson',
    description: 'the per-second time series as NDJSON',
    render: (results) => renderSeriesNdjson(results),
  },
} satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof REPORTERS;

export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

export function renderReport(name: ReporterName, results: RunResults, opts: ReportOptions = {}): string {
  return REPORTERS[name].render(results, opts);
}
