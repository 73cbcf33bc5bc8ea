import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolOf } from '../src/db/data-source.js';
import { isDatabaseUnavailable } from '../src/db/database-unavailable.js';
import { LocalDiskStore, STALE_UPLOAD_MS } from '../src/modules/artifacts/artifact-store.js';
import { startTestServer, type TestServer } from './harness.js';

// The API and its connections when PostgreSQL cuts them (what `npm run faults` does with a real
// restart, here with pg_terminate_backend so it stays fast enough for `npm test`).

const terminateApiConnections = (sut: TestServer) =>
  sut.sql(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'finetrack-api'`,
  );

describe('connections cut by PostgreSQL', () => {
  let sut: TestServer;

  beforeAll(async () => {
    sut = await startTestServer();
  });
  afterAll(async () => {
    await sut.stop();
  });

  it('fails the statements in flight, keeps the process up and answers again at once', async () => {
    const unhandled: unknown[] = [];
    const onUncaught = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      // Check out connections straight from the pool, as the metrics ingest does for COPY: two
      // sit idle (no statement running: the case that used to raise an unhandled 'error' event
      // and end the process), one runs a statement; TypeORM's own query runners run two more.
      const pool = poolOf(sut.server.dataSource);
      const idle = [await pool.connect(), await pool.connect()];
      const busy = await pool.connect();
      const busyOutcome = busy.query('SELECT pg_sleep(10)').then(
        () => 'finished',
        (error: unknown) => error,
      );
      const inFlight = Array.from({ length: 2 }, () =>
        sut.server.dataSource.query('SELECT pg_sleep(10)').then(
          () => 'finished',
          (error: unknown) => error,
        ),
      );
      await expect
        .poll(
          async () =>
            (
              await sut.sql<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND query = 'SELECT pg_sleep(10)'`,
              )
            )[0].n,
          { timeout: 5000 },
        )
        .toBe(3);
      await terminateApiConnections(sut);
      for (const outcome of await Promise.all(inFlight))
        expect(isDatabaseUnavailable(outcome)).toBe(true);
      expect(isDatabaseUnavailable(await busyOutcome)).toBe(true);
      busy.release(true);
      // The idle ones learn of it at their next statement, and are dropped when released.
      for (const client of idle) {
        const next = await client.query('SELECT 1').then(
          () => 'answered',
          (error: unknown) => error,
        );
        expect(isDatabaseUnavailable(next)).toBe(true);
        client.release();
      }
      // The pool dropped the broken clients and opens new ones: no restart needed.
      const response = await fetch(`${sut.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await sut.server.dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('tells an unreachable database from a wrong statement', async () => {
    const refused = new pg.Client({ connectionString: 'postgres://x@127.0.0.1:1/none' });
    const connectError = await refused.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    await refused.end().catch(() => undefined);
    const syntaxError = await sut.server.dataSource.query('SELEC 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    const missingTable = await sut.server.dataSource.query('SELECT * FROM no_such_table').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(connectError)).toBe(true);
    expect(isDatabaseUnavailable(syntaxError)).toBe(false);
    expect(isDatabaseUnavailable(missingTable)).toBe(false);
    expect(isDatabaseUnavailable({ code: '57P01', message: 'terminating connection' })).toBe(true);
    expect(isDatabaseUnavailable({ originalError: { code: '08006' } })).toBe(true);
  });
});

describe('uploads whose API process died', () => {
  it('leave .part files that the store removes once stale, never a live upload’s', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'finetrack-store-'));
    try {
      const incoming = path.join(root, '.incoming');
      await mkdir(incoming);
      // What `npm run faults` (api-killed-during-upload) finds after kill -9: a .part file.
      const orphan = path.join(incoming, 'killed.part');
      await writeFile(orphan, Buffer.alloc(1024));
      const old = (Date.now() - STALE_UPLOAD_MS - 60_000) / 1000;
      await utimes(orphan, old, old);
      await writeFile(path.join(incoming, 'in-progress.part'), Buffer.alloc(1024));
      const sut = new LocalDiskStore(root);
      // The first upload after a restart sweeps in the background.
      const staged = await sut.stage(
        '00000000-0000-4000-8000-000000000001/00000000-0000-4000-8000-000000000002',
        Readable.from([Buffer.from('bytes')]),
        100,
      );
      await expect
        .poll(async () => (await readdir(incoming)).sort(), { timeout: 2000 })
        .toEqual(expect.not.arrayContaining(['killed.part']));
      expect(await readdir(incoming)).toContain('in-progress.part');
      await staged.discard();
      expect(await sut.sweepIncoming(Date.now() + STALE_UPLOAD_MS + 1)).toBe(1);
      expect(await readdir(incoming)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
