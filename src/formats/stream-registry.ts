import { eventsCsvFormat, eventsJsonFormat } from './events.js';
import { ga4BigQueryFormat } from './ga4-bigquery.js';
import { harFormat } from './har.js';
import type { StreamFormat } from './stream-types.js';

/**
 * The formats read as whole streams (see stream-types.ts), for detection and `--format`:
 * har and ga4-bigquery are detected from the head of an input; events-json and events-csv need
 * `--map` and are only chosen by `--format`.
 */
export const streamFormats: StreamFormat[] = [harFormat, ga4BigQueryFormat, eventsJsonFormat, eventsCsvFormat];
