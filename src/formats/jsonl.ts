import type { LogRecord } from '../core/types.js';
import { compileMapper, mergeMap, requiredMap, type FieldSources, type KeyPlaces, type MapperOptions } from './json-mapping.js';
import { canonicalHeaderName, unsupportedSessionKey, type SessionKey } from './session-key.js';
import { compilePath, timeOf, valueAt, type JsonPath } from './json-values.js';
import { UTC, zoneResolver } from './time.js';
import type { FormatOptions, LineFormat, LineParser, ParseResult } from './types.js';

/*
 * JSON lines: one JSON object per line, as Traefik, Caddy, Envoy and Cloudflare Logpush write
 * them, and anything else through `--map` (see json-mapping.ts for the field list and the
 * timestamp rule). Each preset is a list of places per field; a user's `--map` overrides a
 * preset's field (`--format traefik --map client=request_X-Real-Ip`).
 *
 * A line that is not JSON, or not an object, is rejected. A JSON object with no request in it
 * (a preset's server logging something else in the same file) is skipped, not rejected; with a
 * user's map it is rejected, since the map should find a request in every line.
 */

interface JsonPreset {
  name: string;
  description: string;
  sources: FieldSources;
  /** Keys that identify the format: each group must have one of its paths present. */
  signature: string[][];
  /**
   * Keys of the same program's other lines (a server's own log in the access log file): such
   * lines count neither for nor against the format in detection, like comments.
   */
  ownLines?: string[][];
  finish?: MapperOptions['finish'];
  /**
   * Where this program logs a request header or cookie (`--session-key header:NAME` /
   * `cookie:NAME`), or why it does not; `field:NAME` is always the JSON path NAME.
   */
  headerKey: (name: string) => KeyPlaces | string;
  cookieKey: (name: string) => KeyPlaces | string;
}

/** `field:PATH` reads a JSON path of the line; header and cookie keys come from the preset. */
function keyPlaces(key: SessionKey, preset: Pick<JsonPreset, 'name' | 'headerKey' | 'cookieKey'>): KeyPlaces {
  const found = key.kind === 'field' ? { places: [key.name], cookie: null } : key.kind === 'header' ? preset.headerKey(key.name) : preset.cookieKey(key.name);
  if (typeof found === 'string') {
    throw unsupportedSessionKey(key, preset.name, found, 'if the line has it under another name, give its JSON path as --session-key field:PATH; else use --session-key ip+ua (the default)');
  }
  return found;
}

const notLogged = (what: string) => (): string => `logs no request ${what}s`;

const traefik: JsonPreset = {
  name: 'traefik',
  description: 'Traefik JSON access log (v1 and v2 field names; Duration in ns; StartUTC is the request start)',
  sources: {
    time: ['StartUTC', 'StartLocal'],
    endTime: ['time'],
    method: ['RequestMethod'],
    path: ['RequestPath'],
    status: ['DownstreamStatus', 'OriginStatus'],
    bytes: ['DownstreamContentSize', 'OriginContentSize'],
    durationNs: ['Duration'],
    // ClientHost is the client after trusted X-Forwarded-For; ClientAddr is the connection (ip:port).
    client: ['ClientHost', 'ClientAddr'],
    userAgent: ['request_User-Agent'],
    referrer: ['request_Referer'],
    host: ['RequestHost', 'RequestAddr'],
  },
  signature: [['RequestMethod'], ['RequestPath'], ['DownstreamStatus', 'OriginStatus', 'StartUTC']],
  // Headers kept with accessLog.fields.headers are logged as request_<Canonical-Name>.
  headerKey: (name) => ({ places: [`request_${canonicalHeaderName(name)}`], cookie: null }),
  cookieKey: (name) => ({ places: ['request_Cookie'], cookie: name }),
};

