import { randomBytes } from 'node:crypto';
import {
  MAX_SCORE_ATTEMPTS,
  SCORE_LEASE_SECONDS,
  WORKER_PROTOCOL_VERSION,
} from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { EntityRows } from '../../common/entity-rows.js';
import { leaseLost } from '../../common/lease-lost.js';
import { isUuid } from '../../common/pagination.js';
import { badInput, notFound } from '../../graphql/errors.js';
import type { ArtifactsService } from '../artifacts/artifacts.service.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import type { ModelsService } from '../models/models.service.js';
import { requireWorker, workerRunScope, type WorkerViewer } from '../runs/worker-viewer.js';
import { toArtifactRef } from '../runs/worker-claim.types.js';
import type {
  ClaimedScoreJob,
  ClaimScoreJobInput,
  CompleteScoreJobInput,
  FailScoreJobInput,
} from './score-jobs.types.js';
import { SourceModelScore } from './source-model-score.entity.js';

/**
 * Scoring jobs from the worker's side. The `source_model_scores` row is the queue entry itself:
 * a claim takes the oldest queued row of the worker's team (any team for an instance worker)
 * with SKIP LOCKED, or one whose lease has expired (its worker died), so no pg-boss job and no
 * reaper are needed. The lease is proven by its token on complete and fail, as for runs.
 */
