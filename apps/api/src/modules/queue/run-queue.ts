import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** pg-boss owns this schema (its own migrations); nothing else writes there. */
export const QUEUE_SCHEMA = 'pgboss';

export type JobKind = 'pretrain' | 'finetune';

/** PostgreSQL's deadlock_detected: the transaction it aborted may simply run again. */
const DEADLOCK_DETECTED = '40P01';

async function retryDeadlocks<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= attempts)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt * Math.random()));
    }
  }
}

/** A queue is named `<prefix>-<kind>-<team id>` (see RunQueue.queueName). */
const QUEUE_NAME_PREFIX = 'runs';

/** A transaction whose statements pg-boss can join (its `db` option). */
export interface Transaction {
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  readonly db: { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };
}

function wrap(runner: QueryRunner): Transaction {
  const query = async <R>(sql: string, values?: unknown[]) =>
    ((await runner.query(sql, values, true)) as { records: R[] }).records;
  return {
    query,
    db: { executeSql: async (text, values) => ({ rows: await query(text, values) }) },
  };
}

/** The Transaction view of a TypeORM transaction's manager. */
export function transactionOf(manager: EntityManager): Transaction {
  if (!manager.queryRunner) throw new Error('not inside a transaction');
  return wrap(manager.queryRunner);
}

export async function inTransaction<T>(
  dataSource: DataSource,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  const tx = wrap(runner);
  try {
    await runner.startTransaction();
    const result = await work(tx);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/**
 * The run queue on pg-boss: one queue per team and job kind (a worker token only ever takes its
 * own team's jobs), one job per run (the run's `job_id`). pg-boss's own expiry and retries stay
 * out of the way (no retries, a day-long expiry): leases on the run decide when a job is given
 * to another worker, and a re-queued run gets a fresh job.
 */
export class RunQueue {
  private readonly boss: PgBoss;
  private readonly queues = new Map<string, Promise<void>>();
  /** The queue creation in progress: the next one waits for it. */
  private creating: Promise<void> = Promise.resolve();

  constructor(databaseUrl: string, logger: Logger) {
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      schema: QUEUE_SCHEMA,
      max: 3,
      schedule: false,
      application_name: 'finetrack-api-queue',
    });
    this.boss.on('error', (error: Error) =>
      logger.warn({ err: { message: error.message } }, 'pg-boss error'),
    );
  }

  async start(): Promise<void> {
    await this.boss.start();
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
  }

  static queueName(teamId: string, kind: JobKind): string {
    return `${QUEUE_NAME_PREFIX}-${kind}-${teamId}`;
  }

  /**
   * Creates the team's queues once per process (idempotent in pg-boss too). pg-boss makes a queue
   * as a partition of its job table with foreign keys to its queue table, and two such creations
   * at once deadlock in PostgreSQL (each holds the queue table's row lock the other's foreign key
   * needs). So this process makes one queue at a time, and a deadlock with another API process
   * (PostgreSQL aborts one side) is retried.
   */
  ensureQueues(teamId: string): Promise<void> {
    let ready = this.queues.get(teamId);
    if (!ready) {
      ready = this.creating.then(async () => {
        for (const kind of ['pretrain', 'finetune'] as const)
          await retryDeadlocks(() =>
            this.boss.createQueue(RunQueue.queueName(teamId, kind), {
              name: RunQueue.queueName(teamId, kind),
              policy: 'standard',
              retryLimit: 0,
              expireInSeconds: 23 * 3600,
              retentionMinutes: 60 * 24 * 7,
            }),
          );
      });
      this.creating = ready.catch(() => undefined);
      ready.catch(() => this.queues.delete(teamId));
      this.queues.set(teamId, ready);
    }
    return ready;
  }

  /**
   * Adds runs' jobs inside `tx` in one statement, each under the id already stored in
   * runs.job_id. The queues must exist (`ensureQueues`).
   */
  async sendAll(
    tx: Transaction,
    jobs: { teamId: string; kind: JobKind; runId: string; jobId: string }[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({
        id: job.jobId,
        name: RunQueue.queueName(job.teamId, job.kind),
        data: { runId: job.runId },
      })),
      { db: tx.db },
    );
  }

  /** The next job of a queue (SKIP LOCKED inside pg-boss), or undefined. */
  async fetch(teamId: string, kind: JobKind): Promise<{ id: string; runId: string } | undefined> {
    const [job] = await this.boss.fetch<{ runId: string }>(RunQueue.queueName(teamId, kind), {
      batchSize: 1,
    });
    return job ? { id: job.id, runId: job.data.runId } : undefined;
  }

  async complete(tx: Transaction | null, teamId: string, kind: JobKind, jobId: string) {
    await this.boss.complete(RunQueue.queueName(teamId, kind), jobId, {}, tx ? { db: tx.db } : {});
  }

  async cancel(tx: Transaction | null, teamId: string, kind: JobKind, jobId: string) {
    await this.boss.cancel(RunQueue.queueName(teamId, kind), jobId, tx ? { db: tx.db } : {});
  }

  async fail(tx: Transaction, teamId: string, kind: JobKind, jobId: string) {
    await this.boss.fail(RunQueue.queueName(teamId, kind), jobId, {}, { db: tx.db });
  }
}

/**
 * The queued runs of the team at `$team` (a placeholder) with their place in pg-boss's queue,
 * ordered the way a claim takes them: pretraining runs before fine-tuning runs (a worker that
 * takes both asks the pretrain queue first), each queue by priority, created_on and id (pg-boss's
 * fetch order). A run without a live job (waiting for its source model) comes last, `has_job`
 * false. Reads pg-boss's table, which only pg-boss writes.
 */
export function queuedRunsInClaimOrderSql(team: string): string {
  return `SELECT r.id, r.kind, j.id IS NOT NULL AS has_job
       FROM runs r
       LEFT JOIN ${QUEUE_SCHEMA}.job j
         ON j.id = r.job_id AND j.name = '${QUEUE_NAME_PREFIX}-' || r.kind || '-' || r.team_id
        AND j.state < 'active'
      WHERE r.team_id = ${team} AND r.status = 'queued' AND NOT r.external
      ORDER BY j.id IS NULL, r.kind <> 'pretrain', j.priority DESC, j.created_on, j.id, r.id`;
}
