/**
 * Statistics of one endpoint (one provisional key during the stream; merged when keys merge):
 * request count, status classes, latency and response size distributions when the log has
 * them, and the query parameters seen with their most frequent values (scrubbed).
 */
import type { LogRecord, ModelEndpoint, StatusClass } from '../core/types.js';
import { StreamingDistribution, round } from './distribution.js';
import { isKeepableValue, isSensitiveName, safeDecode } from './scrub.js';
import { TopValues } from './top-values.js';

const STATUS_CLASSES: StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];
/** Per-endpoint distributions stay exact for this many values, then become histograms. */
const ENDPOINT_EXACT_LIMIT = 128;
/** Query parameter names tracked per endpoint; later new names are ignored. */
const MAX_QUERY_NAMES = 32;
const MAX_NAME_LENGTH = 64;
/** Values kept per query parameter in the output. */
export const QUERY_POOL_SIZE = 20;

export class EndpointStats {
  count = 0;
  readonly status = [0, 0, 0, 0, 0, 0];
  latency: StreamingDistribution | null = null;
  bytes: StreamingDistribution | null = null;
  /** Name → values (null: a sensitive name, values never kept). */
  query: Map<string, TopValues | null> | null = null;

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
    if (other.query !== null) {
      const query = (this.query ??= new Map());
      for (const [name, values] of other.query) {
        if (!query.has(name)) {
          if (query.size >= MAX_QUERY_NAMES) continue;
          query.set(name, values === null ? null : new TopValues(QUERY_POOL_SIZE * 4));
        }
        const mine = query.get(name);
        if (mine && values) mine.merge(values);
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
  summary(): Pick<ModelEndpoint, 'statusClasses' | 'latencyMs' | 'bytes'> {
    const out: Pick<ModelEndpoint, 'statusClasses' | 'latencyMs' | 'bytes'> = { statusClasses: this.statusClasses() };
    if (this.latency !== null && this.latency.count > 0) {
      const l = this.latency;
      out.latencyMs = { p50: round(l.quantile(0.5), 1), p90: round(l.quantile(0.9), 1), p99: round(l.quantile(0.99), 1) };
    }
    if (this.bytes !== null && this.bytes.count > 0) {
      const b = this.bytes;
      out.bytes = { mean: round(b.mean(), 1), p50: round(b.quantile(0.5), 0), p99: round(b.quantile(0.99), 0) };
    }
    return out;
  }

  /** Query parameters as `?name` → most frequent values (sensitive names: empty), by name. */
  queryParams(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (this.query === null) return out;
    for (const name of [...this.query.keys()].sort()) {
      const values = this.query.get(name);
      out[`?${name}`] = values ? values.top(QUERY_POOL_SIZE) : [];
    }
    return out;
  }

  private addQuery(query: string): void {
    let map = this.query;
    if (map === null) map = this.query = new Map();
    let i = 0;
    while (i <= query.length) {
      let j = query.indexOf('&', i);
      if (j < 0) j = query.length;
      if (j > i) {
        const pair = query.slice(i, j);
        const eq = pair.indexOf('=');
        const rawName = eq < 0 ? pair : pair.slice(0, eq);
        let values = map.get(rawName);
        if (values === undefined) {
          if (map.size >= MAX_QUERY_NAMES || rawName.length === 0 || rawName.length > MAX_NAME_LENGTH) {
            i = j + 1;
            continue;
          }
          const decodedName = safeDecode(rawName);
          // A name that is itself an e-mail or a secret is not even kept as a name.
          if (!isKeepableValue(decodedName)) {
            i = j + 1;
            continue;
          }
          values = isSensitiveName(rawName) ? null : new TopValues(QUERY_POOL_SIZE * 4);
          map.set(rawName, values);
        }
        if (values !== null && eq >= 0) {
          const weight = values.sampleWeight();
          if (weight > 0) {
            const decoded = safeDecode(pair.slice(eq + 1));
            if (decoded.length > 0 && isKeepableValue(decoded)) values.add(decoded, weight);
          }
        }
      }
      i = j + 1;
    }
  }
}
