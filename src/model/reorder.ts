/**
 * Puts a roughly time-ordered stream back in order before sessionizing. nginx writes a line when
 * a request ends, so start times derived from it are out of order by up to the longest request;
 * several files interleave. The buffer holds the last `windowMs` of records; a record leaves
 * once it is older than the newest time seen minus the window. Ties keep arrival order (a
 * sequence number), so the output is stable.
 *
 * Most records arrive in order (a single log file, a merge of several): they go to a FIFO and
 * leave from its front, O(1) each. Only a record earlier than the FIFO's last one goes to a
 * binary heap; the oldest of the two fronts leaves first.
 *
 * A record older than the last one already released cannot be placed any more: `push` refuses
 * it and the caller counts it as "out of order". (Records older than the window but not older
 * than what was released are still accepted: they can be placed exactly.)
 *
 * Memory is bounded twice: by the records of one window, and by `maxHeld` records whatever the
 * rate. Past `maxHeld` the oldest record leaves early, as if the window were shorter; only a log
 * of more than `maxHeld / windowMs` records per second (8,700/s with the defaults) gets there.
 * Storage is in typed arrays grown by half (never beyond `maxHeld + 1` slots): 24 bytes per
 * held record (time, sequence number, FIFO and free-list entries), plus the payload (12 bytes in
 * the numeric buffer), plus 4 bytes per late record held.
 */

/** Records held at most (see above): 1,048,576 (at most 38 MB with the numeric buffer). */
export const DEFAULT_MAX_HELD = 1 << 20;
const INITIAL_SLOTS = 1024;

/**
 * The ordering machinery, over slots: each held record has a slot (its time, its sequence
 * number, and the payload the subclass keeps by slot). Slots are recycled through a free list.
 */
