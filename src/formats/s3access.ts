import type { LogRecord } from '../core/types.js';
import {
  BAD_BYTES,
  BAD_DURATION,
  BAD_STATUS,
  BAD_TIMESTAMP,
  FieldBuffer,
  hostWithoutPort,
  MISMATCH,
  scoreSample,
  splitFields,
  splitProxyRequest,
  textOrEmpty,
  TOO_FEW_FIELDS,
} from './aws-fields.js';
import { intOrDash } from './fields.js';
import { parseClfTime, UTC } from './time.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from './types.js';

/*
 * Amazon S3 server access logs:
 *
 *   0 bucket_owner  1 bucket  2 [time]  3 remote_ip  4 requester  5 request_id  6 operation
 *   7 key  8 "request_uri"  9 http_status  10 error_code  11 bytes_sent  12 object_size
 *   13 total_time (ms)  14 turn_around_time (ms)  15 "referrer"  16 "user_agent"  17 version_id
 *   18 host_id  19 signature_version  20 cipher_suite  21 authentication_type  22 host_header
 *   23 tls_version  24… access_point_arn, acl_required and later fields (ignored)
 *
 * `time` is when S3 received the request: the start as logged. `total_time` (first byte in to
 * last byte out) is the duration; `-` in bytes_sent means zero bytes. Older logs stop after
 * the user agent or earlier; the status and bytes are required.
 *
 * Operations S3 performs on its own (lifecycle expirations and transitions, the per-object
 * lines of a multi-object delete) log `-` for the request: nobody sent that request, so those
 * lines are not records (null, not counted as rejected), like comments.
 */

const FIELDS = 24;
const MIN_FIELDS = 12; // through bytes_sent
const LENIENT = (1 << 8) | (1 << 15) | (1 << 16);

class S3AccessParser implements LineParser {
  private readonly buf = new FieldBuffer(FIELDS);
  private readonly req = { method: '', path: '', query: '', host: '' };

  parse(line: string, source: string): ParseResult {
    if (line.length === 0) return null;
    const { starts, ends } = this.buf;
    const n = splitFields(line, this.buf, LENIENT, true);
    // The time is the third field, in brackets; the operation looks like REST.GET.OBJECT.
    if (n === 0) return null; // spaces only
    if (n < 3 || line.charCodeAt((starts[2] as number) - 1) !== 0x5b) return MISMATCH;
    const timeMs = parseClfTime(line, starts[2] as number, ends[2] as number, UTC);
    if (Number.isNaN(timeMs)) return BAD_TIMESTAMP;
    if (n < MIN_FIELDS) return TOO_FEW_FIELDS;
    if (!isOperation(line, starts[6] as number, ends[6] as number)) return MISMATCH;

    const rs = starts[8] as number;
    const re = ends[8] as number;
    if (re === rs || (re - rs === 1 && line.charCodeAt(rs) === 0x2d)) return null;

    const status = intOrDash(line, starts[9] as number, ends[9] as number);
    if (Number.isNaN(status)) return BAD_STATUS;
    const bytes = intOrDash(line, starts[11] as number, ends[11] as number);
    if (Number.isNaN(bytes)) return BAD_BYTES;
    let durationMs: number | null = null;
    if (n > 13) {
      const total = intOrDash(line, starts[13] as number, ends[13] as number);
      if (Number.isNaN(total)) return BAD_DURATION;
      if (total >= 0) durationMs = total;
    }

    const req = this.req;
    splitProxyRequest(line, rs, re, req);
    const record: LogRecord = {
      timeMs,
      method: req.method,
      path: req.path,
      query: req.query,
      status: status < 0 ? 0 : status,
      bytes: bytes < 0 ? 0 : bytes,
      durationMs,
      client: textOrEmpty(line, starts[3] as number, ends[3] as number),
      userAgent: n > 16 ? textOrEmpty(line, starts[16] as number, ends[16] as number) : '',
      referrer: n > 15 ? textOrEmpty(line, starts[15] as number, ends[15] as number) : '',
      host: n > 22 ? hostWithoutPort(textOrEmpty(line, starts[22] as number, ends[22] as number)) : req.host,
      source,
    };
    return record;
  }
}

/** `REST.GET.OBJECT`, `WEBSITE.GET.OBJECT`, `BATCH.DELETE.OBJECT`, `S3.EXPIRE.OBJECT`: upper-case words and dots. */
function isOperation(line: string, start: number, end: number): boolean {
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x2e) dots++;
    else if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) return false;
  }
  return dots >= 2;
}

export const s3access: LineFormat = {
  name: 's3access',
  description: 'Amazon S3 server access log (owner bucket [time] ip requester id operation key "request-uri" status error bytes size total-ms turnaround-ms "referer" "user-agent" …)',
  detect: (lines) => scoreSample(new S3AccessParser(), lines),
  create: (_options: FormatOptions) => new S3AccessParser(),
};
