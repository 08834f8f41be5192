/**
 * A model of a bounded database connection pool: `size` slots, a FIFO wait queue, and a
 * deadline for waiting. It is what makes the demo shop behave like a real system under load:
 * fine while the slots keep up, then queueing (the latency hockey stick), then 503s once
 * requests wait longer than the deadline.
 *
 * Everything runs on real timers (setTimeout), never on busy loops, and every timer is tracked
 * so that `close()` can clear them all and the process can exit.
 */

/** A request waited longer than `queueTimeoutMs` for a slot. */
export class PoolTimeoutError extends Error {
  readonly code = 'E_POOL_TIMEOUT';
  constructor(waitedMs: number) {
    super(`waited ${Math.round(waitedMs)} ms for a database connection`);
    this.name = 'PoolTimeoutError';
  }
}

/** The pool was closed while a request waited or held a slot. */
export class PoolClosedError extends Error {
  readonly code = 'E_POOL_CLOSED';
  constructor() {
    super('the database pool is closed');
    this.name = 'PoolClosedError';
  }
}

interface Waiter {
  grant: () => void;
  fail: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Sleeper {
  timer: NodeJS.Timeout;
  fail: (err: Error) => void;
}

export interface DbPoolStats {
  /** Slots held right now. */
  busy: number;
  /** Requests waiting for a slot right now. */
  queued: number;
  /** Longest queue seen since the pool was made. */
  maxQueue: number;
  /** Requests that gave up waiting (answered 503). */
  timeouts: number;
}

export class DbPool {
  private busy = 0;
  private readonly queue: Waiter[] = [];
  private readonly sleepers = new Set<Sleeper>();
  private maxQueue = 0;
  private timeouts = 0;
  private closed = false;

  constructor(
    readonly size: number,
    readonly queueTimeoutMs: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`poolSize must be a positive integer, got ${size}`);
    if (!Number.isFinite(queueTimeoutMs) || queueTimeoutMs < 0) throw new RangeError(`queueTimeoutMs must be a non-negative number, got ${queueTimeoutMs}`);
  }

  /**
   * Takes a slot, holds it for `serviceMs` (the queries of one request, run as one
   * transaction on one connection), and gives it back. Rejects with PoolTimeoutError when no
   * slot frees up within queueTimeoutMs, with PoolClosedError when the pool closes.
   */
  async run(serviceMs: number): Promise<void> {
    await this.acquire();
    try {
      await this.sleep(serviceMs);
    } finally {
      this.release();
    }
  }

  stats(): DbPoolStats {
    return { busy: this.busy, queued: this.queue.length, maxQueue: this.maxQueue, timeouts: this.timeouts };
  }

  /** Fails every waiting and running request and clears every timer. */
  close(): void {
    this.closed = true;
    const err = new PoolClosedError();
    for (const waiter of this.queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(err);
    }
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.fail(err);
    }
    this.sleepers.clear();
  }

  private acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queuedAt = performance.now();
      const waiter: Waiter = {
        grant: resolve,
        fail: reject,
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          this.timeouts++;
          reject(new PoolTimeoutError(performance.now() - queuedAt));
        }, this.queueTimeoutMs),
      };
      this.queue.push(waiter);
      if (this.queue.length > this.maxQueue) this.maxQueue = this.queue.length;
    });
  }

  private release(): void {
    if (this.closed) {
      this.busy = Math.max(0, this.busy - 1);
      return;
    }
    const next = this.queue.shift();
    if (next) {
      // The slot passes straight to the oldest waiter: busy stays the same.
      clearTimeout(next.timer);
      next.grant();
    } else {
      this.busy--;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        fail: reject,
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
      };
      this.sleepers.add(sleeper);
    });
  }
}
