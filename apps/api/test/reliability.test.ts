import { ApiClient as SharedClient, ApiError } from '@finetrack/shared/client';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { poolOf } from '../src/db/data-source.js';
import { isDatabaseUnavailable } from '../src/db/database-unavailable.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/db/embedded-postgres.js';
import { createLogger, fileDestination } from '../src/logger.js';
import {
  LocalDiskStore,
  STALE_UPLOAD_MS,
  type ArtifactStore,
} from '../src/modules/artifacts/artifact-store.js';
import { createServer, type FinetrackServer } from '../src/server.js';
import { aSourceModel, aTeam, aUser, LOG_METRICS, SIGN_UP } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aQueuedExperiment } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';
import { recordSecret } from './secrets.js';

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

/**
 * An API on a fresh database of the cluster at `adminUrl`, like harness.ts's, but with the
 * artifact folder or store given (and on any cluster, not only the suite's).
 */
async function startServerOn(
  adminUrl: string,
  options: { artifactDir: string; store?: ArtifactStore },
): Promise<{
  url: string;
  server: FinetrackServer;
  sql<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}> {
  const database = `finetrack_reliability_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;
  const logFolder = inject('logFolder');
  const logger = logFolder
    ? createLogger('debug', fileDestination(path.join(logFolder, `api-${process.pid}.log`)))
    : undefined;
  const server = await createServer(
    {
      ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
      port: 0,
      host: '127.0.0.1',
      artifactDir: options.artifactDir,
      databaseUrl: databaseUrl.toString(),
    },
    { poolSize: 5, logger, store: options.store },
  );
  const url = await server.listen();
  const sql = async <T extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: databaseUrl.toString() });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    url,
    server,
    sql,
    async stop() {
      await server.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** A personal API token of `owner`, for the shared client. */
async function aToken(owner: ApiClient): Promise<string> {
  const data = await owner.gql(
    `mutation { createApiToken(input: { name: "reliability" }) { token } }`,
  );
  const token = data.createApiToken.token as string;
  recordSecret('API token', token, { hashed: true });
  return token;
}

const ME = '{ me { id } }';
const SERVICE_UNAVAILABLE = {
  status: 503,
  retryAfter: '1',
  code: 'SERVICE_UNAVAILABLE',
  message: 'the database is unavailable for a moment; try again',
};

/** What an answer says, in the terms the tests compare. */
async function answerOf(response: Response) {
  const body = (await response.json()) as {
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    code: body.errors?.[0]?.extensions?.code,
    message: body.errors?.[0]?.message,
    body: JSON.stringify(body),
  };
}

describe('while PostgreSQL is away', () => {
  // A cluster of its own: stopping the suite's would fail the test files running beside this one.
  let home: string;
  let postgres: RunningPostgres;
  let sut: Awaited<ReturnType<typeof startServerOn>>;
  let away = false;
  const shutDown = async () => {
    away = true;
    await postgres.shutDown();
  };
  const startAgain = async () => {
    await postgres.startAgain();
    away = false;
  };

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'finetrack-outage-'));
    await chmod(home, 0o755); // the postgres user must reach its data folder
    const quiet = { info: () => undefined, debug: () => undefined };
    postgres = await startEmbeddedPostgres(home, quiet, {
      extraFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    });
    sut = await startServerOn(postgres.url, { artifactDir: path.join(home, 'artifacts') });
  }, 60_000);
  afterAll(async () => {
    if (away) await startAgain();
    await sut?.stop();
    await postgres?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After and SERVICE_UNAVAILABLE, then normally once it is back', async () => {
    const { client: owner } = await aUser(sut.url);
    const token = await aToken(owner);
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const email = `outage-${randomBytes(4).toString('hex')}@example.test`;
    const signUp = JSON.stringify({
      query: SIGN_UP,
      variables: { input: { email, password: 'correct horse battery', name: 'Outage' } },
    });
    const artifactUrl = `${sut.url}/artifacts/00000000-0000-4000-8000-000000000000`;
    const calls = {
      // The token lookup in the context function.
      'a query with a token': () =>
        fetch(`${sut.url}/graphql`, {
          method: 'POST',
          headers: bearer,
          body: JSON.stringify({ query: ME }),
        }),
      // No lookup before the resolver: the mutation's own statements fail.
      'an anonymous mutation': () =>
        fetch(`${sut.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: signUp,
        }),
      'an artifact download': () => fetch(artifactUrl, { headers: bearer }),
      'an artifact upload': () =>
        fetch(artifactUrl, { method: 'PUT', headers: bearer, body: Buffer.from('bytes') }),
    };

    await shutDown();
    expect((await fetch(`${sut.url}/healthz`)).status).toBe(503);
    for (const [name, call] of Object.entries(calls)) {
      const answer = await answerOf(await call());
      expect({ name, ...answer, body: undefined }).toEqual({
        name,
        ...SERVICE_UNAVAILABLE,
        body: undefined,
      });
      // Nothing of the failure reaches the caller: no SQL, no driver message, no stack.
      expect(answer.body).not.toMatch(/SELECT|INSERT|ECONNREFUSED|terminat|stack|at .*\.js/i);
    }

    await startAgain();
    await expect
      .poll(async () => (await fetch(`${sut.url}/healthz`)).status, { timeout: 15_000 })
      .toBe(200);
    expect(await answerOf(await calls['a query with a token']())).toMatchObject({
      status: 200,
      retryAfter: null,
      code: undefined,
    });
    expect(await answerOf(await calls['an artifact download']())).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    // The failed sign-up left nothing behind: the same one succeeds now, once.
    expect(await sut.sql('SELECT id FROM users WHERE email = $1', [email])).toEqual([]);
    expect(await answerOf(await calls['an anonymous mutation']())).toMatchObject({
      status: 200,
      code: undefined,
    });
    expect(await sut.sql('SELECT id FROM users WHERE email = $1', [email])).toHaveLength(1);
  }, 60_000);

  it('lets the shared client retry through it without losing or duplicating a point', async () => {
    const fixtures = await aQueuedExperiment(sut.url);
    const runId = fixtures.runIds[0];
    const token = await aToken(fixtures.owner);
    const retried: string[] = [];
    const sutClient = new SharedClient({
      url: sut.url,
      token,
      timeoutMs: 10_000,
      retry: { maxAttempts: Infinity, baseDelayMs: 50, maxDelayMs: 500, maxElapsedMs: 60_000 },
      onRetry: (error) => retried.push(`${error.code} ${error.status}`),
    });
    const BATCHES = 12;
    const STEPS = 10;
    let acknowledged = 0;
    const writer = (async () => {
      for (let batch = 0; batch < BATCHES; batch++) {
        const points = Array.from({ length: STEPS }, (_, i) => ({
          key: 'loss',
          step: batch * STEPS + i,
          value: batch * STEPS + i,
        }));
        await sutClient.request(LOG_METRICS, { runId, points });
        acknowledged++;
      }
    })();
    await expect.poll(() => acknowledged, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    await shutDown();
    // Down until the client has been told to wait at least once.
    await expect.poll(() => retried, { timeout: 15_000 }).toContain('SERVICE_UNAVAILABLE 503');
    await startAgain();
    await writer;

    expect(acknowledged).toBe(BATCHES);
    const [stored] = await sut.sql<{ points: number; steps: number; wrong: number }>(
      `SELECT count(*)::int AS points, count(DISTINCT step)::int AS steps,
              count(*) FILTER (WHERE value <> step)::int AS wrong
         FROM metric_points WHERE run_id = $1 AND key = 'loss'`,
      [runId],
    );
    expect(stored).toEqual({ points: BATCHES * STEPS, steps: BATCHES * STEPS, wrong: 0 });
    // Every retry was a retryable answer from the API, none a give-up.
    expect(new Set(retried)).toEqual(new Set(['SERVICE_UNAVAILABLE 503']));
  }, 60_000);
});

