import { confusionMatrixProblem, worstClass } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { EntityRows } from '../../common/entity-rows.js';
import { leaseLost } from '../../common/lease-lost.js';
import { isUuid } from '../../common/pagination.js';
import type { Config } from '../../config.js';
import { badInput, notFound } from '../../graphql/errors.js';
import type { RunArtifactsService } from '../artifacts/run-artifacts.service.js';
import type { ExperimentsService } from '../experiments/experiments.service.js';
import { InitializationEnum, ModelKindEnum, type Model } from '../models/model.entity.js';
import type { ModelsService } from '../models/models.service.js';
import { inTransaction, type Transaction } from '../queue/run-queue.js';
import type { RunSchedulerService } from './run-scheduler.service.js';
import { Run, RunKindEnum, RunStatusEnum } from './run.entity.js';
import { requireWorker, workerRunScope } from './worker-viewer.js';
import type {
  CompleteRunInput,
  CompleteRunResult,
  CompletedModelInput,
  FailRunInput,
  HeartbeatResult,
  HeartbeatRunInput,
  RecordCheckpointInput,
  ReleaseRunInput,
} from './worker.types.js';

/**
 * What a worker does with a run it holds: keep the lease (heartbeat), record a checkpoint, and
 * end it (complete, fail, release). Every call proves the lease with its token.
 */
