/**
 * Aggregated analytics reports (Google Analytics page and time reports exported as CSV): no
 * row per request, only counts per page, per hour or per day, and averages. They carry parts of
 * the traffic model (the page mix, pages per session, average session duration, sessions per
 * hour or day), not records. Produced by `parseAnalyticsCsv` (ga-csv.ts).
 */

/**
 * What a section's rows are keyed by:
 *   pages   a page dimension (page path, page title, landing page, screen)
 *   hourly  an hour of the day (0..23), with a date when the dimension is date + hour
 *   daily   a date
 *   other   anything else (browser, country, source / medium, ...)
 */
export type AggregateKind = 'pages' | 'hourly' | 'daily' | 'other';

/**
 * One row of a report. The well-known metrics are read into typed fields, whatever the
 * report's language or number format; `values` keeps every column as read.
 */
export interface AggregateRow {
  /** Page path (or title / screen name for reports keyed by those). */
  page?: string;
  /** Hour of the day, 0..23. */
  hour?: number;
  /** YYYY-MM-DD. */
  date?: string;
  pageviews?: number;
  uniquePageviews?: number;
  sessions?: number;
  users?: number;
  newUsers?: number;
  entrances?: number;
  /** Average session duration, seconds. */
  avgSessionDurationSec?: number;
  /** Average time on page (UA) or average engagement time (GA4), seconds. */
  avgTimeOnPageSec?: number;
  pagesPerSession?: number;
  /** Percent, 0..100 (`"99,88%"` → 99.88). */
  bounceRatePct?: number;
  exitRatePct?: number;
  /** A dimension cell is `(not set)` (GA's bucket for what it could not attribute). */
  notSet?: boolean;
  /** Every column: header → number (when the column is numeric) or text. */
  values: Record<string, number | string>;
  /** Line in the file. */
  line: number;
}

export interface AggregateSection {
  kind: AggregateKind;
  /** The `#` preamble lines above the section, without the `#` and the ---- rules. */
  title: string[];
  /** Date range from the preamble (`# 20150101-20150131`, `# Start date: 20230101`), YYYY-MM-DD. */
  dateRange?: { start: string; end: string };
  /** Column headers, as written. */
  columns: string[];
  /** Which columns are dimensions (the rest are metrics). */
  dimensions: string[];
  rows: AggregateRow[];
  /** The totals row (dimension cells empty, or "Total"/"Grand total"), when the export has one. */
  totals?: AggregateRow;
  /** Line of the header row. */
  line: number;
}

export interface AggregateReport {
  /** The kind of the main section: the first pages section, else the first hourly, daily, other. */
  kind: AggregateKind;
  /** The main section's rows. */
  rows: AggregateRow[];
  /** The main section's totals. */
  totals?: AggregateRow;
  /** Every section of the file, in order. */
  sections: AggregateSection[];
  /**
   * Decisions worth telling the user, e.g. how an ambiguous number column was read
   * (`"Sessions": "2,533" read as 2533 (thousands separator)`).
   */
  notes: string[];
}

/** A reader of an aggregated export, for detection and `--format` (like a StreamFormat). */
export interface AggregateFormat {
  name: string;
  description: string;
  /** How well the start of an input matches, 0..1. */
  detect(head: string): number;
  parse(input: string | AsyncIterable<Buffer | string>, sourceName: string): Promise<AggregateReport>;
}
