import type { Distribution } from '../core/types.js';

/**
 * A streaming summary of a distribution of non-negative numbers (think times, session lengths,
 * durations, latencies, sizes) that becomes a `Distribution`.
 *
 * Exact up to `exactLimit` values (kept and sorted at the end). Past that, a log-linear
 * histogram: each power of two is cut into 128 equal buckets (the bucket index is the top bits
 * of the IEEE 754 double: exponent and 7 bits of mantissa, as HDR histograms do), so a bucket is
 * at most 0.8% of its values wide; each bucket also keeps its own min and max, so a bucket that
 * holds one distinct value (small integers such as session lengths) is exact. Memory is bounded
 * by the number of buckets between the smallest and largest value (≈ 2,600 for 1 ms … 11 days),
 * whatever the count.
 * The buckets are kept in a `Map` while few of that range are in use, and move to three
 * arrays indexed by bucket (count, min, max: 24 bytes a bucket of the range, no lookup, no
 * object) once the map's entries cover a third of the range or more, i.e. once the arrays take
 * no more memory than the map (~80 bytes an entry). The arrays then grow with the range; the
 * results are the same either way (the same buckets hold the same values).
 * Quantiles use the "type 7" definition (linear interpolation between order statistics, as
 * numpy and R do by default) in both modes, so the switch does not change their meaning.
 * Everything is deterministic and order-independent; `merge` combines two summaries exactly as
 * if all values had been added to one.
 */

export const QUANTILE_POINTS = 101;
const DEFAULT_EXACT_LIMIT = 4096;
/** Bucket index for values ≤ 0 (think times of 0 ms, durations of one-request sessions). */
const ZERO_BUCKET = -1;
const MANTISSA_BITS = 7;
const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);
/** Which 32-bit word of a double holds the sign, exponent and top of the mantissa. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Sign (0), 11 exponent bits and the top mantissa bits of a positive double: monotonic in v. */
function bucketIndex(value: number): number {
  if (value <= 0) return ZERO_BUCKET;
  float[0] = value;
  return (words[HIGH_WORD] as number) >>> (20 - MANTISSA_BITS);
}

interface Bucket {
  count: number;
  min: number;
  max: number;
}

export class StreamingDistribution {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private exact: number[] | null = [];
  private buckets: Map<number, Bucket> | null = null;
  /** Dense form (see above): bucket index `lo + i` at slot i; null while the map is used. */
  private dense: DenseBuckets | null = null;
  /** Lowest and highest bucket index in the map (the zero bucket aside). */
  private mapLo = Infinity;
  private mapHi = -Infinity;
  private sorted: { cumulative: number[]; bucket: Bucket[] } | null = null;
  private exactSorted = true;

