import { defineConfig } from 'vitest/config';

// Worker and end-to-end tests: real worker processes (and a real API with PostgreSQL for e2e).
// One file at a time: the machine has two shared cores and each test trains in child processes.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
