import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // SoftHSM tokens live in per-file temporary folders; files may run in parallel.
    pool: 'forks',
  },
});
