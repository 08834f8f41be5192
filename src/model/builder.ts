/**
 * Builds the traffic model from a stream of records, in one pass and bounded memory.
 *
 *   add(record) → route tree → provisional endpoint key → endpoint statistics
 *              → (time, session identity, key) → reorder buffer (`reorderWindowSec`) → in time
 *                order: sessionizer (entry, transitions, think times) → arrivals (per clock hour)
 *   finish() → cardinality decisions in the route tree, provisional keys remapped to templates,
 *              endpoint cap (the rest in `METHOD /:other` buckets), probabilities, rounding.
 *
 * Counting (documented so readers can reconcile the numbers):
 * - `totals.requests`: records that made it into the model.
 * - `totals.rejected`: `reject()` calls (lines the parsers could not read), records `add` found
 *   unusable ("bad record") and records that came later than the reorder window allows
 *   ("out of order").
 * - `totals.lines` = requests + rejected: every line the builder was told about. Lines that are
 *   neither (comments, blank lines, headers) are only in `provenance.sources[].lines`, as the
 *   source reported them.
 *
 * Only what needs time order waits for it. The route tree and the endpoint statistics take each
 * record as it arrives; what the sessionizer and the arrival counts need from it (its time, the
 * 52-bit session identity hash, the provisional key) waits in the reorder buffer as three numbers
 * in typed arrays. So memory for the window is 36 bytes per record held (at most 1,048,576 of
 * them: see reorder.ts), not the record and the line its strings point into, and the records
 * themselves die young (cheap to collect).
 *
 * Memory bounds, each documented where it is enforced: the route tree's node cap and frozen
 * positions (routes.ts), value pools (top-values.ts), per-endpoint query names (endpoints.ts),
 * histogram buckets (distribution.ts), open sessions closed after the inactivity timeout and
 * user agent codes capped (sessions.ts), the reorder window and its cap (reorder.ts).
 * For input in time order (one log, or several merged by time) this is exactly the former
 * all-in-time-order pipeline. For records that arrive out of order within the window, the one
 * deliberate approximation: route and query value pools (`TopValues`, sampled once full) and the
 * freezing of wide tree positions see them in arrival order, so tie-breaks among equally frequent
 * values may differ from a fully time-sorted pass; counts, shares, distributions, sessions and
 * arrivals do not depend on it.
 *
 * The output is deterministic (no clock, no randomness) and its key order is stable: endpoints
 * by count then key, entry/transition tables by key, so that two models diff cleanly.
 */
import { ConfigError } from '../core/errors.js';
import { hashSeed } from '../core/rng.js';
import type { LogRecord, ModelEndpoint, ModelProvenance, TrafficModel } from '../core/types.js';
import { ArrivalCounter } from './arrivals.js';
import { round, toShares } from './distribution.js';
import { EndpointStats } from './endpoints.js';
import { PairReorderBuffer } from './reorder.js';
import { RouteTree, type FinalRoute } from './routes.js';
import { EXIT_ID, Sessionizer, UserAgentCodes, identityHash } from './sessions.js';

export interface ModelOptions {
  tidemarkVersion: string;
  /** Inactivity that ends a session, seconds (1800). */
  sessionTimeoutSec?: number;
  /** Most endpoints in the model, `METHOD /:other` buckets included (200). */
  maxEndpoints?: number;
  /** Salt for the session identity hash; never written to the model. */
  salt?: string;
  /** How far out of time order records may arrive, seconds (120). */
  reorderWindowSec?: number;
  /** Distinct literal values at a path position above which it becomes `:param` (50). */
  paramThreshold?: number;
  /** Nodes of the route tree before the widest positions are folded early (20,000). */
  maxRouteNodes?: number;
}

export const EXIT = '$exit';
export const OTHER_TEMPLATE = '/:other';
const DEFAULT_SALT = 'tidemark';
/** Examples kept per rejection reason. */
const MAX_EXAMPLES = 5;
/** Concrete example paths kept in an `/:other` bucket's `:other` pool. */
const OTHER_POOL_SIZE = 50;
/** Compact session key references once this many provisional keys have merged. */
const REMAP_EVERY_UNIONS = 1_000;

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'PURGE']);