export class ScoreJobsService {
  private readonly rows: EntityRows<SourceModelScore>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly datasets: DatasetsService,
    private readonly models: ModelsService,
    private readonly artifacts: ArtifactsService,
  ) {
    this.rows = new EntityRows(dataSource, SourceModelScore);
  }

  /** The next scoring job with a lease, or null when none is waiting. Never waits. */
  async claim(actor: Actor, input: ClaimScoreJobInput): Promise<ClaimedScoreJob | null> {
    const viewer = requireWorker(actor);
    if (input.capabilities.protocolVersion !== WORKER_PROTOCOL_VERSION)
      throw badInput(
        `this API speaks worker protocol ${WORKER_PROTOCOL_VERSION}, the worker ${input.capabilities.protocolVersion}`,
        { field: 'capabilities.protocolVersion' },
      );
    const scope = [viewer.tokenTeamId, viewer.tokenId] as const;
    // Jobs whose workers died too often fail rather than take down the next worker too.
    await this.dataSource.query(
      `UPDATE source_model_scores
          SET status = 'failed', finished_at = now(), lease_expires_at = NULL,
              error_message = 'the workers scoring this stopped answering ' || attempts || ' times'
        WHERE ($1::uuid IS NULL OR team_id = $1) AND status = 'running'
          AND lease_expires_at < now() AND attempts >= $2`,
      [scope[0], MAX_SCORE_ATTEMPTS],
    );
    const held = await this.heldBy(viewer, input.workerId);
    if (held) return this.describe(held);
    const leaseToken = randomBytes(24).toString('base64url');
    const [rows] = (await this.dataSource.query(
      `UPDATE source_model_scores
          SET status = 'running', worker_id = $2, worker_token_id = $3, lease_token = $4,
              lease_expires_at = now() + make_interval(secs => $5), attempts = attempts + 1,
              started_at = now(), error_message = NULL
        WHERE id = (SELECT id FROM source_model_scores
                     WHERE ($1::uuid IS NULL OR team_id = $1)
                       AND (status = 'queued' OR (status = 'running' AND lease_expires_at < now()))
                     ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING ${this.rows.columns()}`,
      [scope[0], input.workerId, scope[1], leaseToken, SCORE_LEASE_SECONDS],
    )) as [Record<string, unknown>[], number];
    return rows[0] ? this.describe(this.rows.from(rows[0])) : null;
  }

  /** Whether a claim would find a scoring job now (for the worker's team, or any team). */
  async waiting(teamId: string | null): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM source_model_scores
        WHERE ($1::uuid IS NULL OR team_id = $1)
          AND (status = 'queued' OR (status = 'running' AND lease_expires_at < now()))
        LIMIT 1`,
      [teamId],
    );
    return rows.length > 0;
  }

  /** A retried claim gets the lease the same worker id already holds through the same token. */
  private async heldBy(viewer: WorkerViewer, workerId: string): Promise<SourceModelScore | null> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.rows.columns()} FROM source_model_scores
        WHERE ${workerRunScope('$1', '$3')} AND worker_id = $2 AND worker_token_id = $3
          AND status = 'running' AND lease_expires_at > now()
        LIMIT 1`,
      [viewer.tokenTeamId, workerId, viewer.tokenId],
    );
    return rows[0] ? this.rows.from(rows[0]) : null;
  }

  /**
   * The job description, or null when the dataset or model was deleted since the claim (which
   * deleted the score too, ON DELETE CASCADE): the worker then simply claims again.
   */
  private async describe(score: SourceModelScore): Promise<ClaimedScoreJob | null> {
    const dataset = await this.datasets.find(score.datasetId);
    const model = await this.models.findById(score.modelId);
    if (!dataset || !model) return null;
    const files = await this.artifacts.listStored({ modelId: model.id });
    return {
      scoreId: score.id,
      teamId: score.teamId,
      attempt: score.attempts,
      leaseToken: score.leaseToken!,
      leaseExpiresAt: score.leaseExpiresAt!,
      trainSamples: score.trainSamples,
      dataset: {
        id: dataset.id,
        name: dataset.name,
        spec: dataset.spec as unknown as Record<string, unknown>,
        classNames: dataset.classNames,
      },
      sourceModel: {
        id: model.id,
        name: model.name,
        architecture: model.architecture,
        inputShape: model.inputShape,
        preprocessing: model.preprocessing,
        artifacts: files.map(toArtifactRef),
      },
    };
  }

  /** The score row the worker may touch, locked, checked against its lease token. */
  private async leased(
    actor: Actor,
    scoreId: string,
    leaseToken: string,
    change: (score: SourceModelScore, query: DataSource['query']) => Promise<SourceModelScore>,
  ): Promise<SourceModelScore> {
    const viewer = requireWorker(actor);
    if (!isUuid(scoreId)) throw notFound('score');
    return this.dataSource.transaction(async (manager) => {
      const query: DataSource['query'] = (sql, params) => manager.query(sql, params);
      const rows: Record<string, unknown>[] = await query(
        `SELECT ${this.rows.columns()} FROM source_model_scores
          WHERE id = $1 AND ${workerRunScope('$2', '$3')} FOR UPDATE`,
        [scoreId, viewer.tokenTeamId, viewer.tokenId],
      );
      if (!rows[0]) throw notFound('score');
      const score = this.rows.from(rows[0]);
      if (score.leaseToken !== leaseToken) throw leaseLost();
      return change(score, query);
    });
  }

  /** Stores the scores; the same call again returns the stored row. */
  async complete(actor: Actor, input: CompleteScoreJobInput): Promise<SourceModelScore> {
    for (const field of ['logMe', 'leep', 'nce', 'seconds'] as const) {
      const value = input[field];
      if (value !== null && value !== undefined && !Number.isFinite(value))
        throw badInput(`${field} must be finite`, { field });
    }
    return this.leased(actor, input.scoreId, input.leaseToken, async (score, query) => {
      if (score.status === 'succeeded') return score;
      if (score.status !== 'running') throw leaseLost();
      const [rows] = (await query(
        `UPDATE source_model_scores
            SET status = 'succeeded', log_me = $2, leep = $3, nce = $4, feature_dimension = $5,
                samples = $6, seconds = $7, finished_at = now(), lease_expires_at = NULL
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [
          score.id,
          input.logMe,
          input.leep ?? null,
          input.nce ?? null,
          input.featureDimension,
          input.samples,
          input.seconds,
        ],
      )) as [Record<string, unknown>[], number];
      return this.rows.from(rows[0]!);
    });
  }

  /** The job failed for good (a readable sentence); the same call again changes nothing. */
  async fail(actor: Actor, input: FailScoreJobInput): Promise<SourceModelScore> {
    const error = input.error.trim() || 'the worker reported a failure without a message';
    return this.leased(actor, input.scoreId, input.leaseToken, async (score, query) => {
      if (score.status === 'failed') return score;
      if (score.status !== 'running') throw leaseLost();
      const [rows] = (await query(
        `UPDATE source_model_scores
            SET status = 'failed', error_message = $2, finished_at = now(), lease_expires_at = NULL
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [score.id, error],
      )) as [Record<string, unknown>[], number];
      return this.rows.from(rows[0]!);
    });
  }
}
