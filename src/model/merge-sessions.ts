/**
 * The session tables of merged models: entry and transition tables, think times per transition,
 * and the same per traffic class (bots.ts). What is exact and what is approximate is listed at
 * the top of merge.ts; this file recovers the counts behind the tables and adds them up.
 *
 * A table holds probabilities; its counts come back as `sessions × entry share` and
 * `requests of the endpoint × transition probability` (each request leaves its endpoint exactly
 * once: to the session's next request or to the exit). For all traffic the requests of an
 * endpoint are its `count`. A class's share of them is not written, so it is solved from the
 * class's own tables: every request of a class is a session's first (an entry) or follows
 * another request (a transition), so its visits v satisfy v_j = E_j + Σ_i v_i·P_ij, a linear
 * system over the endpoints of its tables; the two classes' solutions then split each endpoint's
 * count in proportion (an endpoint only one class visited is all that class's).
 */
import type { Distribution, ModelSessionClass, ModelSessions, TrafficModel } from '../core/types.js';
import type { TrafficClass } from './bots.js';
import { toShares } from './distribution.js';
import { mixDistributions } from './mixture.js';
import { MAX_WRITTEN, QUANTILE_POINTS as TRANSITION_QUANTILES } from './think-times.js';

const EXIT = '$exit';

/** The statistics a session table carries: all traffic, or one class. */
type SessionStats = Pick<ModelSessionClass, 'length' | 'durationSec' | 'thinkTimeMs' | 'entry' | 'transitions' | 'thinkTimeByTransition'>;

/** An input's statistics of one class (or all traffic), with what it takes to recover counts. */
interface StatsOf {
  stats: SessionStats;
  sessions: number;
  /** Requests of each endpoint (input keys) in these sessions. */
  rows: ReadonlyMap<string, number>;
}

/** Entry and transition counts and per-transition think times, summed over inputs, in merged keys. */
export class SessionTables {
  private readonly entry = new Map<string, number>();
  private readonly transitions = new Map<string, Map<string, number>>();
  private readonly think = new Map<string, Map<string, Distribution[]>>();
  private hasThink = false;

  constructor(private readonly remap: (key: string) => string) {}

  add({ stats, sessions, rows }: StatsOf): void {
    for (const [key, share] of Object.entries(stats.entry ?? {})) add(this.entry, this.remap(key), Math.round(sessions * share));
    for (const [from, row] of Object.entries(stats.transitions ?? {})) {
      const rowTotal = rows.get(from) ?? 0;
      const into = this.remap(from);
      let out = this.transitions.get(into);
      if (out === undefined) this.transitions.set(into, (out = new Map()));
      for (const [to, p] of Object.entries(row)) add(out, to === EXIT ? EXIT : this.remap(to), Math.round(rowTotal * p));
    }
    if (stats.thinkTimeByTransition === undefined) return;
    this.hasThink = true;
    for (const [from, row] of Object.entries(stats.thinkTimeByTransition)) {
      const into = this.remap(from);
      let out = this.think.get(into);
      if (out === undefined) this.think.set(into, (out = new Map()));
      for (const [to, d] of Object.entries(row)) {
        const key = this.remap(to);
        let parts = out.get(key);
        if (parts === undefined) out.set(key, (parts = []));
        parts.push(d);
      }
    }
  }

  entryShares(): Record<string, number> {
    return toShares(sortedKeys(this.entry).map((k) => [k, this.entry.get(k) as number]));
  }

  transitionShares(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const from of sortedKeys(this.transitions)) {
      const row = this.transitions.get(from) as Map<string, number>;
      const shares = toShares(sortedKeys(row).map((to) => [to, row.get(to) as number]));
      if (Object.keys(shares).length > 0) out[from] = shares;
    }
    return out;
  }

  /**
   * Think times of the transitions some input wrote, each mixed by count over the inputs that
   * wrote it; the most frequent MAX_WRITTEN, as the builder keeps. Undefined when no input had
   * the table (older models).
   */
  thinkTimes(): Record<string, Record<string, Distribution>> | undefined {
    if (!this.hasThink) return undefined;
    const kept: { from: string; to: string; d: Distribution }[] = [];
    for (const [from, row] of this.think) {
      for (const [to, parts] of row) {
        const d = mixDistributions(parts, 0, TRANSITION_QUANTILES);
        if (d.count > 0) kept.push({ from, to, d });
      }
    }
    kept.sort((a, b) => b.d.count - a.d.count || compare(a.from, b.from) || compare(a.to, b.to));
    const chosen = kept.slice(0, MAX_WRITTEN).sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
    const out: Record<string, Record<string, Distribution>> = {};
    for (const { from, to, d } of chosen) (out[from] ??= {})[to] = d;
    return out;
  }
}

/** The top-level tables of one input: its endpoints' counts are the row totals. */
export function allTraffic(m: TrafficModel): StatsOf {
  return { stats: m.sessions, sessions: m.sessions.count, rows: endpointCounts(m) };
}

/**
 * `sessions.classes` of the merged models: counts and requests summed; each class's statistics
 * (only when both merged classes have sessions, as the builder writes them) merged like the
 * top-level ones. Undefined when an input has no classes (a model from before them: its split
 * is not known).
 */
