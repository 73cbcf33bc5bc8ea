import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { findSecretsInLogs } from './log-check.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database the tests may connect to with the right to CREATE DATABASE. */
    adminDatabaseUrl: string;
    /** Where test servers write their logs and the tests list the secrets they made. */
    logFolder: string;
  }
}

const quiet = { info: () => undefined, debug: () => undefined };

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set, otherwise an embedded cluster in a
 * temporary folder (durability off: it is thrown away). Each test file makes its own database.
 */
export default async function setup(project: TestProject) {
  // embedded-postgres's exit hook (async-exit-hook) calls process.exit(0) on beforeExit, which
  // replaced vitest's exit code: failed tests exited 0. Keep vitest's code, and fail on leaks.
  let leaked = false;
  let vitestExitCode: typeof process.exitCode;
  process.on('beforeExit', () => {
    vitestExitCode = process.exitCode;
  });
  process.on('exit', () => {
    if (leaked) process.exitCode = 1;
    else if (vitestExitCode) process.exitCode = vitestExitCode;
  });
  const logFolder = await mkdtemp(path.join(tmpdir(), 'finetrack-test-logs-'));
  project.provide('logFolder', logFolder);
  /** Fails the run when any secret a test made appears in any log line. */
  const checkLogs = async () => {
    const report = await findSecretsInLogs(logFolder);
    if (report.leaks.length > 0) {
      leaked = true; // vitest only prints an error thrown here
      throw new Error(
        `secrets found in the API's logs (${logFolder}):\n${report.leaks.slice(0, 20).join('\n')}`,
      );
    }
    console.log(
      `log check: ${report.secrets} secrets searched for in ${report.lines} log lines, none found`,
    );
    await rm(logFolder, { recursive: true, force: true });
  };
  if (process.env.DATABASE_URL) {
    project.provide('adminDatabaseUrl', process.env.DATABASE_URL);
    return checkLogs;
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
    await checkLogs();
  };
}
