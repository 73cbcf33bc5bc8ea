import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Component and unit tests: jsdom, files beside their source. The browser tests have their own config.
export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    pool: 'threads',
    maxWorkers: 2,
    // getByRole walks the accessibility tree: slow in jsdom on a busy 2-core machine.
    testTimeout: 30_000,
  },
});
