import { defineConfig } from 'vitest/config';

/** Timing tests measure the generator itself: one file at a time, after the main suite. */
export default defineConfig({
  test: {
    include: ['test/timing/**/*.test.ts'],
    testTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    env: { TIDEMARK_WORKERS: '1' },
  },
});
