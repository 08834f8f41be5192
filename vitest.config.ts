import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests start servers and measure time; keep them from fighting over 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
