/**
 * Puts a roughly time-ordered stream back in order before sessionizing. nginx writes a line when
 * a request ends, so start times derived from it are out of order by up to the longest request;
 * several files interleave. A min-heap on time holds the last `windowMs` of records; a record
 * leaves once it is older than the newest time seen minus the window. Ties keep arrival order
 * (a sequence number), so the output is stable.
 *
 * Memory is bounded by the records of one window. A record older than the last one already
 * released cannot be placed any more: `push` refuses it and the caller counts it as
 * "out of order". (Records older than the window but not older than what was released are still
 * accepted: they can be placed exactly.)
 */
export class ReorderBuffer<T extends { timeMs: number }> {
  // A binary heap in three parallel arrays: times and sequence numbers stay unboxed numbers,
  // so comparisons never touch the records.
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;
  private newestMs = -Infinity;
  private releasedMs = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly release: (item: T) => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** False when the item arrived too late to be put in order (nothing else happens then). */
  push(item: T): boolean {
    const t = item.timeMs;
    if (t < this.releasedMs) return false;
    this.insert(item, t);
    if (t > this.newestMs) this.newestMs = t;
    const limit = this.newestMs - this.windowMs;
    const times = this.times;
    while (times.length > 0 && (times[0] as number) < limit) this.release(this.pop());
    return true;
  }

  /** Releases everything still held, in order. */
  drain(): void {
    while (this.items.length > 0) this.release(this.pop());
  }

  private insert(item: T, t: number): void {
    const { times, seqs, items } = this;
    const s = this.seq++;
    let i = items.length;
    times.push(t);
    seqs.push(s);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const tp = times[parent] as number;
      // Sequence numbers only grow, so on equal times the parent (older) stays on top.
      if (tp <= t) break;
      times[i] = tp;
      seqs[i] = seqs[parent] as number;
      items[i] = items[parent] as T;
      i = parent;
    }
    times[i] = t;
    seqs[i] = s;
    items[i] = item;
  }

  private pop(): T {
    const { times, seqs, items } = this;
    const top = items[0] as T;
    this.releasedMs = times[0] as number;
    const t = times.pop() as number;
    const s = seqs.pop() as number;
    const last = items.pop() as T;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        let child = left;
        let tc = times[left] as number;
        if (right < n) {
          const tr = times[right] as number;
          if (tr < tc || (tr === tc && (seqs[right] as number) < (seqs[left] as number))) {
            child = right;
            tc = tr;
          }
        }
        if (t < tc || (t === tc && s < (seqs[child] as number))) break;
        times[i] = tc;
        seqs[i] = seqs[child] as number;
        items[i] = items[child] as T;
        i = child;
      }
      times[i] = t;
      seqs[i] = s;
      items[i] = last;
    }
    return top;
  }
}