  constructor(private readonly exactLimit = DEFAULT_EXACT_LIMIT) {}

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sorted = null;
    if (this.exact !== null) {
      this.exactSorted = false;
      this.exact.push(value);
      if (this.exact.length > this.exactLimit) this.toHistogram();
      return;
    }
    this.addToBucket(value, 1, value, value);
  }

  merge(other: StreamingDistribution): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.sorted = null;
    this.exactSorted = false;
    if (this.exact !== null && other.exact !== null) {
      for (const v of other.exact) this.exact.push(v);
      if (this.exact.length > this.exactLimit) this.toHistogram();
      return;
    }
    if (this.exact !== null) this.toHistogram();
    if (other.exact !== null) {
      for (const v of other.exact) this.addToBucket(v, 1, v, v);
    } else {
      other.forEachBucket((b) => this.addToBucket(b.min, b.count, b.min, b.max));
    }
  }

  /** Type-7 quantile at probability q in [0, 1]; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.min(1, Math.max(0, q)) * (this.count - 1);
    const lower = Math.floor(rank);
    const low = this.valueAtRank(lower);
    const fraction = rank - lower;
    if (fraction === 0) return low;
    return low + (this.valueAtRank(lower + 1) - low) * fraction;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The `Distribution` of the model, values rounded to `decimals`. Empty → all zeros. */
  toDistribution(decimals: number): Distribution {
    const empty = this.count === 0;
    return distributionOf({ count: this.count, mean: this.mean(), min: empty ? 0 : this.min, max: empty ? 0 : this.max, quantile: (q) => this.quantile(q) }, decimals);
  }

  /** The value of the k-th smallest element (0-based). */
  private valueAtRank(k: number): number {
    if (this.exact !== null) {
      if (!this.exactSorted) {
        this.exact.sort((a, b) => a - b);
        this.exactSorted = true;
      }
      return this.exact[Math.min(k, this.exact.length - 1)] as number;
    }
    const s = this.sortedBuckets();
    // First bucket whose cumulative count exceeds k.
    let lo = 0;
    let hi = s.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s.cumulative[mid] as number) > k) hi = mid;
      else lo = mid + 1;
    }
    const b = s.bucket[lo] as Bucket;
    if (b.count === 1 || b.min === b.max) return b.min;
    const before = (s.cumulative[lo] as number) - b.count;
    const t = (k - before) / (b.count - 1);
    return b.min + (b.max - b.min) * Math.min(1, Math.max(0, t));
  }

  private sortedBuckets(): { cumulative: number[]; bucket: Bucket[] } {
    if (this.sorted !== null) return this.sorted;
    const bucket: Bucket[] = [];
    this.forEachBucket((b) => bucket.push(b));
    const cumulative: number[] = [];
    let total = 0;
    for (const b of bucket) {
      total += b.count;
      cumulative.push(total);
    }
    this.sorted = { cumulative, bucket };
    return this.sorted;
  }

  /** Every non-empty bucket, in order of value (histogram mode). */
  private forEachBucket(visit: (b: Bucket) => void): void {
    const dense = this.dense;
    if (dense !== null) {
      if (dense.zero.count > 0) visit({ ...dense.zero });
      const { counts, mins, maxs } = dense;
      for (let i = 0; i < counts.length; i++) {
        const count = counts[i] as number;
        if (count > 0) visit({ count, min: mins[i] as number, max: maxs[i] as number });
      }
      return;
    }
    const buckets = this.buckets as Map<number, Bucket>;
    for (const i of [...buckets.keys()].sort((a, b) => a - b)) visit(buckets.get(i) as Bucket);
  }

  private toHistogram(): void {
    const values = this.exact as number[];
    this.exact = null;
    this.buckets = new Map();
    for (const v of values) this.addToBucket(v, 1, v, v);
  }

  private addToBucket(value: number, count: number, min: number, max: number): void {
    const index = bucketIndex(value);
    const dense = this.dense;
    if (dense !== null) {
      if (index === ZERO_BUCKET) {
        addTo(dense.zero, count, min, max);
        return;
      }
      const i = index - dense.lo;
      if (i < 0 || i >= dense.counts.length) {
        this.dense = widen(dense, index);
        return this.addToBucket(value, count, min, max);
      }
      const counts = dense.counts;
      const c = counts[i] as number;
      counts[i] = c + count;
      if (c === 0) {
        dense.mins[i] = min;
        dense.maxs[i] = max;
        return;
      }
      if (min < (dense.mins[i] as number)) dense.mins[i] = min;
      if (max > (dense.maxs[i] as number)) dense.maxs[i] = max;
      return;
    }
    const buckets = this.buckets as Map<number, Bucket>;
    const b = buckets.get(index);
    if (b === undefined) {
      buckets.set(index, { count, min, max });
      if (index !== ZERO_BUCKET) {
        if (index < this.mapLo) this.mapLo = index;
        if (index > this.mapHi) this.mapHi = index;
      }
      if (buckets.size >= DENSE_MIN_BUCKETS && (this.mapHi - this.mapLo + 1) * DENSE_BYTES <= buckets.size * MAP_ENTRY_BYTES) this.toDense(buckets);
      return;
    }
    addTo(b, count, min, max);
  }

  /** Moves the map's buckets to arrays (once these take no more memory: see the class comment). */
  private toDense(buckets: Map<number, Bucket>): void {
    const lo = this.mapLo;
    const dense = emptyDense(lo, this.mapHi - lo + 1);
    for (const [index, b] of buckets) {
      if (index === ZERO_BUCKET) {
        dense.zero = { ...b };
        continue;
      }
      const i = index - lo;
      dense.counts[i] = b.count;
      dense.mins[i] = b.min;
      dense.maxs[i] = b.max;
    }
    this.dense = dense;
    this.buckets = null;
  }
}

/** Map entries before the dense form is considered (small maps stay maps). */
const DENSE_MIN_BUCKETS = 64;
/** Memory of one bucket of the range in the dense form, and (roughly) of one map entry. */
const DENSE_BYTES = 24;
const MAP_ENTRY_BYTES = 80;

