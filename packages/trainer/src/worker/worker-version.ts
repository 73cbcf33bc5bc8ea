import { createRequire } from 'node:module';

/** The trainer package's version (from src/ and dist/ alike), which workers announce. */
export function workerVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}