abstract class TimeOrder {
  protected capacity: number;
  private times: Float64Array;
  private seqs: Float64Array;
  private free: Int32Array;
  private freeCount: number;
  /** Ring of slots in arrival order (their times never decrease). */
  private fifo: Int32Array;
  private fifoHead = 0;
  private fifoCount = 0;
  private fifoTailMs = -Infinity;
  /** Min-heap of slots by (time, seq): the records that came late (grown as needed: few). */
  private heap = new Int32Array(64);
  private heapCount = 0;
  private seq = 0;
  private newestMs = -Infinity;
  /** Time of the last record released: nothing earlier can be accepted any more. */
  releasedMs = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxHeld: number,
  ) {
    if (!(maxHeld >= 1)) throw new RangeError(`maxHeld: expected ≥ 1, got ${maxHeld}`);
    this.capacity = Math.min(INITIAL_SLOTS, maxHeld + 1);
    this.times = new Float64Array(this.capacity);
    this.seqs = new Float64Array(this.capacity);
    this.fifo = new Int32Array(this.capacity);
    this.free = new Int32Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) this.free[i] = this.capacity - 1 - i;
    this.freeCount = this.capacity;
  }

  get size(): number {
    return this.fifoCount + this.heapCount;
  }

  /** Releases everything still held, in order. */
  drain(): void {
    while (this.fifoCount + this.heapCount > 0) this.releaseOldest();
  }

  /** The payload of `slot` is gone (released); called before the slot is reused. */
  protected abstract emit(slot: number, timeMs: number): void;

  /** The payload storage grows to `capacity` slots (indices stay). */
  protected abstract growPayload(capacity: number): void;

  /** A free slot for a record at `t` (the caller checked `t >= releasedMs`); fill it, then `place`. */
  protected reserve(): number {
    if (this.freeCount === 0) this.grow();
    return this.free[--this.freeCount] as number;
  }

  /** Puts the filled `slot` in order and releases what the window (or the cap) lets go. */
  protected place(slot: number, t: number): void {
    this.times[slot] = t;
    this.seqs[slot] = this.seq++;
    if (this.fifoCount === 0 || t >= this.fifoTailMs) {
      const capacity = this.capacity;
      let at = this.fifoHead + this.fifoCount;
      if (at >= capacity) at -= capacity;
      this.fifo[at] = slot;
      this.fifoCount++;
      this.fifoTailMs = t;
    } else {
      this.heapPush(slot, t);
    }
    if (t > this.newestMs) this.newestMs = t;
    const limit = this.newestMs - this.windowMs;
    const times = this.times;
    for (;;) {
      const held = this.fifoCount + this.heapCount;
      if (held === 0) break;
      const f = this.fifoCount > 0 ? (times[this.fifo[this.fifoHead] as number] as number) : Infinity;
      const h = this.heapCount > 0 ? (times[this.heap[0] as number] as number) : Infinity;
      if ((f < h ? f : h) >= limit && held <= this.maxHeld) break;
      this.releaseOldest();
    }
  }

  private releaseOldest(): void {
    let slot: number;
    if (this.heapCount === 0 || (this.fifoCount > 0 && this.fifoFirst())) {
      slot = this.fifo[this.fifoHead] as number;
      this.fifoHead = this.fifoHead + 1 === this.capacity ? 0 : this.fifoHead + 1;
      this.fifoCount--;
    } else {
      slot = this.heapPop();
    }
    const t = this.times[slot] as number;
    this.releasedMs = t;
    this.emit(slot, t);
    this.free[this.freeCount++] = slot;
  }

  /** Whether the FIFO's front comes before the heap's top (both non-empty). */
  private fifoFirst(): boolean {
    const f = this.fifo[this.fifoHead] as number;
    const h = this.heap[0] as number;
    const tf = this.times[f] as number;
    const th = this.times[h] as number;
    return tf < th || (tf === th && (this.seqs[f] as number) < (this.seqs[h] as number));
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = Math.min(Math.ceil(old * 1.5), this.maxHeld + 1);
    if (capacity <= old) throw new Error('ReorderBuffer: no free slot'); // cannot happen: place() keeps size ≤ maxHeld
    const times = new Float64Array(capacity);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(capacity);
    seqs.set(this.seqs);
    this.seqs = seqs;
    const fifo = new Int32Array(capacity);
    for (let i = 0; i < this.fifoCount; i++) {
      let at = this.fifoHead + i;
      if (at >= old) at -= old;
      fifo[i] = this.fifo[at] as number;
    }
    this.fifo = fifo;
    this.fifoHead = 0;
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeCount));
    for (let s = capacity - 1; s >= old; s--) free[this.freeCount++] = s;
    this.free = free;
    this.capacity = capacity;
    this.growPayload(capacity);
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  private heapPush(slot: number, t: number): void {
    if (this.heapCount === this.heap.length) {
      const bigger = new Int32Array(this.heap.length * 2);
      bigger.set(this.heap);
      this.heap = bigger;
    }
    const heap = this.heap;
    let i = this.heapCount++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      // Sequence numbers only grow, so on equal times the parent (older) stays on top.
      if ((this.times[p] as number) <= t) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  private heapPop(): number {
    const heap = this.heap;
    const top = heap[0] as number;
    const n = --this.heapCount;
    if (n > 0) {
      const last = heap[n] as number;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        let child = heap[left] as number;
        let at = left;
        if (right < n && this.less(heap[right] as number, child)) {
          child = heap[right] as number;
          at = right;
        }
        if (!this.less(child, last)) break;
        heap[i] = child;
        i = at;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** A reorder buffer of objects that carry their time (`timeMs`). */
export class ReorderBuffer<T extends { timeMs: number }> extends TimeOrder {
  private items: (T | undefined)[];

  constructor(
    windowMs: number,
    private readonly release: (item: T) => void,
    maxHeld = DEFAULT_MAX_HELD,
  ) {
    super(windowMs, maxHeld);
    this.items = new Array<T | undefined>(this.capacity);
  }

  /** False when the item arrived too late to be put in order (nothing else happens then). */
  push(item: T): boolean {
    const t = item.timeMs;
    if (t < this.releasedMs) return false;
    const slot = this.reserve();
    this.items[slot] = item;
    this.place(slot, t);
    return true;
  }

  protected emit(slot: number): void {
    const item = this.items[slot] as T;
    this.items[slot] = undefined;
    this.release(item);
  }

  protected growPayload(capacity: number): void {
    this.items.length = capacity;
  }
}

/**
 * A reorder buffer of two numbers per record, a double and a 32-bit integer (the model builder's
 * session identity and endpoint key), kept in typed arrays: nothing per record for the garbage
 * collector, and nothing of the record itself (its line, its strings) held for the window.
 */
export class PairReorderBuffer extends TimeOrder {
  private a: Float64Array;
  private b: Int32Array;

  constructor(
    windowMs: number,
    private readonly release: (timeMs: number, a: number, b: number) => void,
    maxHeld = DEFAULT_MAX_HELD,
  ) {
    super(windowMs, maxHeld);
    this.a = new Float64Array(this.capacity);
    this.b = new Int32Array(this.capacity);
  }

  /**
   * `b` must be a 32-bit integer. Callers check `timeMs >= releasedMs` first (else the record is
   * out of order); then it is always taken.
   */
  push(timeMs: number, a: number, b: number): void {
    const slot = this.reserve();
    this.a[slot] = a;
    this.b[slot] = b;
    this.place(slot, timeMs);
  }

  protected emit(slot: number, timeMs: number): void {
    this.release(timeMs, this.a[slot] as number, this.b[slot] as number);
  }

  protected growPayload(capacity: number): void {
    const a = new Float64Array(capacity);
    a.set(this.a);
    this.a = a;
    const b = new Int32Array(capacity);
    b.set(this.b);
    this.b = b;
  }
}
