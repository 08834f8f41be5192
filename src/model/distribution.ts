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
      for (const [, b] of other.buckets as Map<number, Bucket>) {
        this.addToBucket(b.min, b.count, b.min, b.max);
      }
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
    const quantiles: number[] = [];
    for (let i = 0; i < QUANTILE_POINTS; i++) quantiles.push(round(this.quantile(i / (QUANTILE_POINTS - 1)), decimals));
    return {
      count: this.count,
      mean: round(this.mean(), decimals),
      min: this.count === 0 ? 0 : round(this.min, decimals),
      max: this.count === 0 ? 0 : round(this.max, decimals),
      p50: round(this.quantile(0.5), decimals),
      p90: round(this.quantile(0.9), decimals),
      p95: round(this.quantile(0.95), decimals),
      p99: round(this.quantile(0.99), decimals),
      quantiles,
    };
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
    const index = [...(this.buckets as Map<number, Bucket>).keys()].sort((a, b) => a - b);
    const bucket: Bucket[] = [];
    const cumulative: number[] = [];
    let total = 0;
    for (const i of index) {
      const b = (this.buckets as Map<number, Bucket>).get(i) as Bucket;
      total += b.count;
      bucket.push(b);
      cumulative.push(total);
    }
    this.sorted = { cumulative, bucket };
    return this.sorted;
  }

  private toHistogram(): void {
    const values = this.exact as number[];
    this.exact = null;
    this.buckets = new Map();
    for (const v of values) this.addToBucket(v, 1, v, v);
  }

  private addToBucket(value: number, count: number, min: number, max: number): void {
    const index = bucketIndex(value);
    const buckets = this.buckets as Map<number, Bucket>;
    const b = buckets.get(index);
    if (b === undefined) {
      buckets.set(index, { count, min, max });
      return;
    }
    b.count += count;
    if (min < b.min) b.min = min;
    if (max > b.max) b.max = max;
  }
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