const caddy: JsonPreset = {
  name: 'caddy',
  description: 'Caddy v2 JSON access log (ts is the end, epoch s; duration in s; request.* fields)',
  sources: {
    endTime: ['ts'],
    method: ['request.method'],
    path: ['request.uri'],
    status: ['status'],
    bytes: ['size'],
    durationSec: ['duration'],
    // client_ip (Caddy 2.7+) honours trusted proxies; remote_addr is the older "ip:port".
    client: ['request.client_ip', 'request.remote_ip', 'request.remote_addr'],
    userAgent: ['request.headers.User-Agent'],
    referrer: ['request.headers.Referer'],
    host: ['request.host'],
  },
  signature: [['request.method'], ['request.uri'], ['status', 'ts']],
  ownLines: [['logger'], ['ts'], ['msg']],
  // Caddy logs request headers under request.headers (arrays), in canonical case; the Cookie
  // header only with log_credentials (else it is REDACTED, and every record falls back to ip+ua).
  headerKey: (name) => ({ places: [`request.headers.${canonicalHeaderName(name)}`], cookie: null }),
  cookieKey: (name) => ({ places: ['request.headers.Cookie'], cookie: name }),
};

const envoy: JsonPreset = {
  name: 'envoy',
  description: 'Envoy (and Istio) JSON access log (start_time, duration in ms, the default format\'s keys)',
  sources: {
    time: ['start_time'],
    method: ['method', ':method'],
    // The default format logs %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%: the path the client sent.
    path: ['x-envoy-original-path', 'x_envoy_original_path', 'path', ':path'],
    status: ['response_code'],
    bytes: ['bytes_sent'],
    durationMs: ['duration'],
    forwardedFor: ['x_forwarded_for', 'x-forwarded-for'],
    client: ['downstream_remote_address', 'downstream_direct_remote_address'],
    userAgent: ['user_agent', 'user-agent'],
    referrer: ['referer', 'referrer'],
    host: ['authority', ':authority', 'host'],
  },
  signature: [['start_time'], ['response_code'], ['method', ':method', 'path', 'x-envoy-original-path']],
  headerKey: notLogged('header'),
  cookieKey: notLogged('cookie'),
};

const cloudflare: JsonPreset = {
  name: 'cloudflare',
  description: 'Cloudflare Logpush HTTP requests (EdgeStartTimestamp in ns, s or RFC 3339)',
  sources: {
    time: ['EdgeStartTimestamp'],
    method: ['ClientRequestMethod'],
    path: ['ClientRequestURI', 'ClientRequestPath'],
    status: ['EdgeResponseStatus'],
    bytes: ['EdgeResponseBodyBytes', 'EdgeResponseBytes'],
    client: ['ClientIP'],
    userAgent: ['ClientRequestUserAgent'],
    referrer: ['ClientRequestReferer'],
    host: ['ClientRequestHost'],
  },
  signature: [['ClientRequestMethod'], ['ClientRequestURI', 'ClientRequestPath'], ['EdgeStartTimestamp']],
  // Custom fields: RequestHeaders (lower-case names) and Cookies, when the zone logs them.
  headerKey: (name) => ({ places: [`RequestHeaders.${name.toLowerCase()}`], cookie: null }),
  cookieKey: (name) => ({ places: [`Cookies.${name}`], cookie: null }),
  finish: (row, record) => {
    // Duration from the two edge timestamps, only when they are finer than a second
    // (RFC 3339 timestamps without a fraction would give 0 or 1000).
    if (record.durationMs !== null) return;
    const start = row.EdgeStartTimestamp;
    const end = row.EdgeEndTimestamp;
    if (!subSecond(start) || !subSecond(end)) return;
    const ms = timeOf(end, UTC) - timeOf(start, UTC);
    if (Number.isFinite(ms) && ms >= 0) record.durationMs = ms;
  },
};

function subSecond(v: unknown): boolean {
  if (typeof v === 'number') return Math.abs(v) >= 1e11;
  if (typeof v === 'string') return v.includes('.') || (/^\d+$/.test(v) && v.length >= 12);
  return false;
}

// ---------------------------------------------------------------------------------------------

/** Why a line is not a JSON object (a class, so that a logged `{"reject": ...}` is never taken for one). */
export class JsonLineReject {
  constructor(readonly reject: string) {}
}

type ParsedLine = Record<string, unknown> | JsonLineReject | null;

const NOT_JSON = new JsonLineReject('not JSON');
const NOT_OBJECT = new JsonLineReject('not a JSON object');
const INVALID = new JsonLineReject('invalid JSON');

