import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Timing tests measure the generator: they run alone afterwards (see package.json "test").
    exclude: ['test/timing/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests start servers and measure time; keep them from fighting over 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
    // Runs without --workers use one thread whatever the machine's cores (tests that mean more say so).
    env: { TIDEMARK_WORKERS: '1' },
  },
});
