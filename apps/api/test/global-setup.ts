import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database the tests may connect to with the right to CREATE DATABASE. */
    adminDatabaseUrl: string;
  }
}

const quiet = { info: () => undefined, debug: () => undefined };

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set, otherwise an embedded cluster in a
 * temporary folder (durability off: it is thrown away). Each test file makes its own database.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('adminDatabaseUrl', process.env.DATABASE_URL);
    return;
  }
  const home = await mkdtemp(path.join(tmpdir(), 'finetrack-test-'));
  await chmod(home, 0o755); // the postgres user must reach its data folder
  const postgres = await startEmbeddedPostgres(home, quiet, {
    persistent: false,
    extraFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  });
  project.provide('adminDatabaseUrl', postgres.url);
  return async () => {
    await postgres.stop();
    await rm(home, { recursive: true, force: true });
  };
}
