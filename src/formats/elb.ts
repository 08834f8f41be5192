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
 * AWS Classic Elastic Load Balancer access logs:
 *
 *   0 timestamp  1 elb  2 client:port  3 backend:port  4 request_processing_time
 *   5 backend_processing_time  6 response_processing_time  7 elb_status_code
 *   8 backend_status_code  9 received_bytes  10 sent_bytes  11 "request"  12 "user_agent"
 *   13 ssl_cipher  14 ssl_protocol
 *
 * Logs written before 2015 stop after the request (12 fields). The timestamp is taken as the
 * time the response was sent (DESIGN.md; AWS's own wording has varied), so the request starts
 * that much earlier than the three processing times; a timer of -1 (no backend reached) is not
 * known and leaves no duration. TCP and SSL listeners log `"- - - "` for the request and `-`
 * statuses: those lines are connections, not HTTP requests, and are rejected.
 */

const FIELDS = 15;
const MIN_FIELDS = 12;
const LENIENT = (1 << 11) | (1 << 12);

const TCP_LISTENER = rejection('TCP/SSL listener connection (no HTTP request)');
const BAD_TIMER = rejection('bad processing time');

class ElbParser implements LineParser {
  private readonly buf = new FieldBuffer(FIELDS);
  private readonly req = { method: '', path: '', query: '', host: '' };

  parse(line: string, source: string): ParseResult {
    if (line.length === 0) return null;
    const { starts, ends } = this.buf;
    const n = splitFields(line, this.buf, LENIENT);
    // The first field must be an ISO 8601 UTC time: `2015-05-13T23:39:43.945958Z`.
    if (n === 0) return null; // spaces only
    if (line.charCodeAt((starts[0] as number) + 10) !== 0x54) return MISMATCH;
    const endMs = parseIsoTime(line, starts[0] as number, ends[0] as number, UTC);
    if (Number.isNaN(endMs)) return BAD_TIMESTAMP;
    if (n < MIN_FIELDS) return TOO_FEW_FIELDS;
    if (line.charCodeAt(starts[11] as number) === 0x2d && isTcpRequest(line, starts[11] as number, ends[11] as number)) return TCP_LISTENER;

    // The three timers, in ms; any -1 → no duration.
    const timers = sumElbTimers(line, starts, ends, 4);
    if (timers === null) return BAD_TIMER;
    const { knownMs, allKnown } = timers;
    const status = intOrDash(line, starts[7] as number, ends[7] as number);
    if (Number.isNaN(status)) return BAD_STATUS;
    const bytes = intOrDash(line, starts[10] as number, ends[10] as number);
    if (Number.isNaN(bytes)) return BAD_BYTES;

    const req = this.req;
    splitProxyRequest(line, starts[11] as number, ends[11] as number, req);
    const record: LogRecord = {
      timeMs: Math.floor(endMs - knownMs),
      method: req.method,
      path: req.path,
      query: req.query,
      status: status < 0 ? 0 : status,
      bytes: bytes < 0 ? null : bytes,
      durationMs: allKnown ? Math.round(knownMs * 1000) / 1000 : null,
      client: addressOf(line, starts[2] as number, ends[2] as number),
      userAgent: n > 12 ? textOrEmpty(line, starts[12] as number, ends[12] as number) : '',
      referrer: '',
      host: req.host,
      source,
    };
    return record;
  }
}

/** `- - -` (sometimes with a trailing space): only dashes and spaces. */
function isTcpRequest(line: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x2d && c !== 0x20) return false;
  }
  return true;
}

export const elb: LineFormat = {
  name: 'elb',
  description: 'AWS Classic Load Balancer access log (timestamp elb client:port backend:port … "request" "user_agent" ssl_cipher ssl_protocol)',
  detect: (lines) => scoreSample(new ElbParser(), lines, [TCP_LISTENER]),
  create: (_options: FormatOptions) => new ElbParser(),
};
