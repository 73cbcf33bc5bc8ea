import { MIN_SCORE_SAMPLES, trainSamplesProblem } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { EntityRows } from '../../common/entity-rows.js';
import { rejectProblems } from '../../common/hyperparameters.js';
import { isUuid } from '../../common/pagination.js';
import { badInput, notFound } from '../../graphql/errors.js';
import type { EventsService } from '../events/events.service.js';
import { ModelKindEnum, ModelStatusEnum } from '../models/model.entity.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import type { ScoreSourceModelsInput } from './scores.inputs.js';
import { SourceModelScore } from './source-model-score.entity.js';

/**
 * Members' side of source-model scoring: queue scoring jobs and read their results. A job is
 * one row per (dataset version, model, training-set size); asking again for one already queued,
 * running or done returns that row, and only a failed one is queued again.
 */
export class ScoresService {
  private readonly rows: EntityRows<SourceModelScore>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly events: EventsService,
  ) {
    this.rows = new EntityRows(dataSource, SourceModelScore);
  }

  async score(actor: Actor, input: ScoreSourceModelsInput): Promise<SourceModelScore[]> {
    const teamId = await this.access.requireOwned(
      actor,
      'datasets',
      input.datasetId,
      TeamRole.MEMBER,
      'dataset',
    );
    const [dataset] = (await this.dataSource.query(
      'SELECT train_samples FROM datasets WHERE id = $1',
      [input.datasetId],
    )) as { train_samples: number }[];
    const trainSamples = input.trainSamples ?? null;
    if (trainSamples !== null) {
      const known = dataset && dataset.train_samples > 0 ? dataset.train_samples : null;
      const problem = trainSamplesProblem(trainSamples, known);
      rejectProblems(problem ? [problem] : []);
      if (trainSamples < MIN_SCORE_SAMPLES)
        throw badInput(`trainSamples must be at least ${MIN_SCORE_SAMPLES} to score`, {
          field: 'trainSamples',
        });
    }
    await this.requireSourceModels(teamId, input.modelIds);
    return this.enqueue(teamId, input.datasetId, input.modelIds, trainSamples);
  }

  /**
   * Queues the team's scoring jobs, checks done: one row per model (a failed one queued again,
   * the others as they are), returned in `modelIds` order.
   */
  async enqueue(
    teamId: string,
    datasetId: string,
    modelIds: string[],
    trainSamples: number | null,
  ): Promise<SourceModelScore[]> {
    const rows = await this.dataSource.transaction(async (manager) => {
      // Failed jobs go back to the queue; the others keep their row, done or not.
      await manager.query(
        `INSERT INTO source_model_scores (team_id, dataset_id, model_id, train_samples)
         SELECT $1, $2, model_id, $4 FROM unnest($3::uuid[]) AS model_id
         ON CONFLICT (dataset_id, model_id, (coalesce(train_samples, -1))) DO UPDATE
            SET status = 'queued', error_message = NULL, finished_at = NULL, started_at = NULL,
                lease_token = NULL, lease_expires_at = NULL, worker_id = NULL,
                created_at = now()
          WHERE source_model_scores.status = 'failed'`,
        [teamId, datasetId, modelIds, trainSamples],
      );
      return (await manager.query(
        `SELECT ${this.rows.columns()} FROM source_model_scores
          WHERE dataset_id = $1 AND model_id = ANY($2::uuid[])
            AND coalesce(train_samples, -1) = coalesce($3::integer, -1)`,
        [datasetId, modelIds, trainSamples],
      )) as Record<string, unknown>[];
    });
    const byModel = new Map(rows.map((row) => [row.modelId as string, this.rows.from(row)]));
    const scores = modelIds.map((id) => byModel.get(id)!);
    if (scores.some((score) => score.status === 'queued'))
      await this.events.publish({ type: 'score', teamId, status: 'queued' }).catch(() => undefined);
    return scores;
  }

  /** NOT_FOUND for a model outside the team; BAD_USER_INPUT for one that cannot be scored. */
  private async requireSourceModels(teamId: string, modelIds: string[]): Promise<void> {
    if (modelIds.some((id) => !isUuid(id))) throw notFound('model');
    const models = (await this.dataSource.query(
      'SELECT id, name, kind, status FROM models WHERE id = ANY($1::uuid[]) AND team_id = $2',
      [modelIds, teamId],
    )) as { id: string; name: string; kind: string; status: string }[];
    if (models.length !== modelIds.length) throw notFound('model');
    for (const model of models) {
      if (model.kind !== ModelKindEnum.SOURCE)
        throw badInput(`${model.name} is a target model; only source models are scored`, {
          field: 'modelIds',
        });
      if (model.status !== ModelStatusEnum.READY)
        throw badInput(`${model.name} has no weights yet (it is still being pretrained)`, {
          field: 'modelIds',
        });
    }
  }

  /**
   * The best validation accuracy a succeeded fine-tuning run (from the pretrained weights) of
   * the team's experiments reached from the score's source model on its dataset version with the
   * score's training-set size (null: runs on all samples), or null: what LogME's ranking is
   * checked against once runs finish. Sizes are not mixed: the best source for 100 samples need
   * not be the best for 5,000.
   */
  async bestFineTunedAccuracy(score: SourceModelScore): Promise<number | null> {
    const [row] = (await this.dataSource.query(
      `SELECT max(r.best_val_accuracy) AS best
         FROM runs r JOIN experiments e ON e.id = r.experiment_id
        WHERE e.team_id = $1 AND e.target_dataset_id = $2 AND e.source_model_id = $3
          AND r.kind = 'finetune' AND r.initialization = 'pretrained' AND r.status = 'succeeded'
          AND r.train_samples IS NOT DISTINCT FROM $4`,
      [score.teamId, score.datasetId, score.modelId, score.trainSamples],
    )) as { best: number | null }[];
    return row?.best ?? null;
  }

  /**
   * The latest score of each source model for the dataset version (any training-set size),
   * ranked by LogME, highest first; jobs without a LogME yet (queued, running, failed) last.
   */
  async list(actor: Actor, datasetId: string): Promise<SourceModelScore[]> {
    await this.access.requireOwned(actor, 'datasets', datasetId, TeamRole.VIEWER, 'dataset');
    const rows = (await this.dataSource.query(
      `SELECT * FROM (
         SELECT DISTINCT ON (model_id) ${this.rows.columns()} FROM source_model_scores
          WHERE dataset_id = $1
          ORDER BY model_id, coalesce(finished_at, created_at) DESC, id
       ) latest
       ORDER BY "logMe" DESC NULLS LAST, "createdAt", id`,
      [datasetId],
    )) as Record<string, unknown>[];
    return rows.map((row) => this.rows.from(row));
  }
}
