import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, fileDestination } from '../src/logger.js';
import { createServer, type FinetrackServer } from '../src/server.js';
import { recordSecret } from './secrets.js';

export interface TestServer {
  url: string;
  server: FinetrackServer;
  databaseUrl: string;
  /** Runs SQL against the test database directly (to check what is stored). */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<T[]>;
  /**
   * Starts recording the SQL the API's DataSource sends (every query TypeORM runs, resolvers and
   * raw queries alike; not pg-boss or LISTEN). `stop()` returns what was sent meanwhile.
   */
  recordQueries(): { stop(): string[] };
  stop(): Promise<void>;
}

/** What the database holds that must never be logged: password hashes, token hashes, leases. */
async function recordStoredSecrets(pool: pg.Pool): Promise<void> {
  const rows = await pool.query<{ kind: string; value: string }>(
    `SELECT 'password hash' AS kind, password_hash AS value FROM users
     UNION ALL SELECT 'session hash', token_hash FROM sessions
     UNION ALL SELECT 'API token hash', token_hash FROM api_tokens
     UNION ALL SELECT 'lease token', lease_token FROM runs WHERE lease_token IS NOT NULL`,
  );
  for (const row of rows.rows) recordSecret(row.kind, row.value);
}

/** Taps TypeORM's logger, which sees every query whatever the logging option says. */
function queryTap(dataSource: FinetrackServer['dataSource']) {
  const recorders = new Set<string[]>();
  const logger = dataSource.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, queryRunner) => {
    for (const recorder of recorders) recorder.push(query);
    return logQuery(query, parameters, queryRunner);
  };
  return () => {
    const recorded: string[] = [];
    recorders.add(recorded);
    return {
      stop() {
        recorders.delete(recorded);
        return recorded;
      },
    };
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh database (real migrations applied) and an API listening on 127.0.0.1:0. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: { logger?: Logger } = {},
): Promise<TestServer> {
  const adminUrl = inject('adminDatabaseUrl');
  const database = `finetrack_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, database);
  const config = {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    port: 0,
    host: '127.0.0.1',
    // Every test signs its users up from 127.0.0.1; the limit has tests of its own.
    signUpMaxPerAddress: 1_000_000,
    // Tests invite many members from one owner; the invitation limits have tests of their own.
    invitationsPerTeamPerHour: 1_000_000,
    invitationsPerInviterPerHour: 1_000_000,
    ...overrides,
    databaseUrl,
  };
  // Unless a test brings its own, the server logs everything (debug) to the run's log folder,
  // which global-setup searches for secrets at the end.
  const logFolder = inject('logFolder');
  const logger =
    options.logger ??
    (logFolder
      ? createLogger('debug', fileDestination(path.join(logFolder, `api-${process.pid}.log`)))
      : undefined);
  const server = await createServer(config, { poolSize: 5, logger });
  const url = await server.listen();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const recordQueries = queryTap(server.dataSource);
  return {
    recordQueries,
    url,
    server,
    databaseUrl,
    async sql(text, values) {
      return (await pool.query(text, values)).rows;
    },
    async stop() {
      await server.close();
      await recordStoredSecrets(pool).catch(() => undefined);
      await pool.end();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
