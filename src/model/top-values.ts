/**
 * The most frequent values of a stream, in bounded memory: counts are kept exactly until
 * `2 × capacity` distinct values are held, then the table is cut back to the `capacity` most
 * frequent: every value below a count threshold goes, and among those at the threshold the
 * oldest go first (insertion order, so the result is deterministic). The cut is linear, not a
 * sort, so a stream of millions of distinct ids costs O(1) per value. Values seen once among
 * millions are forgotten; values that keep coming back survive every cut. Counts of a value
 * that was cut and came back are underestimates, which is fine for a pool of replay values.
 */
const SAMPLE_EVERY = 8;

export class TopValues {
  private counts = new Map<string, number>();
  private pruned = false;
  private tick = 0;

  constructor(private readonly capacity: number) {}

  /**
   * For a stream of single values: how much the next one should count, 0 to skip it. Until the
   * table first overflows every value counts 1; after, every SAMPLE_EVERY-th value counts
   * SAMPLE_EVERY (a systematic sample, deterministic, that keeps counts comparable), so that
   * high-cardinality positions (ids) cost little.
   */
  sampleWeight(): number {
    if (!this.pruned) return 1;
    this.tick = (this.tick + 1) % SAMPLE_EVERY;
    return this.tick === 0 ? SAMPLE_EVERY : 0;
  }

  get size(): number {
    return this.counts.size;
  }

  add(value: string, count = 1): void {
    const known = this.counts.get(value);
    if (known !== undefined) this.counts.set(value, known + count);
    else {
      // A new key is kept for a while: copied, so that it does not hold on to its whole log line.
      this.counts.set(detach(value), count);
      if (this.counts.size >= this.capacity * 2) this.prune();
    }
  }

  merge(other: TopValues): void {
    for (const [value, count] of other.counts) this.add(value, count);
  }

  /** Up to `n` values, most frequent first (ties: first seen first). */
  top(n: number): string[] {
    return this.sortedEntries()
      .slice(0, n)
      .map(([value]) => value);
  }

  /** Up to `n` [value, count] pairs, most frequent first. */
  topEntries(n: number): [string, number][] {
    return this.sortedEntries().slice(0, n);
  }

  /** By count; ties keep the order the values were first seen in (a stable sort). */
  private sortedEntries(): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]);
  }

  private prune(): void {
    this.pruned = true;
    // Smallest threshold t such that the values counted above t fit in `capacity`.
    const histogram = new Map<number, number>();
    for (const count of this.counts.values()) histogram.set(count, (histogram.get(count) ?? 0) + 1);
    const levels = [...histogram.keys()].sort((a, b) => b - a);
    let above = 0;
    let threshold = 0;
    for (const level of levels) {
      const n = histogram.get(level) as number;
      if (above + n > this.capacity) {
        threshold = level;
        break;
      }
      above += n;
    }
    let atThresholdToDrop = this.counts.size - this.capacity - [...histogram].reduce((s, [level, n]) => (level < threshold ? s + n : s), 0);
    for (const [value, count] of this.counts) {
      if (count < threshold) this.counts.delete(value);
      else if (count === threshold && atThresholdToDrop > 0) {
        this.counts.delete(value);
        atThresholdToDrop--;
      }
    }
  }
}

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 represents a
 * substring of 13 characters or more as a pointer into its parent (for a field of a record,
 * the whole log line), so a substring kept in a long-lived table keeps the line alive, and
 * moves it to the old generation where it lingers until a full collection.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}
