import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// swc (not esbuild) so that decorator metadata reaches TypeORM and type-graphql.
export default defineConfig({
  resolve: {
    // Node resolves `graphql` (no "exports" map) to its CommonJS build for type-graphql and
    // Apollo; Vite would pick the .mjs one for our files. One copy, or instanceof checks break.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-file.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
