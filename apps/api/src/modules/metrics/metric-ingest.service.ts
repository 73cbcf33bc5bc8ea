import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { KeyedLimiter } from '../../common/keyed-limiter.js';
import { leaseLost } from '../../common/lease-lost.js';
import { poolOf } from '../../db/data-source.js';
import { notFound } from '../../graphql/errors.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { chunkStats } from './metric-rollup.js';
import {
  COPY_POINTS_SQL,
  copyText,
  MERGE_CHUNKS_SQL,
  RECOMPUTE_CHUNKS_SQL,
  runLockKey,
  UPSERT_POINTS_SQL,
} from './metric-ingest.sql.js';
import type { MetricPointInput } from './metrics.types.js';
import { preparePoints, type PointColumns } from './metrics.validation.js';

/** A worker token's write: only while `leaseToken` is the run's live lease (null: none given). */
export interface LeaseCheck {
  leaseToken: string | null;
}

/** Writes metric points and keeps their roll-up (metric_chunks) current. */
export class MetricIngestService {
  /** One team's batches hold at most a few pool connections (the pool serves every team). */
  private readonly perTeam: KeyedLimiter;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    limits: { teamMaxConcurrentWrites: number; teamMaxQueuedWrites: number },
  ) {
    this.perTeam = new KeyedLimiter(
      limits.teamMaxConcurrentWrites,
      limits.teamMaxQueuedWrites,
      'metric batches',
    );
  }

  /**
   * Writes a batch idempotently. Fast path: COPY the points (one statement) and merge the
   * chunk roll-up; a unique violation means some (key, step) already exists, so the batch is
   * written again with INSERT … ON CONFLICT DO UPDATE (one statement) and its chunks are
   * recomputed. Writers of one run share an advisory lock; the overwriting path takes it
   * exclusively so its recompute never races a concurrent merge.
   */
  async log(
    actor: Actor,
    runId: string,
    points: MetricPointInput[],
    lease?: LeaseCheck,
  ): Promise<{ runId: string; written: number }> {
    const teamId = await this.access.requireOwned(actor, 'runs', runId, TeamRole.MEMBER, 'run');
    if (lease && lease.leaseToken === null) throw leaseLost();
    const columns = preparePoints(points, Date.now() / 1000);
    if (columns.keys.length === 0) return { runId, written: 0 };
    return this.perTeam.run(teamId, () => this.writeWithRetries(runId, columns, lease));
  }

  private async writeWithRetries(
    runId: string,
    columns: PointColumns,
    lease: LeaseCheck | undefined,
  ): Promise<{ runId: string; written: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await this.write(runId, columns, lease))) throw leaseLost();
        return { runId, written: columns.keys.length };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '23503') throw notFound('run'); // deleted meanwhile
        // Deadlocks should not happen (fixed row order), but if PostgreSQL picks us, try again.
        if (code !== '40P01' || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Whether the lease is the run's live one, inside the write's transaction. FOR SHARE holds the
   * run row until the batch commits: a requeue or a new claim (which update the row) waits, so no
   * point of an expired lease lands after the run changed hands.
   */
  private async holds(client: PoolClient, runId: string, lease: LeaseCheck): Promise<boolean> {
    const result = await client.query({
      name: 'finetrack-metric-lease',
      text: `SELECT 1 FROM runs WHERE id = $1 AND lease_token = $2 AND status = 'running' FOR SHARE`,
      values: [runId, lease.leaseToken],
    });
    return result.rowCount === 1;
  }

  /** Writes the batch; false (nothing written) when `lease` is given and is not the run's. */
  private async write(runId: string, columns: PointColumns, lease?: LeaseCheck): Promise<boolean> {
    const lock = runLockKey(runId);
    const client = await poolOf(this.dataSource).connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query(`BEGIN; SELECT pg_advisory_xact_lock_shared(${lock})`);
        if (lease && !(await this.holds(client, runId, lease))) {
          await client.query('ROLLBACK');
          return false;
        }
        await pipeline(
          Readable.from([copyText(runId, columns)]),
          client.query(copyFrom(COPY_POINTS_SQL)),
        );
        const chunks = chunkStats(columns);
        await client.query({
          name: 'finetrack-merge-metric-chunks',
          text: MERGE_CHUNKS_SQL,
          values: [
            runId,
            chunks.keys,
            chunks.chunks,
            chunks.counts,
            chunks.lowValues,
            chunks.lowSteps,
            chunks.lowWalls,
            chunks.highValues,
            chunks.highSteps,
            chunks.highWalls,
          ],
        });
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK');
        if ((error as { code?: string }).code !== '23505') throw error;
      }
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${lock})`);
      try {
        if (lease && !(await this.holds(client, runId, lease))) {
          await client.query('ROLLBACK');
          return false;
        }
        await client.query({
          name: 'finetrack-upsert-metric-points',
          text: UPSERT_POINTS_SQL,
          values: [runId, columns.keys, columns.steps, columns.values, columns.wallTimes],
        });
        const chunks = chunkStats(columns);
        await client.query({
          name: 'finetrack-recompute-metric-chunks',
          text: RECOMPUTE_CHUNKS_SQL,
          values: [runId, chunks.keys, chunks.chunks],
        });
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } catch (error) {
      // A connection that failed mid-protocol must not go back to the pool.
      if (!(error as { code?: string }).code) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