describe('a full artifact store', () => {
  // Where the bytes go: /dev/full (every write fails with ENOSPC, no root needed) through the
  // store's own write path; and, as root, a real 2 MiB tmpfs as the artifact folder.
  const root = process.getuid?.() === 0;
  const cases: { name: string; setUp(folder: string): Promise<ArtifactStore | undefined> }[] = [
    {
      name: 'every write fails with ENOSPC (/dev/full)',
      setUp: async (folder) =>
        new LocalDiskStore(folder, undefined, () => createWriteStream('/dev/full')),
    },
  ];
  if (root)
    cases.push({
      name: 'a 2 MiB tmpfs as the artifact folder',
      setUp: async (folder) => {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', folder]);
        mounted.push(folder);
        return undefined;
      },
    });
  const mounted: string[] = [];
  const scratch: string[] = [];
  afterAll(async () => {
    for (const folder of mounted) execFileSync('umount', [folder]);
    for (const folder of scratch) await rm(folder, { recursive: true, force: true });
  });

  it('runs as root in CI, so the tmpfs case is never left out there', () => {
    if (process.env.CI) expect(root).toBe(true);
  });

  it.each(cases)(
    '$name: answers 507 INSUFFICIENT_STORAGE, keeps nothing, takes a small file after',
    async ({ setUp }) => {
      const base = await mkdtemp(path.join(tmpdir(), 'finetrack-full-'));
      scratch.push(base);
      const artifactDir = path.join(base, 'artifacts');
      await mkdir(artifactDir);
      const store = await setUp(artifactDir);
      const sut = await startServerOn(inject('adminDatabaseUrl'), { artifactDir, store });
      try {
        const { client: owner } = await aUser(sut.url);
        const teamId = (await aTeam(owner)).id;
        const modelId = (await aSourceModel(owner, teamId)).id;
        const token = await aToken(owner);
        const retried: string[] = [];
        const client = new SharedClient({
          url: sut.url,
          token,
          retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
          onRetry: (error) => retried.push(error.code),
        });
        const upload = async (bytes: Buffer) => {
          const sha256 = createHash('sha256').update(bytes).digest('hex');
          const created = await owner.gql(
            `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
            {
              input: {
                modelId,
                kind: 'weights',
                fileName: 'weights.bin',
                byteSize: bytes.length,
                sha256,
              },
            },
          );
          const id = created.createArtifact.id as string;
          const file = path.join(base, `${id}.bin`);
          await writeFile(file, bytes);
          const outcome = await client
            .uploadArtifact(id, file, { byteSize: bytes.length, sha256 })
            .then(
              () => 'stored',
              (error: unknown) => error,
            );
          return { id, outcome };
        };

        const big = await upload(randomBytes(3 * 1024 * 1024));
        expect(big.outcome).toBeInstanceOf(ApiError);
        const error = big.outcome as ApiError;
        expect({ code: error.code, status: error.status, retryable: error.retryable }).toEqual({
          code: 'INSUFFICIENT_STORAGE',
          status: 507,
          retryable: false,
        });
        expect(error.message).toMatch(/^the artifact store is full: /);
        expect(retried).toEqual([]);
        // Nothing partial: no file anywhere in the folder, the artifact still pending, GET 404.
        expect(await readdir(artifactDir, { recursive: true })).toEqual(
          expect.not.arrayContaining([expect.stringMatching(/\.part$|[0-9a-f-]{36}$/)]),
        );
        expect(
          await sut.sql<{ status: string }>('SELECT status FROM artifacts WHERE id = $1', [big.id]),
        ).toEqual([{ status: 'pending' }]);
        const download = await fetch(`${sut.url}/artifacts/${big.id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(download.status).toBe(404);

        // On a real full disk the space comes back at once: a small file fits.
        if (!store) expect((await upload(randomBytes(256 * 1024))).outcome).toBe('stored');
      } finally {
        await sut.stop();
      }
    },
    60_000,
  );
});
