import { defineConfig } from 'vitest/config';

// Browser tests: a real API, PostgreSQL, the built Next server and Debian chromium.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