interface DenseBuckets {
  lo: number;
  counts: Float64Array;
  mins: Float64Array;
  maxs: Float64Array;
  /** Values ≤ 0. */
  zero: Bucket;
}

function emptyDense(lo: number, size: number): DenseBuckets {
  return { lo, counts: new Float64Array(size), mins: new Float64Array(size), maxs: new Float64Array(size), zero: { count: 0, min: Infinity, max: -Infinity } };
}

/** The same buckets over a range that also holds `index` (with some room on that side). */
function widen(dense: DenseBuckets, index: number): DenseBuckets {
  const size = dense.counts.length;
  const room = Math.max(16, size >> 3);
  const lo = index < dense.lo ? index - room : dense.lo;
  const hi = index < dense.lo ? dense.lo + size - 1 : index + room;
  const wider = emptyDense(lo, hi - lo + 1);
  const at = dense.lo - lo;
  wider.counts.set(dense.counts, at);
  wider.mins.set(dense.mins, at);
  wider.maxs.set(dense.maxs, at);
  wider.zero = dense.zero;
  return wider;
}

function addTo(b: Bucket, count: number, min: number, max: number): void {
  b.count += count;
  if (min < b.min) b.min = min;
  if (max > b.max) b.max = max;
}

/** Rounds to `decimals` places; never returns -0. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r;
}

/**
 * Turns counts into probabilities rounded to `decimals` that still sum to 1: the rounding error
 * goes to the largest entry (so a reader adding them up finds 1, and the synthesizer's tables
 * stay normalized). Keys keep the order given.
 */
export function toShares(entries: ReadonlyArray<readonly [string, number]>, decimals = 6): Record<string, number> {
  const total = entries.reduce((sum, [, c]) => sum + c, 0);
  const out: Record<string, number> = {};
  if (total <= 0) return out;
  let largest: string | undefined;
  let largestCount = -1;
  let sum = 0;
  for (const [key, c] of entries) {
    const p = round(c / total, decimals);
    out[key] = p;
    sum += p;
    if (c > largestCount) {
      largestCount = c;
      largest = key;
    }
  }
  if (largest !== undefined) out[largest] = round((out[largest] as number) + (1 - sum), decimals);
  return out;
}

/** Shares of `counts` rounded to 6 places whose sum is exactly 1 (the rounding error goes to the largest). */
export function sharesSummingToOne(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) total += c;
  const shares = counts.map((c) => round(c / total, 6));
  let largest = 0;
  for (let i = 1; i < counts.length; i++) if ((counts[i] as number) > (counts[largest] as number)) largest = i;
  let sum = 0;
  for (const s of shares) sum += s;
  shares[largest] = round((shares[largest] as number) + (1 - sum), 6);
  return shares;
}

/**
 * A model `Distribution` from a quantile function: `points` evenly spaced quantiles (probability
 * i/(points−1) mapped through `probability`, the identity unless the top must stop short of 1),
 * p50/p90/p95/p99, and the given count, mean, min and max, each rounded to `decimals`. With
 * `monotone`, a quantile that rounding (or interpolation) made smaller than the one before is
 * raised to it. The one way every part of the model writes a distribution.
 */
export function distributionOf(
  source: { count: number; mean: number; min: number; max: number; quantile: (q: number) => number },
  decimals: number,
  { points = QUANTILE_POINTS, probability = (q: number) => q, monotone = false }: { points?: number; probability?: (q: number) => number; monotone?: boolean } = {},
): Distribution {
  const quantiles: number[] = [];
  for (let i = 0; i < points; i++) quantiles.push(round(source.quantile(probability(i / (points - 1))), decimals));
  if (monotone) for (let i = 1; i < quantiles.length; i++) if ((quantiles[i] as number) < (quantiles[i - 1] as number)) quantiles[i] = quantiles[i - 1] as number;
  return {
    count: source.count,
    mean: round(source.mean, decimals),
    min: round(source.min, decimals),
    max: round(source.max, decimals),
    p50: round(source.quantile(0.5), decimals),
    p90: round(source.quantile(0.9), decimals),
    p95: round(source.quantile(0.95), decimals),
    p99: round(source.quantile(0.99), decimals),
    quantiles,
  };
}
