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
 * - `totals.lines` = requests + rejected + excluded: every line the builder was told about.
 *   Excluded are records left out on purpose (`excludeStatic`: `provenance.excluded.static`).
 *   Lines that are none of these (comments, blank lines, headers) are only in
 *   `provenance.sources[].lines`, as the source reported them.
 *
 * User-given routes (`userRoutes`, user-routes.ts) are matched before the route tree: a path
 * that matches one is keyed to it directly, the others go through the tree.
 * - `sessions.keyMissing` (with a `sessionKey` other than ip+ua): requests whose record had no
 *   key value; they were sessionized by client IP + user agent instead.
 *
 * Sessions are kept per traffic class (bots.ts): each request goes to the class of its user
 * agent, `sessions.*` is all traffic, and `sessions.classes` says how much is which. A class's
 * own statistics are written only when both classes have sessions (otherwise they are the
 * top-level ones), see `classBlock`.
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
import type { AggregateSummary, LogRecord, ModelEndpoint, ModelProvenance, ModelSessionClass, TrafficModel } from '../core/types.js';
import { aggregateArrivals, aggregatePagesPerSession, aggregateSessionCount, combineAggregates, exponentialDistribution, geometricDistribution, pagePath, type AggregateSource } from './aggregate.js';
import { ArrivalCounter } from './arrivals.js';
import { round, StreamingDistribution, toShares } from './distribution.js';
import { isBot } from './bots.js';
import { EndpointStats } from './endpoints.js';
import { PairReorderBuffer } from './reorder.js';
import { RouteTree, type FinalRoute } from './routes.js';
import { UTC_FRAME, zoneFrame, type ZoneFrame } from './time-zone.js';
import { EXIT_ID, Sessionizer, UserAgentCodes, identityHash } from './sessions.js';
import { isStaticAsset } from './static.js';
import { UserRouteMatcher, type UserRoute } from './user-routes.js';
import { KeyedThinkTimes } from './think-times.js';

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
  /** User-given routes, in order of precedence: matched before the learned route tree. */
  userRoutes?: readonly UserRoute[];
  /** Leave static assets (static.ts) out of the model: endpoints, sessions, arrivals. */
  excludeStatic?: boolean;
  /**
   * The day's frame (`--tz`): hours of the day, minutes of the day, weekdays and the peak's local
   * start are those of this zone (UTC). Not the zone log timestamps are read in (`logTimeZone`).
   */
  timeZone?: string;
  /** Only recorded in provenance: the zone timestamps without an offset were read in (`--log-tz`). */
  logTimeZone?: string;
  /**
   * What identifies a visitor: 'ip+ua' (the default) or the `--session-key` text
   * (`cookie:sid`, ...), whose value the records carry in `sessionKey`.
   */
  sessionKey?: string;
}

