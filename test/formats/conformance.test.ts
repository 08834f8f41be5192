/**
 * Conformance: our parse of nginx/Apache lines against other projects' expected parses of the
 * same lines (Filebeat's module tests, Vector's VRL parse_nginx_log / parse_apache_log /
 * parse_common_log examples and unit tests). Compared per record: accepted or not, time, method,
 * path, status, bytes, client, user agent (and host where the oracle has it). Their field
 * names are mapped to ours; their `-` and missing values both mean "not logged" ('' / null / 0).
 *
 * Apache-2.0 fixtures are copied in test/fixtures/formats; the MPL-2.0 Vector ones are read from
 * ../shared/fixtures at test time and skipped, visibly, when that folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { combined, common, nginxIngress, nginxMain } from '../../src/formats/clf.js';
import { detectFormat } from '../../src/formats/index.js';
import type { LineFormat } from '../../src/formats/types.js';

const LOCAL = new URL('../fixtures/formats/', import.meta.url);
const SHARED = new URL('../../../shared/fixtures/', import.meta.url);

/** What we compare. */
interface Compared {
  accepted: boolean;
  timeMs: number;
  method: string;
  path: string;
  status: number;
  bytes: number | null;
  client: string;
  userAgent: string;
  host: string;
}
type Field = keyof Compared;

interface OracleCase {
  /** Line number or test name, for messages and the accepted differences. */
  item: string;
  line: string;
  format: LineFormat;
  want: Partial<Compared>;
}

/**
 * Every place where we knowingly differ from an oracle, with why. The test fails if a
 * difference is not listed here, and if a listed one no longer happens.
 */
const ACCEPTED_DIFFERENCES: { fixture: string; item: string; field: Field; ours: unknown; theirs: unknown; reason: string }[] = [
  ...['docs: Parse via Nginx log format (main)', 'main_line_valid_two_proxies'].map((item) => ({
    fixture: 'vector-vrl', item, field: 'client' as const, ours: '1.2.3.4', theirs: '172.24.0.3',
    reason: 'with $http_x_forwarded_for logged, the client is the first public forwarded address (a stable identity behind a load balancer); Vector reports $remote_addr',
  })),
  {
    fixture: 'vector-vrl', item: 'main_line_valid_all_fields', field: 'client', ours: '1.2.3.4', theirs: '172.24.0.2',
    reason: 'client from X-Forwarded-For, as above',
  },
  {
    fixture: 'vector-vrl', item: 'main_line_valid_single_proxy', field: 'client', ours: '172.24.0.1', theirs: '172.24.0.3',
    reason: 'client from X-Forwarded-For (its only, private, entry), as above',
  },
  ...[
    'docs: Parse via Nginx log format (ingress_upstreaminfo)',
    'ingress_nginx_upstreaminfo_valid_without_optional_fields',
    'ingress_nginx_upstreaminfo_valid_missing_upstream',
    'ingress_nginx_upstreaminfo_valid_empty_referer',
    'ingress_nginx_upstreaminfo_valid_all_fields',
  ].map((item) => ({
    fixture: 'vector-vrl', item, field: 'timeMs' as const, ours: Date.parse('2023-03-18T14:59:59.950Z'), theirs: Date.parse('2023-03-18T15:00:00Z'),
    reason: 'nginx logs the end of the request; the record holds its start, logged time − $request_time (0.050 s) (DESIGN.md)',
  })),
  ...['parse_apache_log.rs/log_line_valid_empty', 'parse_common_log.rs/log_line_valid_empty', 'parse_apache_log.rs/log_line_valid_empty_variant', 'parse_common_log.rs/log_line_valid_empty_variant'].map((item) => ({
    fixture: 'vector-vrl', item, field: 'accepted' as const, ours: false, theirs: true,
    reason: 'a line of dashes has no time: it cannot be placed in a traffic model, so it is rejected (Vector returns an empty object)',
  })),
];

const results = new Map<string, { identical: number; differing: number; failing: number }>();
const usedDifferences = new Set<number>();
const ranFixtures = new Set<string>();

