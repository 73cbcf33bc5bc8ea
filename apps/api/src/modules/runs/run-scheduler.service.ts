import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config.js';
import { EntityRows } from '../../common/entity-rows.js';
import type { ArtifactDeletions } from '../artifacts/artifact-deletions.js';
import type { RunArtifactsService } from '../artifacts/run-artifacts.service.js';
import {
  inTransaction,
  type JobKind,
  type RunQueue,
  type Transaction,
} from '../queue/run-queue.js';
import { Run } from './run.entity.js';
import { v7 as uuidv7 } from 'uuid';

/**
 * When runs are handed out: jobs for queued runs, the way back to the queue, and the reaper
 * that re-queues runs whose lease expired.
 */
export class RunSchedulerService {
  private readonly rows: EntityRows<Run>;
  private reaper: NodeJS.Timeout | undefined;
  private reaping: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: RunQueue,
    private readonly runArtifacts: RunArtifactsService,
    private readonly artifactDeletions: ArtifactDeletions,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.rows = new EntityRows(dataSource, Run);
  }

  /**
   * Gives every queued run among `runIds` without a job a pg-boss job, inside `tx` — except
   * fine-tuning runs whose source model is not ready (they are queued when it is).
   *
   * Longest first: jobs added together share pg-boss's `created_on` (the transaction's time),
   * which orders them by id next, so the ids are handed out in order of each run's expected work
   * (epochs × training samples × weight-bearing layers it trains). With several workers the
   * short runs then fill in at the end instead of one long run finishing alone. The ids are
   * time-ordered (UUIDv7, monotonic within this process), so jobs of an earlier call come first
   * even inside the same transaction.
   */
  async enqueue(tx: Transaction, runIds: string[]): Promise<number> {
    if (runIds.length === 0) return 0;
    const rows = await tx.query<{
      id: string;
      team_id: string;
      kind: JobKind;
      work: number;
    }>(
      `SELECT r.id, r.team_id, r.kind,
              r.epochs::float8 * coalesce(d.train_samples, 1) * greatest(1,
                (SELECT count(*) FROM jsonb_array_elements(m.layers) layer
                  WHERE (layer ->> 'weightBearing')::boolean)
                - CASE WHEN r.initialization = 'scratch' THEN 0 ELSE r.frozen_layers END) AS work
         FROM runs r
         LEFT JOIN experiments e ON e.id = r.experiment_id
         LEFT JOIN models m ON m.id = e.source_model_id
         LEFT JOIN models trained ON trained.id = r.model_id
         LEFT JOIN datasets d ON d.id = coalesce(e.target_dataset_id, trained.dataset_id)
        WHERE r.id = ANY($1::uuid[]) AND r.status = 'queued' AND r.job_id IS NULL
          AND NOT r.external AND (r.kind = 'pretrain' OR m.status = 'ready')
        ORDER BY r.created_at, r.id
        FOR UPDATE OF r`,
      [runIds],
    );
    if (rows.length === 0) return 0;
    // A stable sort: equal work keeps the order the runs were created in.
    const ordered = [...rows].sort((a, b) => b.work - a.work);
    const jobIds = ordered.map(() => uuidv7());
    await tx.query(
      `UPDATE runs SET job_id = queued.job_id
         FROM unnest($1::uuid[], $2::uuid[]) AS queued(id, job_id)
        WHERE runs.id = queued.id`,
      [ordered.map((row) => row.id), jobIds],
    );
    for (const teamId of new Set(ordered.map((row) => row.team_id)))
      await this.queue.ensureQueues(teamId);
    await this.queue.sendAll(
      tx,
      ordered.map((row, index) => ({
        teamId: row.team_id,
        kind: row.kind,
        runId: row.id,
        jobId: jobIds[index],
      })),
    );
    return rows.length;
  }

  /** `enqueue` in a transaction of its own (after the one that created the runs). */
  enqueueRuns(runIds: string[]): Promise<number> {
    return inTransaction(this.dataSource, (tx) => this.enqueue(tx, runIds));
  }

  /** Queues the runs of an experiment that have no job yet (idempotent). */
  async enqueueExperiment(experimentId: string): Promise<number> {
    return inTransaction(this.dataSource, async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `SELECT id FROM runs WHERE experiment_id = $1 AND status = 'queued' AND job_id IS NULL`,
        [experimentId],
      );
      return this.enqueue(
        tx,
        rows.map((row) => row.id),
      );
    });
  }

  /** Queues fine-tuning runs that waited for this (now ready) source model. */
  async enqueueWaitingOn(tx: Transaction, modelId: string): Promise<void> {
    const rows = await tx.query<{ id: string }>(
      `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id
        WHERE e.source_model_id = $1 AND r.status = 'queued' AND r.job_id IS NULL`,
      [modelId],
    );
    await this.enqueue(
      tx,
      rows.map((row) => row.id),
    );
  }

  /** Ends a run's job in pg-boss; a job already gone is fine. */
  async endJob(
    tx: Transaction | null,
    run: { teamId: string; kind: string; jobId: string | null },
    how: 'complete' | 'cancel' | 'fail',
  ): Promise<void> {
    if (!run.jobId) return;
    await this.queue.ensureQueues(run.teamId);
    const kind = run.kind as JobKind;
    if (how === 'complete') await this.queue.complete(tx, run.teamId, kind, run.jobId);
    else if (how === 'fail' && tx) await this.queue.fail(tx, run.teamId, kind, run.jobId);
    else await this.queue.cancel(tx, run.teamId, kind, run.jobId);
  }

  /**
   * Back to the queue keeping the checkpoint pointer and the old lease token (so a repeated
   * releaseRun is recognised), with a fresh job. Returns the run as re-queued.
   */
  async requeue(tx: Transaction, run: Run): Promise<Run> {
    const [row] = await tx.query(
      `UPDATE runs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL, job_id = NULL,
              queued_at = date_trunc('milliseconds', now()), finished_at = NULL
        WHERE id = $1 RETURNING ${this.rows.columns()}`,
      [run.id],
    );
    await this.endJob(tx, run, 'cancel');
    await this.enqueue(tx, [run.id]);
    return this.rows.from(row);
  }

  /**
   * Re-queues runs whose lease expired. Safe with several API processes: each takes the
   * expired rows with FOR UPDATE SKIP LOCKED, so a run is re-queued once.
   */
  async reap(): Promise<number> {
    const count = await inTransaction(this.dataSource, async (tx) => {
      const rows = await tx.query(
        `SELECT ${this.rows.columns()} FROM runs
          WHERE status = 'running' AND NOT external AND lease_expires_at < now()
          ORDER BY lease_expires_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) await this.requeue(tx, this.rows.from(row));
      return rows.length;
    });
    if (count > 0) this.logger.info({ runs: count }, 're-queued runs whose lease expired');
    await this.runArtifacts.deleteAbandoned();
    // The sweep for deleted artifacts' files whose announcement was lost (a crash, a lost
    // connection): their queue rows stay until the files are gone.
    await this.artifactDeletions.drain();
    return count;
  }

  startReaper(): void {
    const every = Math.min(15_000, Math.max(500, (this.config.runLeaseSeconds * 1000) / 4));
    this.reaper = setInterval(() => {
      if (this.reaping) return;
      this.reaping = this.reap()
        .then(() => undefined)
        .catch((error: Error) =>
          this.logger.warn({ err: { message: error.message } }, 'lease reaper failed'),
        )
        .finally(() => (this.reaping = undefined));
    }, every);
    this.reaper.unref();
  }

  async stopReaper(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    await this.reaping;
  }
}
