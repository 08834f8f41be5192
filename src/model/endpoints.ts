/**
 * Statistics of one endpoint (one provisional key during the stream; merged when keys merge):
 * request count, status classes, latency and response size distributions when the log has
 * them, how many of its requests were static assets (static.ts), and the query parameters seen.
 *
 * Query parameters, by name as logged:
 * - `?name` replay pools in `params` (`queryParams()`): the most frequent values, scrubbed;
 * - `query[name]` statistics (`queryStats()`): `share` of the endpoint's requests carrying the
 *   name; `distinct` values (a DistinctCounter, cardinality.ts: exact up to 64, then within a
 *   few percent); `top` [value, count] pairs; `otherShare`, the share of its valued
 *   occurrences that are not in `top` (values too rare, or never kept: e-mails, tokens, …).
 *   Counts in `top` are exact until a name has seen 160 distinct values, then estimated from
 *   a systematic 1-in-8 sample (top-values.ts).
 * Values of sensitive names (scrub.ts: token, key, password, session, sig, …) are never kept,
 * only counted; a name that is itself an e-mail or a secret is not kept even as a name.
 * MAX_QUERY_NAMES names are tracked per endpoint (first come); `query` lists the
 * QUERY_NAMES_LISTED most frequent of them, and `queryOther` sums up the rest and the names
 * that came after the tracking limit.
 */
import type { LogRecord, ModelEndpoint, ModelQueryParam, StatusClass } from '../core/types.js';
import { DistinctCounter } from './cardinality.js';
import { StreamingDistribution, round } from './distribution.js';
import { isKeepableValue, isSensitiveName, safeDecode } from './scrub.js';
import { isStaticAsset } from './static.js';
import { TopValues } from './top-values.js';

const STATUS_CLASSES: StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];
/** Per-endpoint distributions stay exact for this many values, then become histograms. */
const ENDPOINT_EXACT_LIMIT = 128;
/** Query parameter names tracked per endpoint; later new names only count in `queryOther`. */
const MAX_QUERY_NAMES = 32;
const MAX_NAME_LENGTH = 64;
/** Values kept per query parameter in the output. */
export const QUERY_POOL_SIZE = 20;
/** Names listed in an endpoint's `query` (the most frequent); the rest go to `queryOther`. */
export const QUERY_NAMES_LISTED = 20;
/** [value, count] pairs per name in `query[name].top`. */
export const QUERY_TOP = 10;

type Summary = Pick<ModelEndpoint, 'statusClasses' | 'latencyMs' | 'bytes' | 'static' | 'query' | 'queryOther'>;

/** One query parameter name of one endpoint. */
class QueryParam {
  /** Requests carrying the name (once per request, however often it repeats). */
  requests = 0;
  /** Occurrences with a non-empty value. */
  valued = 0;
  /** The endpoint's request number that last carried it, to count a request once. */
  lastRequest = -1;
  readonly distinct = new DistinctCounter();

  /** @param values the value pool; null for a sensitive name (values never kept) */
  constructor(readonly values: TopValues | null) {}

  merge(other: QueryParam): void {
    this.requests += other.requests;
    this.valued += other.valued;
    this.distinct.merge(other.distinct);
    if (this.values !== null && other.values !== null) this.values.merge(other.values);
  }
}

/** Parameters past the tracking limit (and names not kept): how many requests, which names. */
class UntrackedParams {
  requests = 0;
  lastRequest = -1;
  readonly names = new DistinctCounter();
}

export class EndpointStats {
  count = 0;
  readonly status = [0, 0, 0, 0, 0, 0];
  latency: StreamingDistribution | null = null;
  bytes: StreamingDistribution | null = null;
  /** Requests that were static assets (static.ts). */
  staticCount = 0;
  /** Name as logged → its statistics and values. */
  query: Map<string, QueryParam> | null = null;
  untracked: UntrackedParams | null = null;

  constructor(readonly method: string) {}

  add(record: LogRecord): void {
    this.count++;
    const s = record.status;
    const cls = s >= 100 && s < 600 ? Math.floor(s / 100) - 1 : 5;
    (this.status[cls] as number)++;
    if (record.durationMs !== null && record.durationMs >= 0) {
      (this.latency ??= new StreamingDistribution(ENDPOINT_EXACT_LIMIT)).add(record.durationMs);
    }
    if (record.bytes !== null && record.bytes >= 0) {
      (this.bytes ??= new StreamingDistribution(ENDPOINT_EXACT_LIMIT)).add(record.bytes);
    }
    if (isStaticAsset(record.path, record.contentType)) this.staticCount++;
    if (record.query.length > 0) this.addQuery(record.query);
  }

  /** `n` requests known only by their count (aggregated reports): no status, size or latency. */
  addCount(n: number): void {
    this.count += n;
  }

  merge(other: EndpointStats): void {
    this.count += other.count;
    for (let i = 0; i < 6; i++) (this.status[i] as number) += other.status[i] as number;
    if (other.latency !== null) (this.latency ??= new StreamingDistribution(ENDPOINT_EXACT_LIMIT)).merge(other.latency);
    if (other.bytes !== null) (this.bytes ??= new StreamingDistribution(ENDPOINT_EXACT_LIMIT)).merge(other.bytes);
    this.staticCount += other.staticCount;
    if (other.untracked !== null) {
      const untracked = (this.untracked ??= new UntrackedParams());
      untracked.requests += other.untracked.requests;
      untracked.names.merge(other.untracked.names);
    }
    if (other.query !== null) {
      const query = (this.query ??= new Map());
      for (const [name, param] of other.query) {
        let mine = query.get(name);
        if (mine === undefined) {
          if (query.size >= MAX_QUERY_NAMES) {
            // Counted as untracked; a request carrying several such names counts once per name.
            const untracked = (this.untracked ??= new UntrackedParams());
            untracked.requests += param.requests;
            untracked.names.add(name);
            continue;
          }
          query.set(name, (mine = new QueryParam(param.values === null ? null : new TopValues(QUERY_POOL_SIZE * 4))));
        }
        mine.merge(param);
      }
    }
  }

