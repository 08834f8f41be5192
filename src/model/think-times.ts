import type { Distribution } from '../core/types.js';
import { distributionOf } from './distribution.js';
import { ksCritical5, quantileCdf } from './fidelity/ks.js';

/**
 * Think times per transition (from endpoint → to endpoint), for the transitions that have
 * enough of them: a product page is read for 20 s, a cart step takes 1 s. The overall think
 * time stays in the Sessionizer's StreamingDistribution; these tables only refine it.
 *
 * Memory is what matters here: before `finish()` folds them, endpoints are provisional keys of
 * the route tree, so the transitions between them can be very many. So:
 * - a transition's first EXACT_VALUES gaps are kept as they are, the rest in a fixed log
 *   histogram of SUB_BUCKETS buckets per power of two (each ≤ 2.2% wide, 4 KB per slot),
 *   with linear interpolation inside a bucket (quantiles within ~1%);
 * - a table holds at most `maxSlots` transitions; when full, the less frequent half is dropped
 *   (a transition seen again starts over). Frequent transitions, the only ones written, keep
 *   their slot; a dropped one loses its early gaps, not its meaning.
 * - only transitions with at least MIN_SAMPLES gaps are written, and of those only the ones
 *   whose think times differ from the overall distribution by more than sampling noise (a
 *   two-sample Kolmogorov–Smirnov test at 5%, on the quantiles): elsewhere the overall one is
 *   the same thing, and the model stays small enough to read. At most MAX_WRITTEN of them (the
 *   most frequent), each with QUANTILE_POINTS quantiles in whole ms (the overall has 101).
 */

/** Gaps below which a transition's own distribution is not written (the overall one serves). */
export const MIN_SAMPLES = 30;
/** Transitions written per table at most (the most frequent). */
export const MAX_WRITTEN = 500;
/** Quantiles written per transition: the deciles 0, 0.1, …, 1 (p50 and p90 are among them). */
export const QUANTILE_POINTS = 11;
/** Transitions tracked per table before the less frequent half is dropped. */
export const DEFAULT_MAX_SLOTS = 1024;

const EXACT_VALUES = 32;
const SUB_BUCKETS = 32;
/** Bucket 0 is [0, 1) ms; bucket b ≥ 1 is [2^((b−1)/32), 2^(b/32)) ms, up to 2^32 ms (50 days). */
const BUCKETS = 1 + 32 * SUB_BUCKETS;

function bucketOf(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log2(ms) * SUB_BUCKETS));
}

function bucketLow(b: number): number {
  return b === 0 ? 0 : 2 ** ((b - 1) / SUB_BUCKETS);
}

/** The gaps of one transition. */
export class ThinkSlot {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private exact: number[] | null = [];
  private histogram: Uint32Array | null = null;

  add(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    if (this.exact !== null) {
      this.exact.push(ms);
      if (this.exact.length > EXACT_VALUES) this.toHistogram();
      return;
    }
    const h = this.histogram as Uint32Array;
    const b = bucketOf(ms);
    h[b] = (h[b] as number) + 1;
  }

  merge(other: ThinkSlot): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    if (this.exact !== null && other.exact !== null && this.exact.length + other.exact.length <= EXACT_VALUES) {
      for (const v of other.exact) this.exact.push(v);
      return;
    }
    if (this.exact !== null) this.toHistogram();
    const h = this.histogram as Uint32Array;
    if (other.exact !== null) for (const v of other.exact) h[bucketOf(v)] = (h[bucketOf(v)] as number) + 1;
    else {
      const o = other.histogram as Uint32Array;
      for (let b = 0; b < BUCKETS; b++) h[b] = (h[b] as number) + (o[b] as number);
    }
  }

  /** Type-7 quantile (interpolated inside a histogram bucket, clamped to the observed range). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.min(1, Math.max(0, q)) * (this.count - 1);
    if (this.exact !== null) {
      const sorted = [...this.exact].sort((a, b) => a - b);
      const lower = Math.floor(rank);
      const lo = sorted[lower] as number;
      const hi = sorted[Math.min(lower + 1, sorted.length - 1)] as number;
      return lo + (hi - lo) * (rank - lower);
    }
    if (rank === 0) return this.min;
    if (rank === this.count - 1) return this.max;
    const h = this.histogram as Uint32Array;
    let before = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const n = h[b] as number;
      if (n === 0 || before + n <= rank) {
        before += n;
        continue;
      }
      // The values of bucket b spread evenly from its low to its high end (the observed minimum
      // and maximum in the first and last bucket, so that quantiles 0 and 1 are exact).
      const low = Math.max(this.min, bucketLow(b));
      const high = Math.min(this.max, bucketLow(b + 1));
      const value = n === 1 ? (low + high) / 2 : low + ((high - low) * (rank - before)) / (n - 1);
      return Math.min(this.max, Math.max(this.min, value));
    }
    return this.max;
  }

  toDistribution(points = QUANTILE_POINTS, decimals = 0): Distribution {
    const empty = this.count === 0;
    // Interpolation inside a bucket must not make the list decrease after rounding: monotone.
    return distributionOf({ count: this.count, mean: empty ? 0 : this.sum / this.count, min: empty ? 0 : this.min, max: empty ? 0 : this.max, quantile: (q) => this.quantile(q) }, decimals, { points, monotone: true });
  }

  private toHistogram(): void {
    const values = this.exact as number[];
    this.exact = null;
    const h = (this.histogram = new Uint32Array(BUCKETS));
    for (const v of values) h[bucketOf(v)] = (h[bucketOf(v)] as number) + 1;
  }
}

/** Key ids below this are tracked; (from, to) is one number, from · ID_LIMIT + to (< 2^52). */
const ID_LIMIT = 2 ** 26;