export const EXIT = '$exit';
export const OTHER_TEMPLATE = '/:other';
const DEFAULT_SALT = 'tidemark';
const IP_UA = 'ip+ua';
/** Traffic classes, index of `sessions`; a class rides in the low bit of a key id in the reorder buffer. */
const HUMAN = 0;
const BOT = 1;
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
  private readonly userRoutes: UserRouteMatcher | null;
  private readonly excludeStatic: boolean;
  private excludedStatic = 0;
  /** One per traffic class: [human, bot]. */
  private readonly sessions: [Sessionizer, Sessionizer];
  private readonly sessionKey: string;
  /** Seeds of the hash of a session key value (apart from ip+ua identities). */
  private readonly keySeedA: number;
  private readonly keySeedB: number;
  private keyMissing = 0;
  /** Traffic class (HUMAN, BOT) by user agent code, decided at its first request. */
  private readonly uaClass: number[] = [];
  private readonly frame: ZoneFrame;
  private readonly arrivals: ArrivalCounter;
  private readonly userAgents = new UserAgentCodes();
  private readonly stats: (EndpointStats | undefined)[] = [];
  private readonly rejected = new Map<string, { count: number; examples: string[] }>();
  private readonly sources: ModelProvenance['sources'] = [];
  private readonly aggregates: AggregateSource[] = [];
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
    let frame: ZoneFrame = UTC_FRAME;
    try {
      frame = zoneFrame(options.timeZone);
    } catch (err) {
      problems.push(...(err instanceof ConfigError ? err.problems : [String(err)]));
    }
    this.frame = frame;
    this.arrivals = new ArrivalCounter(frame);
    if (problems.length > 0) {
      throw new ConfigError(`invalid model options: ${problems.join('; ')}`, problems, { hint: 'check the import options' });
    }
    this.salted = options.salt !== undefined && options.salt !== '';
    const salt = this.salted ? (options.salt as string) : DEFAULT_SALT;
    this.seedA = hashSeed(`a:${salt}`);
    this.seedB = hashSeed(`b:${salt}`);
    this.keySeedA = hashSeed(`key-a:${salt}`);
    this.keySeedB = hashSeed(`key-b:${salt}`);
    this.sessionKey = options.sessionKey ?? IP_UA;
    this.reorder = new PairReorderBuffer(this.reorderWindowSec * 1000, (timeMs, identity, keyAndClass) => this.inOrder(timeMs, identity, keyAndClass));
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
    this.userRoutes = options.userRoutes !== undefined && options.userRoutes.length > 0 ? new UserRouteMatcher(options.userRoutes, (method) => this.routes.externalKey(method)) : null;
    this.excludeStatic = options.excludeStatic === true;
    this.sessions = [new Sessionizer(this.timeoutSec * 1000), new Sessionizer(this.timeoutSec * 1000)];
    for (const s of this.sessions) s.onClose = (firstMs, lastMs) => this.arrivals.session(firstMs, lastMs);
  }

  /** One record, roughly in time order (see `reorderWindowSec`). */
  add(record: LogRecord): void {
    if (this.model !== null) throw new Error('ModelBuilder.add() after finish()');
    if (!Number.isFinite(record.timeMs) || typeof record.path !== 'string' || record.path.length === 0 || typeof record.method !== 'string') {
      this.reject('bad record', record.source);
      return;
    }
    if (this.excludeStatic && isStaticAsset(record.path, record.contentType)) {
      this.excludedStatic++;
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

  /**
   * What an aggregated analytics report carries (page mix, pages per session, session duration,
   * sessions per hour or date). Used when the import has no request records (see aggregate.ts);
   * with records, the records' own statistics win and the report is only listed in provenance.
   */
  addAggregate(source: string, summary: AggregateSummary): void {
    if (this.model !== null) throw new Error('ModelBuilder.addAggregate() after finish()');
    this.aggregates.push({ source, summary });
  }

  /** What one source contributed, as the source reader counted it (for provenance). */
  noteSource(source: { name: string; format: string; lines: number; accepted: number; rejected: number }): void {
    const { name, format, lines, accepted, rejected } = source;
    this.sources.push({ name, format, lines, accepted, rejected });
  }

  /** Memory-relevant sizes, for tests and `--debug`. */
  memoryStats(): BuilderStats {
    return { buffered: this.reorder.size, openSessions: this.sessions[HUMAN].openCount + this.sessions[BOT].openCount, routeNodes: this.routes.nodeCount, provisionalKeys: this.routes.keyCount };
  }

  finish(): TrafficModel {
    if (this.model !== null) return this.model;
    this.reorder.drain();
    for (const s of this.sessions) s.closeAll();
    const aggregate = this.requests === 0 && this.aggregates.length > 0 ? combineAggregates(this.aggregates) : null;
    if (aggregate !== null) {
      // Pages through the user routes and the route tree like logged paths (the same templates), counted by pageviews.
      for (const [page, pageviews] of aggregate.pageMix) {
        const at = pagePath(page);
        if (at === null || !(pageviews > 0)) continue;
        const keyId = this.userRoutes?.keyFor('GET', at.path) ?? this.routes.keyFor('GET', at.path, true);
        (this.stats[keyId] as EndpointStats).addCount(pageviews);
        this.requests += pageviews;
      }
    }
    const routes = this.routes.finalize();
    if (this.userRoutes !== null) routes.push(...this.userRoutes.finalize());
    const { endpoints, keyOf } = this.rankEndpoints(routes);
    const find = (id: number): string => (id === EXIT_ID ? EXIT : (keyOf.get(this.routes.find(id)) as string));

    const human = this.sessions[HUMAN];
    const bot = this.sessions[BOT];
    const tables = this.sessions.map((s) => classTables(s, find));
    const all = mergeTables(tables);
    const merged = (pick: (s: Sessionizer) => StreamingDistribution): StreamingDistribution => {
      if (bot.count === 0) return pick(human);
      if (human.count === 0) return pick(bot);
      const d = new StreamingDistribution();
      d.merge(pick(human));
      d.merge(pick(bot));
      return d;
    };
    const classBlock = (i: number): ModelSessionClass => {
      const s = this.sessions[i] as Sessionizer;
      const block = { count: s.count, requests: s.length.sum };
      // A class holding every session (or none) has the top-level statistics: no copy.
      if (human.count === 0 || bot.count === 0) return block;
      const t = tables[i] as ClassTables;
      const thinkTimeMs = s.thinkTimeMs.toDistribution(1);
      return {
        ...block,
        length: s.length.toDistribution(2),
        durationSec: s.durationSec.toDistribution(3),
        thinkTimeMs,
        entry: entryShares(t.entry),
        transitions: transitionShares(t.transitions),
        thinkTimeByTransition: t.think.toModel(thinkTimeMs),
      };
    };
    const thinkTimeMs = merged((s) => s.thinkTimeMs).toDistribution(1);

    this.model = {
      schemaVersion: 1,
      span: this.arrivals.span(),
      totals: { requests: this.requests, rejected: this.rejectedCount, lines: this.requests + this.rejectedCount + this.excludedStatic },
      endpoints,
      sessions: {
        count: human.count + bot.count,
        key: this.sessionKey,
        timeoutSec: this.timeoutSec,
        length: merged((s) => s.length).toDistribution(2),
        durationSec: merged((s) => s.durationSec).toDistribution(3),
        thinkTimeMs,
        entry: entryShares(all.entry),
        transitions: transitionShares(all.transitions),
        thinkTimeByTransition: all.think.toModel(thinkTimeMs),
        ...(this.sessionKey !== IP_UA ? { keyMissing: this.keyMissing } : {}),
        classes: { human: classBlock(HUMAN), bot: classBlock(BOT) },
      },
      arrivals: this.arrivals.finish(),
      provenance: {
        tidemarkVersion: this.options.tidemarkVersion,
        sources: this.sources,
        rejected: Object.fromEntries(sortedKeys(this.rejected).map((reason) => [reason, this.rejected.get(reason) as { count: number; examples: string[] }])),
        options: {
          sessionKey: this.sessionKey,
          sessionTimeoutSec: this.timeoutSec,
          maxEndpoints: this.maxEndpoints,
          reorderWindowSec: this.reorderWindowSec,
          paramThreshold: this.paramThreshold,
          maxRouteNodes: this.maxRouteNodes,
          salted: this.salted,
          timeZone: this.frame.name,
          excludeStatic: this.excludeStatic,
          ...(this.options.logTimeZone !== undefined ? { logTimeZone: this.options.logTimeZone } : {}),
        },
        ...(this.aggregates.length > 0 ? { parts: aggregate?.parts ?? { superseded: this.aggregates.map((a) => a.source) } } : {}),
        ...(this.userRoutes !== null ? { userRoutes: this.userRoutes.provenance() } : {}),
        ...(this.excludeStatic ? { excluded: { static: this.excludedStatic } } : {}),
      },
    };
    if (aggregate !== null) {
      const model = this.model;
      const sessions = aggregateSessionCount(aggregate, this.requests);
      const pages = aggregatePagesPerSession(aggregate, this.requests, sessions);
      const { arrivals, span } = aggregateArrivals(aggregate, sessions, pages);
      const durationSec = aggregate.avgSessionDurationSec ?? 0;
      model.span = span;
      model.arrivals = arrivals;
      model.sessions.count = sessions;
      model.sessions.length = geometricDistribution(pages, sessions);
      model.sessions.durationSec = exponentialDistribution(durationSec, sessions, 3);
      model.sessions.thinkTimeMs = exponentialDistribution(pages > 1 ? (durationSec * 1000) / (pages - 1) : 0, Math.max(0, this.requests - sessions), 1);
    }
    return this.model;
  }

  /** A record as it arrives (no earlier than the reorder buffer's last release). */
  private process(record: LogRecord): void {
    const method = normalizeMethod(record.method);
    const status = record.status;
    const keyId = this.userRoutes?.keyFor(method, record.path) ?? this.routes.keyFor(method, record.path, status === 0 || (status >= 100 && status < 400));
    (this.stats[keyId] as EndpointStats).add(record);
    const userAgent = record.userAgent ?? '';
    const uaCode = this.userAgents.code(userAgent);
    let identity: number;
    if (this.sessionKey === IP_UA) identity = identityHash(this.seedA, this.seedB, record.client ?? '', uaCode);
    else {
      const key = record.sessionKey;
      if (key !== undefined && key !== '') identity = identityHash(this.keySeedA, this.keySeedB, key, 0);
      else {
        this.keyMissing++;
        identity = identityHash(this.seedA, this.seedB, record.client ?? '', uaCode);
      }
    }
    this.requests++;
    // Only (time, identity, key and class) wait for time order; the class rides in the key's low bit.
    this.reorder.push(record.timeMs, identity, keyId * 2 + this.classOf(uaCode, userAgent));
    if (this.routes.takeUnionsIfOver(REMAP_EVERY_UNIONS)) {
      for (const s of this.sessions) s.remap((id) => this.routes.find(id));
    }
  }

  /** HUMAN or BOT by user agent, decided once per distinct user agent (see bots.ts). */
  private classOf(uaCode: number, userAgent: string): number {
    if (uaCode < 0) return isBot(userAgent) ? BOT : HUMAN; // past UserAgentCodes' capacity
    let c = this.uaClass[uaCode];
    if (c === undefined) this.uaClass[uaCode] = c = isBot(userAgent) ? BOT : HUMAN;
    return c;
  }

  /** What sessions and arrivals need of a record, in time order. */
  /** A request in time order: `keyAndClass` is its key id × 2 + its traffic class (HUMAN 0, BOT 1). */
  private inOrder(timeMs: number, identity: number, keyAndClass: number): void {
    // The key may have merged while the record waited: its representative now.
    const started = (this.sessions[keyAndClass & 1] as Sessionizer).observe(identity, timeMs, this.routes.find(keyAndClass >>> 1));
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

interface ClassTables {
  entry: Map<string, number>;
  transitions: Map<string, Map<string, number>>;
  think: KeyedThinkTimes;
}

/** A sessionizer's entry, transition and think-time tables with key ids resolved to endpoint keys. */
function classTables(s: Sessionizer, find: (id: number) => string): ClassTables {
  const entry = new Map<string, number>();
  for (const [id, c] of s.entries()) {
    const key = find(id);
    entry.set(key, (entry.get(key) ?? 0) + c);
  }
  const transitions = new Map<string, Map<string, number>>();
  for (const [fromId, row] of s.transitionCounts()) addRow(transitions, find(fromId), [...row].map(([toId, c]) => [find(toId), c]));
  const think = new KeyedThinkTimes();
  for (const [fromId, row] of s.thinkByTransition.entries()) {
    const from = find(fromId);
    for (const [toId, slot] of row) think.add(from, find(toId), slot);
  }
  return { entry, transitions, think };
}

function addRow(table: Map<string, Map<string, number>>, from: string, row: Iterable<[string, number]>): void {
  let out = table.get(from);
  if (out === undefined) table.set(from, (out = new Map()));
  for (const [to, c] of row) out.set(to, (out.get(to) ?? 0) + c);
}

/** The tables of all traffic: the classes' counts added up. */
function mergeTables(parts: ClassTables[]): ClassTables {
  if (parts.length === 1 || parts.slice(1).every((p) => p.entry.size === 0 && p.transitions.size === 0)) return parts[0] as ClassTables;
  const entry = new Map<string, number>();
  const transitions = new Map<string, Map<string, number>>();
  const think = new KeyedThinkTimes();
  for (const part of parts) {
    for (const [key, c] of part.entry) entry.set(key, (entry.get(key) ?? 0) + c);
    for (const [from, row] of part.transitions) addRow(transitions, from, row);
    think.addAll(part.think);
  }
  return { entry, transitions, think };
}

function entryShares(counts: Map<string, number>): Record<string, number> {
  return toShares(sortedKeys(counts).map((k) => [k, counts.get(k) as number]));
}

function transitionShares(counts: Map<string, Map<string, number>>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const from of sortedKeys(counts)) {
    const row = counts.get(from) as Map<string, number>;
    out[from] = toShares(sortedKeys(row).map((to) => [to, row.get(to) as number]));
  }
  return out;
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