  statusClasses(): Partial<Record<StatusClass, number>> {
    const out: Partial<Record<StatusClass, number>> = {};
    STATUS_CLASSES.forEach((cls, i) => {
      if ((this.status[i] as number) > 0) out[cls] = this.status[i] as number;
    });
    return out;
  }

  /** The statistics part of a `ModelEndpoint` (no key, share or path parameters). */
  summary(): Summary {
    const out: Summary = { statusClasses: this.statusClasses() };
    if (this.latency !== null && this.latency.count > 0) {
      const l = this.latency;
      out.latencyMs = { p50: round(l.quantile(0.5), 1), p90: round(l.quantile(0.9), 1), p99: round(l.quantile(0.99), 1) };
    }
    if (this.bytes !== null && this.bytes.count > 0) {
      const b = this.bytes;
      out.bytes = { mean: round(b.mean(), 1), p50: round(b.quantile(0.5), 0), p99: round(b.quantile(0.99), 0) };
    }
    // Most of its requests: an endpoint folded from `/assets/:param` and a stray page is static.
    if (this.count > 0 && this.staticCount * 2 > this.count) out.static = true;
    Object.assign(out, this.queryStats());
    return out;
  }

  /**
   * `query`: the QUERY_NAMES_LISTED names carried by most requests (listed by name, for stable
   * diffs); `queryOther`: the names left out and the share of requests carrying one (an upper
   * bound: a request carrying several is counted once per name).
   */
  queryStats(): Pick<ModelEndpoint, 'query' | 'queryOther'> {
    const out: Pick<ModelEndpoint, 'query' | 'queryOther'> = {};
    if (this.count === 0 || (this.query === null && this.untracked === null)) return out;
    const ranked = [...(this.query ?? [])].sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const listed = ranked.slice(0, QUERY_NAMES_LISTED).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (listed.length > 0) {
      const query: Record<string, ModelQueryParam> = {};
      for (const [name, p] of listed) {
        const top = p.values === null ? [] : p.values.topEntries(QUERY_TOP);
        const inTop = top.reduce((sum, [, n]) => sum + n, 0);
        query[name] = {
          share: round(Math.min(1, p.requests / this.count), 6),
          distinct: Math.round(p.distinct.estimate()),
          top,
          otherShare: p.valued > 0 ? round(Math.max(0, 1 - inTop / p.valued), 4) : 0,
        };
      }
      out.query = query;
    }
    const rest = ranked.slice(QUERY_NAMES_LISTED);
    const untracked = this.untracked;
    if (rest.length > 0 || (untracked !== null && untracked.requests > 0)) {
      const requests = rest.reduce((sum, [, p]) => sum + p.requests, 0) + (untracked?.requests ?? 0);
      out.queryOther = {
        names: rest.length + Math.round(untracked?.names.estimate() ?? 0),
        share: round(Math.min(1, requests / this.count), 6),
      };
    }
    return out;
  }

  /** Query parameters as `?name` → most frequent values (sensitive names: empty), by name. */
  queryParams(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (this.query === null) return out;
    for (const name of [...this.query.keys()].sort()) {
      const values = this.query.get(name)?.values;
      out[`?${name}`] = values ? values.top(QUERY_POOL_SIZE) : [];
    }
    return out;
  }

  private addQuery(query: string): void {
    const map = (this.query ??= new Map());
    const request = this.count;
    let i = 0;
    while (i <= query.length) {
      let j = query.indexOf('&', i);
      if (j < 0) j = query.length;
      if (j > i) {
        const pair = query.slice(i, j);
        const eq = pair.indexOf('=');
        const rawName = eq < 0 ? pair : pair.slice(0, eq);
        let param = map.get(rawName);
        if (param === undefined && rawName.length > 0) {
          // A name that is itself an e-mail or a secret is not even kept as a name.
          if (map.size >= MAX_QUERY_NAMES || rawName.length > MAX_NAME_LENGTH || !isKeepableValue(safeDecode(rawName))) {
            this.addUntracked(rawName, request);
          } else {
            param = new QueryParam(isSensitiveName(rawName) ? null : new TopValues(QUERY_POOL_SIZE * 4));
            map.set(rawName, param);
          }
        }
        if (param !== undefined) {
          if (param.lastRequest !== request) {
            param.lastRequest = request;
            param.requests++;
          }
          if (eq >= 0 && eq < pair.length - 1) {
            const raw = pair.slice(eq + 1);
            param.valued++;
            param.distinct.add(raw);
            const values = param.values;
            if (values !== null) {
              const weight = values.sampleWeight();
              if (weight > 0) {
                const decoded = safeDecode(raw);
                if (decoded.length > 0 && isKeepableValue(decoded)) values.add(decoded, weight);
              }
            }
          }
        }
      }
      i = j + 1;
    }
  }

  private addUntracked(rawName: string, request: number): void {
    const untracked = (this.untracked ??= new UntrackedParams());
    if (untracked.lastRequest !== request) {
      untracked.lastRequest = request;
      untracked.requests++;
    }
    untracked.names.add(rawName);
  }
}