/** Think-time slots by (from, to) key ids, bounded (see above). One Map lookup per gap. */
export class TransitionThinkTimes {
  private table = new Map<number, ThinkSlot>();

  constructor(private readonly maxSlots = DEFAULT_MAX_SLOTS) {}

  get size(): number {
    return this.table.size;
  }

  add(from: number, to: number, ms: number): void {
    if (from >= ID_LIMIT || to >= ID_LIMIT) return; // 67 million provisional keys: never in practice
    const pair = from * ID_LIMIT + to;
    let slot = this.table.get(pair);
    if (slot === undefined) {
      if (this.table.size >= this.maxSlots) this.dropLessFrequentHalf();
      this.table.set(pair, (slot = new ThinkSlot()));
    }
    slot.add(ms);
  }

  /** Replaces every key id by `find(id)`, merging the slots that now share a transition. */
  remap(find: (keyId: number) => number): void {
    const table = new Map<number, ThinkSlot>();
    for (const [pair, slot] of this.table) {
      const from = find(Math.floor(pair / ID_LIMIT));
      const to = find(pair % ID_LIMIT);
      if (from >= ID_LIMIT || to >= ID_LIMIT) continue;
      const key = from * ID_LIMIT + to;
      const existing = table.get(key);
      if (existing === undefined) table.set(key, slot);
      else existing.merge(slot);
    }
    this.table = table;
  }

  /** Every slot: from key id → to key id → gaps. */
  entries(): Map<number, Map<number, ThinkSlot>> {
    const out = new Map<number, Map<number, ThinkSlot>>();
    for (const [pair, slot] of this.table) {
      const from = Math.floor(pair / ID_LIMIT);
      let row = out.get(from);
      if (row === undefined) out.set(from, (row = new Map()));
      row.set(pair % ID_LIMIT, slot);
    }
    return out;
  }

  private dropLessFrequentHalf(): void {
    const counts: number[] = [];
    for (const slot of this.table.values()) counts.push(slot.count);
    counts.sort((a, b) => a - b);
    // Strictly below the median, else at least the least frequent ones.
    const median = counts[counts.length >> 1] as number;
    const threshold = median > (counts[0] as number) ? median : median + 1;
    for (const [pair, slot] of this.table) if (slot.count < threshold) this.table.delete(pair);
  }
}

/**
 * Slots keyed by endpoint key strings (after remapping ids), merged where keys collide, then
 * written: transitions with ≥ MIN_SAMPLES gaps, the most frequent `maxWritten`, keys sorted.
 */
export class KeyedThinkTimes {
  private readonly table = new Map<string, Map<string, ThinkSlot>>();

  add(from: string, to: string, slot: ThinkSlot): void {
    let row = this.table.get(from);
    if (row === undefined) this.table.set(from, (row = new Map()));
    let mine = row.get(to);
    if (mine === undefined) row.set(to, (mine = new ThinkSlot()));
    mine.merge(slot);
  }

  /** Adds every slot of another keyed table. */
  addAll(other: KeyedThinkTimes): void {
    for (const [from, row] of other.table) for (const [to, slot] of row) this.add(from, to, slot);
  }

  /**
   * The table as the model writes it. `overall` is the distribution the synthesizer falls back
   * to: a transition that does not differ from it significantly is left out (null: keep all).
   */
  toModel(overall: Distribution | null, maxWritten = MAX_WRITTEN): Record<string, Record<string, Distribution>> {
    const kept: { from: string; to: string; slot: ThinkSlot; d: Distribution }[] = [];
    for (const [from, row] of this.table) {
      for (const [to, slot] of row) {
        if (slot.count < MIN_SAMPLES) continue;
        const d = slot.toDistribution();
        if (overall === null || differs(d, overall)) kept.push({ from, to, slot, d });
      }
    }
    kept.sort((a, b) => b.slot.count - a.slot.count || compare(a.from, b.from) || compare(a.to, b.to));
    const chosen = kept.slice(0, maxWritten).sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
    const out: Record<string, Record<string, Distribution>> = {};
    for (const { from, to, d } of chosen) (out[from] ??= {})[to] = d;
    return out;
  }
}

/**
 * Whether two distributions differ by more than sampling noise: the Kolmogorov–Smirnov
 * distance D = sup |F_a − F_b|, with each CDF read off its quantiles (linear between them, the
 * upper end on ties), against the 5% critical value 1.358·√((n+m)/(n·m)).
 */
export function differs(a: Distribution, b: Distribution): boolean {
  if (a.count === 0 || b.count === 0) return a.count !== b.count;
  let d = 0;
  for (const x of [...a.quantiles, ...b.quantiles]) d = Math.max(d, Math.abs(quantileCdf(a.quantiles, x) - quantileCdf(b.quantiles, x)));
  return d > ksCritical5(a.count, b.count);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