function compare(fixture: string, c: OracleCase): string[] {
  const result = c.format.create({}).parse(c.line, `${fixture}:${c.item}`);
  const accepted = result !== null && !('reject' in result);
  const ours: Compared = accepted
    ? { accepted, timeMs: result.timeMs, method: result.method, path: result.path, status: result.status, bytes: result.bytes, client: result.client, userAgent: result.userAgent, host: result.host }
    : { accepted, timeMs: NaN, method: '', path: '', status: 0, bytes: null, client: '', userAgent: '', host: '' };
  const problems: string[] = [];
  let differing = false;
  const fields: Field[] = ['accepted', ...(ours.accepted && c.want.accepted !== false ? (Object.keys(c.want).filter((k) => k !== 'accepted') as Field[]) : [])];
  for (const field of fields) {
    const theirs = field in c.want ? c.want[field] : field === 'accepted' ? true : undefined;
    if (Object.is(ours[field], theirs)) continue;
    const index = ACCEPTED_DIFFERENCES.findIndex((d) => d.fixture === fixture && d.item === c.item && d.field === field && Object.is(d.ours, ours[field]) && Object.is(d.theirs, theirs));
    if (index >= 0) {
      usedDifferences.add(index);
      differing = true;
    } else problems.push(`${fixture} ${c.item}: ${field} is ${JSON.stringify(ours[field])}, expected ${JSON.stringify(theirs)}${accepted ? '' : ` (${JSON.stringify(result)})`}`);
  }
  const tally = results.get(fixture) ?? { identical: 0, differing: 0, failing: 0 };
  if (problems.length > 0) tally.failing++;
  else if (differing) tally.differing++;
  else tally.identical++;
  results.set(fixture, tally);
  return problems;
}

const notLogged = (value: unknown): boolean => value === undefined || value === '-' || value === '';

function splitTarget(target: string | undefined): string {
  return target === undefined ? '' : (target.split('?')[0] as string);
}

// ---------------------------------------------------------------------------------------------
// Filebeat (ECS flat keys), Apache-2.0, copied.

function filebeatCases(log: string, expected: string, format: LineFormat | null): { cases: OracleCase[]; detected: string } {
  const bytes = readFileSync(new URL(log, LOCAL));
  const text = bytes.toString('utf8');
  const lines = text.split('\n');
  const offsets: number[] = [];
  let offset = 0;
  for (const line of lines) {
    offsets.push(offset);
    offset += Buffer.byteLength(line) + 1;
  }
  const detection = detectFormat(lines);
  const events = JSON.parse(readFileSync(new URL(expected, LOCAL), 'utf8')) as Record<string, unknown>[];
  const cases = events.map((e) => {
    const index = offsets.indexOf(e['log.offset'] as number);
    const url = e['url.original'] as string | undefined;
    return {
      item: `line ${index + 1}`,
      line: lines[index] as string,
      format: format ?? detection.format,
      want: {
        accepted: true,
        timeMs: Date.parse(e['@timestamp'] as string),
        method: ((e['http.request.method'] as string | undefined) ?? '').toUpperCase(),
        path: splitTarget(url),
        status: (e['http.response.status_code'] as number | undefined) ?? 0,
        bytes: (e['http.response.body.bytes'] as number | undefined) ?? null,
        client: e['source.address'] as string,
        userAgent: notLogged(e['user_agent.original']) ? '' : (e['user_agent.original'] as string),
        ...('destination.domain' in e || 'destination.ip' in e ? { host: (e['destination.domain'] ?? e['destination.ip']) as string } : {}),
      },
    };
  });
  return { cases, detected: detection.format.name };
}