export function mergeClasses(models: readonly TrafficModel[], remap: (key: string) => string): ModelSessions['classes'] {
  if (models.length === 0 || models.some((m) => m.sessions.classes === undefined)) return undefined;
  const perModel = models.map(classStats);
  const block = (c: TrafficClass): ModelSessionClass => ({
    count: sum(models.map((m) => m.sessions.classes?.[c].count ?? 0)),
    requests: sum(models.map((m) => m.sessions.classes?.[c].requests ?? 0)),
  });
  const human = block('human');
  const bot = block('bot');
  if (human.count === 0 || bot.count === 0) return { human, bot };
  const withStats = (c: TrafficClass, base: ModelSessionClass): ModelSessionClass => {
    const inputs = perModel.map((p) => p[c]).filter((s): s is StatsOf => s !== null);
    const tables = new SessionTables(remap);
    for (const s of inputs) tables.add(s);
    const mix = (pick: (s: SessionStats) => Distribution | undefined, decimals: number): Distribution =>
      mixDistributions(
        inputs.map((s) => pick(s.stats)).filter((d): d is Distribution => d !== undefined),
        decimals,
      );
    const thinkTimeByTransition = tables.thinkTimes();
    return {
      ...base,
      length: mix((s) => s.length, 2),
      durationSec: mix((s) => s.durationSec, 3),
      thinkTimeMs: mix((s) => s.thinkTimeMs, 1),
      entry: tables.entryShares(),
      transitions: tables.transitionShares(),
      ...(thinkTimeByTransition !== undefined ? { thinkTimeByTransition } : {}),
    };
  };
  return { human: withStats('human', human), bot: withStats('bot', bot) };
}

/**
 * One input's statistics of each class: a class's own block when both classes had sessions,
 * the top-level statistics when it had them all, none when it had none.
 */
function classStats(m: TrafficModel): Record<TrafficClass, StatsOf | null> {
  const classes = m.sessions.classes as NonNullable<ModelSessions['classes']>;
  const { human, bot } = classes;
  if (human.count === 0 && bot.count === 0) return { human: null, bot: null };
  if (bot.count === 0) return { human: allTraffic(m), bot: null };
  if (human.count === 0) return { human: null, bot: allTraffic(m) };
  const counts = endpointCounts(m);
  const vh = visits(human.count, human);
  const vb = visits(bot.count, bot);
  const rowsH = new Map<string, number>();
  const rowsB = new Map<string, number>();
  for (const key of new Set([...vh.keys(), ...vb.keys()])) {
    const h = Math.max(0, vh.get(key) ?? 0);
    const b = Math.max(0, vb.get(key) ?? 0);
    const n = counts.get(key) ?? Math.round(h + b);
    const ofH = h + b > 0 ? Math.round((n * h) / (h + b)) : 0;
    rowsH.set(key, ofH);
    rowsB.set(key, n - ofH);
  }
  return { human: { stats: human, sessions: human.count, rows: rowsH }, bot: { stats: bot, sessions: bot.count, rows: rowsB } };
}

/**
 * Requests of each endpoint in a class's sessions, solving v_j − Σ_i P_ij·v_i = E_j (see the
 * comment at the top) by Gaussian elimination with partial pivoting over the k endpoints of the
 * class's tables: O(k³), k at most the model's endpoints (200 by default).
 */
export function visits(sessions: number, stats: SessionStats): Map<string, number> {
  const keys: string[] = [];
  const index = new Map<string, number>();
  const at = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      index.set(key, (i = keys.length));
      keys.push(key);
    }
    return i;
  };
  for (const key of Object.keys(stats.entry ?? {})) at(key);
  for (const [from, row] of Object.entries(stats.transitions ?? {})) {
    at(from);
    for (const to of Object.keys(row)) if (to !== EXIT) at(to);
  }
  const k = keys.length;
  // a: k rows of k coefficients and the right-hand side.
  const a: number[][] = Array.from({ length: k }, (_, j) => {
    const row = new Array<number>(k + 1).fill(0);
    row[j] = 1;
    return row;
  });
  for (const [key, share] of Object.entries(stats.entry ?? {})) {
    const row = a[index.get(key) as number] as number[];
    row[k] = (row[k] as number) + Math.round(sessions * share);
  }
  for (const [from, row] of Object.entries(stats.transitions ?? {})) {
    const i = index.get(from) as number;
    for (const [to, p] of Object.entries(row)) {
      if (to === EXIT) continue;
      const r = a[index.get(to) as number] as number[];
      r[i] = (r[i] as number) - p;
    }
  }
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs((a[r] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number)) pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const p = a[col] as number[];
    const d = p[col] as number;
    if (Math.abs(d) < 1e-12) continue; // a table that never exits: no solution, its visits stay 0
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const row = a[r] as number[];
      const f = (row[col] as number) / d;
      if (f === 0) continue;
      for (let c = col; c <= k; c++) row[c] = (row[c] as number) - f * (p[c] as number);
    }
  }
  const out = new Map<string, number>();
  keys.forEach((key, j) => {
    const row = a[j] as number[];
    const d = row[j] as number;
    out.set(key, Math.abs(d) < 1e-12 ? 0 : (row[k] as number) / d);
  });
  return out;
}

function endpointCounts(m: TrafficModel): Map<string, number> {
  return new Map(m.endpoints.map((e) => [e.key, e.count]));
}

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function sortedKeys<V>(map: ReadonlyMap<string, V>): string[] {
  return [...map.keys()].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
