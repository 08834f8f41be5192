import type { LogRecord } from '../core/types.js';
import {
  addressOf,
  BAD_BYTES,
  BAD_STATUS,
  BAD_TIMESTAMP,
  FieldBuffer,
  MISMATCH,
  rejection,
  scoreSample,
  splitFields,
  splitProxyRequest,
  textOrEmpty,
  TOO_FEW_FIELDS,
  sumElbTimers,
} from './aws-fields.js';
import { intOrDash } from './fields.js';
import { parseIsoTime, UTC } from './time.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from './types.js';

/*
 * AWS Application Load Balancer access logs. One request per line, space-separated, some
 * fields quoted; AWS appends fields over the years and says to ignore any it adds later:
 *
 *   0 type  1 time  2 elb  3 client:port  4 target:port  5 request_processing_time
 *   6 target_processing_time  7 response_processing_time  8 elb_status_code
 *   9 target_status_code  10 received_bytes  11 sent_bytes  12 "request"  13 "user_agent"
 *   14 ssl_cipher  15 ssl_protocol  16 target_group_arn  17 "trace_id"  18 "domain_name"
 *   19 "chosen_cert_arn"  20 matched_rule_priority  21 request_creation_time
 *   22 "actions_executed"  23 "redirect_url"  24 "error_reason"  25 "target:port_list"
 *   26 "target_status_code_list"  27 "classification"  28 "classification_reason"
 *   29… traceability_id and whatever comes next (ignored)
 *
 * Lines from before 2018 stop after trace_id (18 fields) or chosen_cert_arn (20). `time` is
 * when the response was sent; `request_creation_time` is when the request arrived, the start
 * we want. Without it (older lines) the start is `time` minus the three processing times
 * that are known. A timer of -1 means the ALB could not measure it (the client closed, the
 * target timed out): then there is no duration.
 */

const FIELDS = 22; // through request_creation_time: the rest is not needed for a record
const MIN_FIELDS = 14; // through user_agent
const LENIENT = (1 << 12) | (1 << 13); // request and user agent may contain quotes

const BAD_TIMER = rejection('bad processing time');

/** The connection types an ALB logs (`grpcs` since 2020). */
const TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);

class AlbParser implements LineParser {
  private readonly buf = new FieldBuffer(FIELDS);
  private readonly req = { method: '', path: '', query: '', host: '' };

  parse(line: string, source: string): ParseResult {
    if (line.length === 0) return null;
    const { starts, ends } = this.buf;
    const n = splitFields(line, this.buf, LENIENT);
    // The first field is a connection type: the cheapest test that this is an ALB line at all.
    if (n === 0) return null; // spaces only
    if (!TYPES.has(line.slice(starts[0], ends[0]))) return MISMATCH;
    if (n < MIN_FIELDS) return TOO_FEW_FIELDS;
    const loggedMs = parseIsoTime(line, starts[1] as number, ends[1] as number, UTC);
    if (Number.isNaN(loggedMs)) return BAD_TIMESTAMP;

    // The three timers, in ms; any -1 → no duration.
    const timers = sumElbTimers(line, starts, ends, 5);
    if (timers === null) return BAD_TIMER;
    const { knownMs, allKnown } = timers;

    const status = intOrDash(line, starts[8] as number, ends[8] as number);
    if (Number.isNaN(status)) return BAD_STATUS;
    const bytes = intOrDash(line, starts[11] as number, ends[11] as number);
    if (Number.isNaN(bytes)) return BAD_BYTES;

    // The start: request_creation_time, else the logged time minus the known timers.
    let timeMs = n > 21 ? parseIsoTime(line, starts[21] as number, ends[21] as number, UTC) : NaN;
    if (Number.isNaN(timeMs)) timeMs = loggedMs - knownMs;

    const req = this.req;
    splitProxyRequest(line, starts[12] as number, ends[12] as number, req);
    let host = req.host;
    if (host === '' && n > 18) host = textOrEmpty(line, starts[18] as number, ends[18] as number); // domain_name (SNI)

    const record: LogRecord = {
      timeMs: Math.floor(timeMs), // whole ms, as other tools truncate
      method: req.method,
      path: req.path,
      query: req.query,
      status: status < 0 ? 0 : status,
      bytes: bytes < 0 ? null : bytes,
      durationMs: allKnown ? Math.round(knownMs * 1000) / 1000 : null,
      client: addressOf(line, starts[3] as number, ends[3] as number),
      userAgent: textOrEmpty(line, starts[13] as number, ends[13] as number),
      referrer: '',
      host,
      source,
    };
    return record;
  }
}

export const alb: LineFormat = {
  name: 'alb',
  description: 'AWS Application Load Balancer access log (type time elb client:port … "request" "user_agent" …; start = request_creation_time)',
  detect: (lines) => scoreSample(new AlbParser(), lines),
  create: (_options: FormatOptions) => new AlbParser(),
};