describe('conformance with Filebeat module tests (Apache-2.0)', () => {
  it.each([
    ['filebeat nginx test.log', 'filebeat-2019/nginx-access/test.log', 'combined', 7],
    ['filebeat apache test.log', 'filebeat-2019/apache-access/test.log', 'combined', 6],
    ['filebeat apache ssl-request.log', 'filebeat-2019/apache-access/ssl-request.log', 'ssl_request', 1],
    ['beats nginx test-with-host.log', 'elastic-beats/nginx-access/test-with-host.log', 'vhost_combined', 10],
  ])('%s: detected as the right format, every record matches', (fixture, log, format, count) => {
    ranFixtures.add(fixture);
    const { cases, detected } = filebeatCases(log, `${log}-expected.json`, null);
    expect(detected).toBe(format);
    expect(cases).toHaveLength(count);
    expect(cases.flatMap((c) => compare(fixture, c))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Vector VRL, MPL-2.0, read at test time.

const VRL = new URL('vector-vrl/', SHARED);
const vrlPresent = existsSync(fileURLToPath(new URL('vrl-test-cases.extracted.jsonl', VRL)));
if (!vrlPresent) {
  console.warn(`conformance: ${fileURLToPath(VRL)} not found; the Vector (MPL-2.0) cases are skipped`);
}

function vrlFormat(source: string, format: string | undefined): LineFormat | null {
  if (source.includes('common_log')) return common;
  switch (format) {
    case 'combined': return combined;
    case 'common': return common;
    case 'main': return nginxMain;
    case 'ingress_upstreaminfo': return nginxIngress;
    default: return null; // the error-log formats: not access logs
  }
}

function vrlWant(ok: Record<string, unknown> | undefined): Partial<Compared> {
  if (ok === undefined) return { accepted: false };
  const ts = ok.timestamp as string | { $timestamp: string } | undefined;
  const time = typeof ts === 'string' ? ts : ts?.$timestamp;
  const request = (ok.request ?? ok.message) as string | undefined;
  const parts = request?.split(' ') ?? [];
  const hasRequest = parts.length >= 2;
  const client = (ok.client ?? ok.host ?? ok.remote_addr) as string | undefined;
  const agent = (ok.agent ?? ok.http_user_agent) as string | undefined;
  return {
    accepted: true,
    ...(time === undefined ? {} : { timeMs: Date.parse(time) }),
    method: ((ok.method as string | undefined) ?? (hasRequest ? (parts[0] as string) : '')).toUpperCase(),
    path: (ok.path as string | undefined) ?? (hasRequest ? splitTarget(parts[1]) : ''),
    status: (ok.status as number | undefined) ?? 0,
    bytes: ((ok.size ?? ok.body_bytes_size) as number | undefined) ?? null,
    client: notLogged(client) ? '' : (client as string),
    userAgent: notLogged(agent) ? '' : (agent as string),
  };
}

/** Cases, and the formats of those that are not access logs. */
function vrlCases(): { cases: OracleCase[]; notApplicable: string[] } {
  const cases: OracleCase[] = [];
  const notApplicable: string[] = [];
  for (const file of ['parse_nginx_log', 'parse_apache_log', 'parse_common_log']) {
    const doc = JSON.parse(readFileSync(new URL(`docs-generated/${file}.json`, VRL), 'utf8')) as { examples: { title: string; source: string; return: Record<string, unknown> }[] };
    for (const example of doc.examples) {
      const line = /s'([^']*)'/.exec(example.source)?.[1] as string;
      const format = /"(combined|common|error|ingress_upstreaminfo|main)"/.exec(example.source.slice(example.source.indexOf(line) + line.length))?.[1];
      const ours = vrlFormat(file, format);
      if (!ours) notApplicable.push(format ?? '?');
      else cases.push({ item: `docs: ${example.title}`, line, format: ours, want: vrlWant(example.return) });
    }
  }
  const lines = readFileSync(new URL('vrl-test-cases.extracted.jsonl', VRL), 'utf8').split('\n').filter((l) => l !== '');
  for (const raw of lines) {
    const c = JSON.parse(raw) as { source_file: string; test: string; args: { value: unknown; format?: string }; want_ok?: Record<string, unknown>; want_err?: string };
    if (c.source_file.includes('alb')) continue;
    const item = c.source_file === 'parse_nginx_log.rs' ? c.test : `${c.source_file}/${c.test}`;
    const ours = vrlFormat(c.source_file, c.args.format);
    if (!ours || typeof c.args.value !== 'string') notApplicable.push(c.args.format ?? '?');
    else cases.push({ item, line: c.args.value, format: ours, want: vrlWant(c.want_ok) });
  }
  return { cases, notApplicable };
}

describe.skipIf(!vrlPresent)('conformance with Vector VRL parse_nginx_log / parse_apache_log / parse_common_log (MPL-2.0)', () => {
  it('every access-log case matches, or differs as listed', () => {
    ranFixtures.add('vector-vrl');
    const { cases, notApplicable } = vrlCases();
    expect(cases.length).toBeGreaterThanOrEqual(30);
    // Error-log formats (parse_nginx_log "error", parse_apache_log "error") are not access logs.
    expect(new Set(notApplicable)).toEqual(new Set(['error']));
    expect(cases.flatMap((c) => compare('vector-vrl', c))).toEqual([]);
    console.info(`conformance: vector-vrl: ${notApplicable.length} error-log cases not applicable`);
  });
});

afterAll(() => {
  for (const [fixture, { identical, differing, failing }] of results) {
    const total = identical + differing + failing;
    console.info(`conformance: ${fixture}: ${identical + differing}/${total} pass (${identical} identical, ${differing} with an accepted difference, ${failing} failing)`);
  }
  const stale = ACCEPTED_DIFFERENCES.filter((d, i) => ranFixtures.has(d.fixture) && !usedDifferences.has(i));
  expect(stale, 'accepted differences that no longer happen').toEqual([]);
});
