import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Lab tests build namespaces and start daemons; they must not run in parallel files that
    // compete for the same 2 cores, so files run one at a time (tests inside a file in order).
    fileParallelism: false,
    reporters: ['default'],
  },
});