export class RunLeasesService {
  private readonly rows: EntityRows<Run>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: RunSchedulerService,
    private readonly models: ModelsService,
    private readonly experiments: ExperimentsService,
    private readonly runArtifacts: RunArtifactsService,
    private readonly config: Config,
  ) {
    this.rows = new EntityRows(dataSource, Run);
  }

  /** The run of the worker's team (NOT_FOUND otherwise), locked when `tx` is given. */
  /** Classes of the dataset the run trained on (the experiment's target, or a pretraining's source). */
  private async classCountOf(tx: Transaction, runId: string): Promise<number | null> {
    const [row] = await tx.query(
      `SELECT coalesce(array_length(d.class_names, 1), 0) AS n
         FROM runs r
         LEFT JOIN experiments e ON e.id = r.experiment_id
         LEFT JOIN models m ON m.id = r.model_id
         JOIN datasets d ON d.id = coalesce(e.target_dataset_id, m.dataset_id)
        WHERE r.id = $1`,
      [runId],
    );
    return row ? Number(row.n) : null;
  }

  private async findRun(actor: Actor, runId: string, tx?: Transaction): Promise<Run> {
    const viewer = requireWorker(actor);
    if (!isUuid(runId)) throw notFound('run');
    const sql = `SELECT ${this.rows.columns()} FROM runs WHERE id = $1 AND ${workerRunScope('$2', '$3')}${tx ? ' FOR UPDATE' : ''}`;
    const params = [runId, viewer.tokenTeamId, viewer.tokenId];
    const rows: Record<string, unknown>[] = tx
      ? await tx.query(sql, params)
      : await this.dataSource.query(sql, params);
    if (!rows[0]) throw notFound('run');
    return this.rows.from(rows[0]);
  }

  async heartbeat(actor: Actor, input: HeartbeatRunInput): Promise<HeartbeatResult> {
    const viewer = requireWorker(actor);
    if (!isUuid(input.runId)) throw notFound('run');
    // One statement: the lease, and the worker registry's last heartbeat of the lease's holder.
    const rows = (await this.dataSource.query(
      `WITH beat AS (
         UPDATE runs SET lease_expires_at = now() + make_interval(secs => $4), heartbeat_at = now(),
                backend = coalesce($5, backend), device = coalesce($6, device)
          WHERE id = $1 AND ${workerRunScope('$2', '$7')} AND lease_token = $3 AND status = 'running'
          RETURNING lease_expires_at, worker_id),
       seen AS (
         UPDATE workers SET last_heartbeat_at = now()
           FROM beat WHERE workers.token_id = $7 AND workers.worker_id = beat.worker_id)
       SELECT lease_expires_at FROM beat`,
      [
        input.runId,
        viewer.tokenTeamId,
        input.leaseToken,
        this.config.runLeaseSeconds,
        input.backend ?? null,
        input.device ?? null,
        viewer.tokenId,
      ],
    )) as { lease_expires_at: Date }[];
    if (rows[0]) return { cancelled: false, leaseExpiresAt: rows[0].lease_expires_at };
    const run = await this.findRun(actor, input.runId);
    if (run.leaseToken === input.leaseToken && run.status === RunStatusEnum.CANCELLED)
      return { cancelled: true, leaseExpiresAt: run.finishedAt ?? new Date() };
    throw leaseLost();
  }

  async recordCheckpoint(actor: Actor, input: RecordCheckpointInput): Promise<Run> {
    const { run, superseded } = await inTransaction(this.dataSource, async (tx) => {
      const run = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken || run.status !== RunStatusEnum.RUNNING)
        throw leaseLost();
      if (input.epoch > run.epochs) throw badInput('epoch is beyond the run’s epochs');
      const kept = await this.runArtifacts.requireStored(tx, run.id, input.artifactIds);
      const [row] = await tx.query(
        `UPDATE runs SET checkpoint_epoch = $2, checkpoint_global_step = $3,
                checkpoint_artifact_ids = $4::uuid[]
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [run.id, input.epoch, input.globalStep, kept],
      );
      // The previous checkpoint's files are no longer a resume point.
      const superseded = await this.runArtifacts.deleteSuperseded(
        tx,
        run.id,
        run.checkpointArtifactIds ?? [],
        kept,
      );
      return { run: this.rows.from(row), superseded };
    });
    await this.runArtifacts.removeFiles(superseded);
    return run;
  }

  async complete(actor: Actor, input: CompleteRunInput): Promise<CompleteRunResult> {
    return inTransaction(this.dataSource, async (tx) => {
      const run = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken) throw leaseLost();
      if (run.status === RunStatusEnum.SUCCEEDED && run.resultModelId) {
        const model = await this.models.findById(run.resultModelId);
        if (model) return { run, model };
      }
      if (run.status !== RunStatusEnum.RUNNING) throw leaseLost();
      for (const [key, value] of Object.entries(input.summary))
        if (typeof value === 'number' && !Number.isFinite(value))
          throw badInput(`summary.${key} must be finite`, { field: `summary.${key}` });
      const classCount = input.confusionMatrix ? await this.classCountOf(tx, run.id) : null;
      // A run whose dataset is gone (deleted meanwhile) keeps no matrix: nothing to check it by.
      const confusion = classCount === null ? null : input.confusionMatrix!;
      if (confusion) {
        const problem = confusionMatrixProblem(confusion, classCount!);
        if (problem) throw badInput(problem, { field: 'confusionMatrix' });
      }
      const worst = confusion ? worstClass(confusion) : null;
      if (input.model.trainableParams > input.model.totalParams)
        throw badInput('trainableParams cannot exceed totalParams', { field: 'trainableParams' });
      const artifactIds = await this.runArtifacts.requireStored(
        tx,
        run.id,
        input.model.artifactIds,
      );
      const model = await this.registerModel(tx, run, input.model);
      await this.runArtifacts.moveToModel(tx, artifactIds, model.id);
      const summary = input.summary;
      const [row] = await tx.query(
        `UPDATE runs SET status = 'succeeded', finished_at = now(), lease_expires_at = NULL,
                result_model_id = $2, best_val_accuracy = $3, last_val_accuracy = $4,
                best_val_loss = $5, last_val_loss = $6, best_epoch = $7, wall_seconds = $8,
                samples_per_second = $9, backend = coalesce($10, backend),
                device = coalesce($11, device), confusion_matrix = $12::jsonb,
                worst_class_accuracy = $13, worst_class = $14, feature_cache = $15
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [
          run.id,
          model.id,
          summary.bestValAccuracy ?? null,
          summary.lastValAccuracy ?? null,
          summary.bestValLoss ?? null,
          summary.lastValLoss ?? null,
          summary.bestEpoch ?? null,
          summary.wallSeconds ?? null,
          summary.samplesPerSecond ?? null,
          summary.backend ?? null,
          summary.device ?? null,
          confusion
            ? JSON.stringify({ classNames: confusion.classNames, counts: confusion.counts })
            : null,
          worst?.accuracy ?? null,
          worst?.className ?? null,
          summary.featureCache ?? null,
        ],
      );
      await this.scheduler.endJob(tx, run, 'complete');
      if (run.kind === RunKindEnum.PRETRAIN) await this.scheduler.enqueueWaitingOn(tx, model.id);
      return { run: this.rows.from(row), model };
    });
  }

  /**
   * The model the run trained: a pretraining run readies its pending source model, a
   * fine-tuning run registers a target model of its experiment's source model (a scratch
   * baseline's, a target model with no parent).
   */
  private async registerModel(
    tx: Transaction,
    run: Run,
    trained: CompletedModelInput,
  ): Promise<Model> {
    if (run.kind === RunKindEnum.PRETRAIN) {
      if (trained.kind !== ModelKindEnum.SOURCE)
        throw badInput('a pretraining run registers a SOURCE model', { field: 'model.kind' });
      return this.models.markTrained(tx, run.modelId!, trained);
    }
    const experiment = await this.experiments.find(run.experimentId!);
    if (!experiment) throw new Error('the run’s experiment is gone');
    if (trained.kind !== ModelKindEnum.TARGET)
      throw badInput('a fine-tuning run registers a TARGET model', { field: 'model.kind' });
    const parentModelId = experiment.sourceModelId;
    if (!parentModelId) throw badInput('the experiment’s source model was deleted');
    if (trained.parentModelId && trained.parentModelId !== parentModelId)
      throw badInput('parentModelId must be the experiment’s source model', {
        field: 'model.parentModelId',
      });
    // A scratch baseline trains the target architecture from random weights: nothing of the
    // source model is in it, so it is recorded as trained from scratch on the target, not as a
    // model derived from the source by surgery.
    const scratch = run.initialization === InitializationEnum.SCRATCH;
    if (!scratch && !trained.surgery) throw badInput('a target model needs its surgery record');
    return this.models.createTarget(tx, {
      ...trained,
      teamId: run.teamId,
      name: trained.name.trim(),
      datasetId: experiment.targetDatasetId,
      parentModelId: scratch ? null : parentModelId,
      surgery: scratch ? null : trained.surgery!,
      // Trained on the same images, fed the same way as the source.
      preprocessingOf: parentModelId,
    });
  }

  async fail(actor: Actor, input: FailRunInput): Promise<Run> {
    const error = input.error.trim() || 'the worker reported a failure without a message';
    return inTransaction(this.dataSource, async (tx) => {
      const run = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken) throw leaseLost();
      if (run.status === RunStatusEnum.FAILED) return run;
      if (run.status !== RunStatusEnum.RUNNING) throw leaseLost();
      const [row] = await tx.query(
        `UPDATE runs SET status = 'failed', error_message = $2, finished_at = now(),
                lease_expires_at = NULL
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [run.id, error],
      );
      await this.scheduler.endJob(tx, run, 'fail');
      return this.rows.from(row);
    });
  }

  async release(actor: Actor, input: ReleaseRunInput): Promise<Run> {
    return inTransaction(this.dataSource, async (tx) => {
      const run = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken) throw leaseLost();
      if (run.status === RunStatusEnum.RUNNING) return this.scheduler.requeue(tx, run);
      if (run.status !== RunStatusEnum.QUEUED) throw leaseLost();
      return run;
    });
  }
}