/** Method as the model names it: upper case; anything unknown is `OTHER` (junk, TLS on port 80). */
export function normalizeMethod(method: string): string {
  if (method === 'GET' || KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'OTHER';
}

export interface BuilderStats {
  /** Records waiting in the reorder buffer. */
  buffered: number;
  openSessions: number;
  routeNodes: number;
  provisionalKeys: number;
}

export class ModelBuilder {
  private readonly timeoutSec: number;
  private readonly maxEndpoints: number;
  private readonly reorderWindowSec: number;
  private readonly paramThreshold: number;
  private readonly maxRouteNodes: number;
  private readonly salted: boolean;
  private readonly seedA: number;
  private readonly seedB: number;
  private readonly reorder: PairReorderBuffer;
  private readonly routes: RouteTree;
  private readonly sessions: Sessionizer;
  private readonly arrivals = new ArrivalCounter();
  private readonly userAgents = new UserAgentCodes();
  private readonly stats: (EndpointStats | undefined)[] = [];
  private readonly rejected = new Map<string, { count: number; examples: string[] }>();
  private readonly sources: ModelProvenance['sources'] = [];
  private requests = 0;
  private rejectedCount = 0;
  private model: TrafficModel | null = null;

  constructor(private readonly options: ModelOptions) {
    const problems: string[] = [];
    const positive = (name: keyof ModelOptions, value: number, integer: boolean): void => {
      if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
        problems.push(`${name}: expected a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
      }
    };
    this.timeoutSec = options.sessionTimeoutSec ?? 1800;
    this.maxEndpoints = options.maxEndpoints ?? 200;
    this.reorderWindowSec = options.reorderWindowSec ?? 120;
    this.paramThreshold = options.paramThreshold ?? 50;
    this.maxRouteNodes = options.maxRouteNodes ?? 20_000;
    positive('sessionTimeoutSec', this.timeoutSec, false);
    positive('maxEndpoints', this.maxEndpoints, true);
    positive('paramThreshold', this.paramThreshold, true);
    positive('maxRouteNodes', this.maxRouteNodes, true);
    if (!Number.isFinite(this.reorderWindowSec) || this.reorderWindowSec < 0) {
      problems.push(`reorderWindowSec: expected a number ≥ 0, got ${String(this.reorderWindowSec)}`);
    }
    if (typeof options.tidemarkVersion !== 'string' || options.tidemarkVersion === '') problems.push('tidemarkVersion: expected a non-empty string');
    if (problems.length > 0) {
      throw new ConfigError(`invalid model options: ${problems.join('; ')}`, problems, { hint: 'check the import options' });
    }
    this.salted = options.salt !== undefined && options.salt !== '';
    const salt = this.salted ? (options.salt as string) : DEFAULT_SALT;
    this.seedA = hashSeed(`a:${salt}`);
    this.seedB = hashSeed(`b:${salt}`);
    this.reorder = new PairReorderBuffer(this.reorderWindowSec * 1000, (timeMs, identity, keyId) => this.inOrder(timeMs, identity, keyId));
    this.routes = new RouteTree(
      { paramThreshold: this.paramThreshold, maxNodes: this.maxRouteNodes },
      (id, method) => {
        this.stats[id] = new EndpointStats(method);
      },
      (into, from) => {
        (this.stats[into] as EndpointStats).merge(this.stats[from] as EndpointStats);
        this.stats[from] = undefined;
      },
    );
    this.sessions = new Sessionizer(this.timeoutSec * 1000);
  }

  /** One record, roughly in time order (see `reorderWindowSec`). */
  add(record: LogRecord): void {
    if (this.model !== null) throw new Error('ModelBuilder.add() after finish()');
    if (!Number.isFinite(record.timeMs) || typeof record.path !== 'string' || record.path.length === 0 || typeof record.method !== 'string') {
      this.reject('bad record', record.source);
      return;
    }
    if (record.timeMs < this.reorder.releasedMs) {
      this.reject('out of order', record.source);
      return;
    }
    this.process(record);
  }

  /** A line a parser could not read: counted by reason with a few "file:line" examples. */
  reject(reason: string, source: string): void {
    this.rejectedCount++;
    let r = this.rejected.get(reason);
    if (r === undefined) this.rejected.set(reason, (r = { count: 0, examples: [] }));
    r.count++;
    if (r.examples.length < MAX_EXAMPLES) r.examples.push(source);
  }

  /** What one source contributed, as the source reader counted it (for provenance). */
  noteSource(source: { name: string; format: string; lines: number; accepted: number; rejected: number }): void {
    const { name, format, lines, accepted, rejected } = source;
    this.sources.push({ name, format, lines, accepted, rejected });
  }

  /** Memory-relevant sizes, for tests and `--debug`. */
  memoryStats(): BuilderStats {
    return { buffered: this.reorder.size, openSessions: this.sessions.openCount, routeNodes: this.routes.nodeCount, provisionalKeys: this.routes.keyCount };
  }

  finish(): TrafficModel {
    if (this.model !== null) return this.model;
    this.reorder.drain();
    this.sessions.closeAll();
    const routes = this.routes.finalize();
    const { endpoints, keyOf } = this.rankEndpoints(routes);
    const find = (id: number): string => (id === EXIT_ID ? EXIT : (keyOf.get(this.routes.find(id)) as string));

    const entryCounts = new Map<string, number>();
    for (const [id, c] of this.sessions.entries()) {
      const key = find(id);
      entryCounts.set(key, (entryCounts.get(key) ?? 0) + c);
    }
    const transitionCounts = new Map<string, Map<string, number>>();
    for (const [fromId, row] of this.sessions.transitionCounts()) {
      const from = find(fromId);
      let out = transitionCounts.get(from);
      if (out === undefined) transitionCounts.set(from, (out = new Map()));
      for (const [toId, c] of row) {
        const to = find(toId);
        out.set(to, (out.get(to) ?? 0) + c);
      }
    }
    const transitions: Record<string, Record<string, number>> = {};
    for (const from of sortedKeys(transitionCounts)) {
      const row = transitionCounts.get(from) as Map<string, number>;
      transitions[from] = toShares(sortedKeys(row).map((to) => [to, row.get(to) as number]));
    }

    this.model = {
      schemaVersion: 1,
      span: this.arrivals.span(),
      totals: { requests: this.requests, rejected: this.rejectedCount, lines: this.requests + this.rejectedCount },
      endpoints,
      sessions: {
        count: this.sessions.count,
        key: 'ip+ua',
        timeoutSec: this.timeoutSec,
        length: this.sessions.length.toDistribution(2),
        durationSec: this.sessions.durationSec.toDistribution(3),
        thinkTimeMs: this.sessions.thinkTimeMs.toDistribution(1),
        entry: toShares(sortedKeys(entryCounts).map((k) => [k, entryCounts.get(k) as number])),
        transitions,
      },
      arrivals: this.arrivals.finish(),
      provenance: {
        tidemarkVersion: this.options.tidemarkVersion,
        sources: this.sources,
        rejected: Object.fromEntries(sortedKeys(this.rejected).map((reason) => [reason, this.rejected.get(reason) as { count: number; examples: string[] }])),
        options: {
          sessionKey: 'ip+ua',
          sessionTimeoutSec: this.timeoutSec,
          maxEndpoints: this.maxEndpoints,
          reorderWindowSec: this.reorderWindowSec,
          paramThreshold: this.paramThreshold,
          maxRouteNodes: this.maxRouteNodes,
          salted: this.salted,
          timeZone: 'UTC',
        },
      },
    };
    return this.model;
  }

  /** A record as it arrives (no earlier than the reorder buffer's last release). */
  private process(record: LogRecord): void {
    const method = normalizeMethod(record.method);
    const status = record.status;
    const keyId = this.routes.keyFor(method, record.path, status === 0 || (status >= 100 && status < 400));
    (this.stats[keyId] as EndpointStats).add(record);
    const identity = identityHash(this.seedA, this.seedB, record.client ?? '', this.userAgents.code(record.userAgent ?? ''));
    this.requests++;
    this.reorder.push(record.timeMs, identity, keyId);
    if (this.routes.takeUnionsIfOver(REMAP_EVERY_UNIONS)) this.sessions.remap((id) => this.routes.find(id));
  }

  /** What sessions and arrivals need of a record, in time order. */
  private inOrder(timeMs: number, identity: number, keyId: number): void {
    // The key may have merged while the record waited: its representative now.
    const started = this.sessions.observe(identity, timeMs, this.routes.find(keyId));
    this.arrivals.request(timeMs, started);
  }

  /**
   * Endpoints by count (then key); past `maxEndpoints` the rest go into one `METHOD /:other`
   * bucket per method, so that nothing is lost and the total stays within the cap.
   */
  private rankEndpoints(routes: FinalRoute[]): { endpoints: ModelEndpoint[]; keyOf: Map<number, string> } {
    const rows = routes
      .map((route) => ({ route, key: `${route.method} ${route.template}`, stats: this.stats[route.keyId] as EndpointStats }))
      .filter((row) => row.stats.count > 0)
      .sort((a, b) => b.stats.count - a.stats.count || compare(a.key, b.key));
    let keep = Math.min(rows.length, this.maxEndpoints);
    for (;;) {
      const bucketMethods = new Set(rows.slice(keep).map((r) => r.route.method));
      if (keep + bucketMethods.size <= this.maxEndpoints || keep === 0) break;
      keep--;
    }
    const total = this.requests;
    const keyOf = new Map<number, string>();
    const endpoints: ModelEndpoint[] = [];
    for (const { route, key, stats } of rows.slice(0, keep)) {
      keyOf.set(route.keyId, key);
      const params = { ...route.params, ...stats.queryParams() };
      endpoints.push({
        key,
        method: route.method,
        template: route.template,
        count: stats.count,
        share: total > 0 ? round(stats.count / total, 6) : 0,
        ...stats.summary(),
        ...(Object.keys(params).length > 0 ? { params } : {}),
      });
    }
    const buckets = new Map<string, { stats: EndpointStats; examples: string[] }>();
    for (const { route, stats } of rows.slice(keep)) {
      const key = `${route.method} ${OTHER_TEMPLATE}`;
      keyOf.set(route.keyId, key);
      let bucket = buckets.get(key);
      if (bucket === undefined) buckets.set(key, (bucket = { stats: new EndpointStats(route.method), examples: [] }));
      bucket.stats.merge(stats);
      const example = concretePath(route);
      if (example !== null && bucket.examples.length < OTHER_POOL_SIZE) bucket.examples.push(example);
    }
    for (const [key, { stats, examples }] of buckets) {
      endpoints.push({
        key,
        method: stats.method,
        template: OTHER_TEMPLATE,
        count: stats.count,
        share: total > 0 ? round(stats.count / total, 6) : 0,
        ...stats.summary(),
        params: { ':other': examples },
      });
    }
    endpoints.sort((a, b) => b.count - a.count || compare(a.key, b.key));
    return { endpoints, keyOf };
  }
}

/** One real-looking path of a route (each parameter its most frequent value), or null. */
function concretePath(route: FinalRoute): string | null {
  let ok = true;
  const path = route.template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (match) => {
    const value = route.params[match]?.[0];
    if (value === undefined) {
      ok = false;
      return match;
    }
    return encodeURIComponent(value);
  });
  return ok ? path : null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedKeys<V>(map: ReadonlyMap<string, V>): string[] {
  return [...map.keys()].sort(compare);
}

/** Builds a model from a whole stream of records (sync or async). */
export async function buildModel(records: Iterable<LogRecord> | AsyncIterable<LogRecord>, options: ModelOptions): Promise<TrafficModel> {
  const builder = new ModelBuilder(options);
  if (Symbol.asyncIterator in records) {
    for await (const record of records as AsyncIterable<LogRecord>) builder.add(record);
  } else {
    for (const record of records as Iterable<LogRecord>) builder.add(record);
  }
  return builder.finish();
}