/** One line → a JSON object, why it is not one, or null for a blank line. */
export function parseJsonLine(line: string): ParsedLine {
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0xfeff) break;
    i++;
  }
  if (i === n) return null;
  const c = line.charCodeAt(i);
  if (c !== 0x7b) return c === 0x5b ? NOT_OBJECT : NOT_JSON;
  let value: unknown;
  try {
    value = JSON.parse(i === 0 ? line : line.slice(i));
  } catch {
    return INVALID;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_OBJECT;
  return value as Record<string, unknown>;
}

// Detection runs every preset over the same sample: parse it once.
const parsedSamples = new WeakMap<string[], ParsedLine[]>();

function parsedSample(lines: string[]): ParsedLine[] {
  let parsed = parsedSamples.get(lines);
  if (parsed === undefined) {
    parsed = lines.map(parseJsonLine);
    parsedSamples.set(lines, parsed);
  }
  return parsed;
}

function hasAll(row: Record<string, unknown>, groups: JsonPath[][]): boolean {
  return groups.every((group) => group.some((path) => valueAt(row, path) !== undefined));
}

/** The share of sample lines with the format's keys, its own non-request lines left out. */
function signatureScore(signature: JsonPath[][], ownLines: JsonPath[][] | null, lines: string[]): number {
  let considered = 0;
  let matched = 0;
  for (const row of parsedSample(lines)) {
    if (row === null) continue;
    if (row instanceof JsonLineReject) {
      considered++;
      continue;
    }
    if (hasAll(row, signature)) {
      considered++;
      matched++;
    } else if (ownLines === null || !hasAll(row, ownLines)) considered++;
  }
  return considered === 0 ? 0 : matched / considered;
}

class JsonLineParser implements LineParser {
  constructor(private readonly map: (row: Record<string, unknown>, source: string) => LogRecord | { reject: string } | null) {}

  parse(line: string, source: string): ParseResult {
    const row = parseJsonLine(line);
    if (row === null) return null;
    if (row instanceof JsonLineReject) return { reject: row.reject };
    return this.map(row, source);
  }
}

function presetFormat(preset: JsonPreset): LineFormat {
  const signature = preset.signature.map((group) => group.map(compilePath));
  const ownLines = preset.ownLines ? preset.ownLines.map((group) => group.map(compilePath)) : null;
  return {
    name: preset.name,
    description: preset.description,
    detect: (lines) => signatureScore(signature, ownLines, lines),
    create: (options: FormatOptions) => {
      const sources = mergeMap(preset.sources, options.map, preset.name);
      const mapperOptions: MapperOptions = { zone: zoneResolver(options.timeZone), noRequest: null };
      if (preset.finish) mapperOptions.finish = preset.finish;
      if (options.sessionKey) mapperOptions.sessionKey = keyPlaces(options.sessionKey, preset);
      return new JsonLineParser(compileMapper(sources, mapperOptions));
    },
    sessionKeys: ['cookie', 'header', 'field'],
  };
}

export const traefikFormat = presetFormat(traefik);
export const caddyFormat = presetFormat(caddy);
export const envoyFormat = presetFormat(envoy);
export const cloudflareFormat = presetFormat(cloudflare);

/** `--format jsonl --map time=ts --map path=req.url ...`: any JSON lines, by the user's map. */
export const genericJsonFormat: LineFormat = {
  name: 'jsonl',
  description: 'JSON lines mapped by --map field=json.path (time, method, path or url, status, ...)',
  // Never chosen by detection: without a map there is nothing to read.
  detect: () => 0,
  create: (options: FormatOptions) => {
    const sources = requiredMap(options.map, 'jsonl', '--map time=ts --map method=req.method --map path=req.url --map status=res.status');
    const mapperOptions: MapperOptions = { zone: zoneResolver(options.timeZone), noRequest: 'no request fields (check --map)' };
    if (options.sessionKey) mapperOptions.sessionKey = keyPlaces(options.sessionKey, { name: 'jsonl', headerKey: unknownPlace('header'), cookieKey: unknownPlace('cookie') });
    return new JsonLineParser(compileMapper(sources, mapperOptions));
  },
  sessionKeys: ['cookie', 'header', 'field'],
};

function unknownPlace(what: string): () => string {
  return () => `does not know where a ${what} is in your lines`;
}

export const jsonlFormats: LineFormat[] = [traefikFormat, caddyFormat, envoyFormat, cloudflareFormat, genericJsonFormat];
