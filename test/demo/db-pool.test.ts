import { describe, it, expect } from 'vitest';
import { DbPool, PoolClosedError, PoolTimeoutError } from '../../src/demo/db-pool.js';

describe('DbPool', () => {
  it('serves up to size at once and the rest in FIFO order', async () => {
    const pool = new DbPool(2, 1_000);
    const done: number[] = [];
    const runs = [0, 1, 2, 3, 4].map((i) => pool.run(20).then(() => done.push(i)));
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 3, maxQueue: 3 });
    await Promise.all(runs);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    expect(pool.stats()).toEqual({ busy: 0, queued: 0, maxQueue: 3, timeouts: 0 });
  });

  it('fails a waiter with PoolTimeoutError after queueTimeoutMs, and keeps serving the rest', async () => {
    const pool = new DbPool(1, 30);
    const t0 = performance.now();
    const first = pool.run(400);
    const second = pool.run(1);
    const err = await second.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolTimeoutError);
    expect((err as PoolTimeoutError).code).toBe('E_POOL_TIMEOUT');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(28);
    expect(performance.now() - t0).toBeLessThan(300); // at the deadline, not when the slot frees
    await first;
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0, timeouts: 1 });
    await pool.run(1); // the slot came back
  });

  it('close() fails running and waiting work and refuses new work', async () => {
    const pool = new DbPool(1, 10_000);
    const running = pool.run(10_000).catch((e: unknown) => e);
    const waiting = pool.run(10_000).catch((e: unknown) => e);
    pool.close();
    expect(await running).toBeInstanceOf(PoolClosedError);
    expect(await waiting).toBeInstanceOf(PoolClosedError);
    await expect(pool.run(1)).rejects.toBeInstanceOf(PoolClosedError);
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it('checks its options', () => {
    expect(() => new DbPool(0, 10)).toThrow(/poolSize/);
    expect(() => new DbPool(1.5, 10)).toThrow(/poolSize/);
    expect(() => new DbPool(1, -1)).toThrow(/queueTimeoutMs/);
  });
});
