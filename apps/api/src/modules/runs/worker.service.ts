import { randomBytes, randomUUID } from 'node:crypto';
import { WORKER_PROTOCOL_VERSION } from '@finetrack/shared';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config.js';
import type { Actor, Viewer } from '../../common/actor.js';
import { AppError, badInput, forbidden, notFound } from '../../graphql/errors.js';
import { artifactKey } from '../../common/artifact-key.js';
import { leaseLost } from '../../common/lease-lost.js';
import { isUuid } from '../../common/pagination.js';
import { Artifact, ArtifactStatus } from '../artifacts/artifact.entity.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { Dataset } from '../datasets/dataset.entity.js';
import type { EventsService } from '../events/events.service.js';
import { Experiment } from '../experiments/experiment.entity.js';
import { Model, ModelKindEnum } from '../models/model.entity.js';
import { inTransaction, RunQueue, type JobKind, type Transaction } from '../queue/run-queue.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Run, RunKindEnum, RunStatusEnum } from './run.entity.js';
import {
  toArtifactRef,
  type ClaimedRun,
  type ClaimRunInput,
  type CompleteRunInput,
  type CompleteRunResult,
  type FailRunInput,
  type HeartbeatResult,
  type HeartbeatRunInput,
  type PretrainModelInput,
  type RecordCheckpointInput,
  type ReleaseRunInput,
} from './worker.types.js';

/** Pending artifacts older than this are deleted (a createArtifact whose PUT never came). */
const PENDING_ARTIFACT_HOURS = 24;

/**
 * Executing runs: claims backed by pg-boss, leases on the run row, the reaper that re-queues runs
 * whose lease expired, and the user controls (start, cancel, retry).
 */
export class WorkerService {
  private columnList: string | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private reaping: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly queue: RunQueue,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly store: ArtifactStore,
    private readonly events: EventsService,
  ) {}

  private get leaseSeconds() {
    return this.config.runLeaseSeconds;
  }

  /** `"column" AS "property"` for every Run column. */
  private get columns(): string {
    this.columnList ??= this.dataSource
      .getMetadata(Run)
      .columns.map((column) => `runs."${column.databaseName}" AS "${column.propertyName}"`)
      .join(', ');
    return this.columnList;
  }

  private toRun(row: Record<string, unknown>): Run {
    return Object.assign(new Run(), row);
  }

  /** The caller as a worker of its team, or FORBIDDEN. */
  worker(actor: Actor): Viewer & { tokenTeamId: string; tokenId: string } {
    const viewer = this.access.viewer(actor);
    if (!viewer.worker || !viewer.tokenTeamId || !viewer.tokenId)
      throw forbidden('only worker tokens claim and report runs');
    return viewer as Viewer & { tokenTeamId: string; tokenId: string };
  }

  /* ------------------------------------ queue plumbing ------------------------------------ */

  /**
   * Gives every queued run among `runIds` without a job a pg-boss job, inside `tx` — except
   * fine-tuning runs whose source model is not ready (they are queued when it is).
   *
   * Longest first: jobs added together share pg-boss's `created_on` (the transaction's time),
   * which orders them by id next, so the ids are handed out in order of each run's expected work
   * (epochs × training samples × weight-bearing layers it trains). With several workers the
   * short runs then fill in at the end instead of one long run finishing alone; runs added
   * earlier still come first.
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
    const jobIds = ordered.map(() => randomUUID()).sort();
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
  private async enqueueWaitingOn(tx: Transaction, modelId: string): Promise<void> {
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
  private async endJob(
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
   * releaseRun is recognised), with a fresh job.
   */
  private async requeue(tx: Transaction, run: Run): Promise<void> {
    await tx.query(
      `UPDATE runs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL, job_id = NULL,
              queued_at = date_trunc('milliseconds', now()), finished_at = NULL
        WHERE id = $1`,
      [run.id],
    );
    await this.endJob(tx, run, 'cancel');
    await this.enqueue(tx, [run.id]);
  }

  /* ----------------------------------------- claims ----------------------------------------- */

  /** `gone` says whether the caller hung up, so a long poll stops waiting for it. */
  async claim(
    actor: Actor,
    input: ClaimRunInput,
    gone: () => boolean = () => false,
  ): Promise<ClaimedRun | null> {
    const viewer = this.worker(actor);
    const teamId = viewer.tokenTeamId;
    if (input.capabilities.protocolVersion !== WORKER_PROTOCOL_VERSION)
      throw badInput(
        `this API speaks worker protocol ${WORKER_PROTOCOL_VERSION}, the worker ${input.capabilities.protocolVersion}`,
        { field: 'capabilities.protocolVersion' },
      );
    // A retried claim gets the lease it already holds.
    const held = await this.dataSource.query(
      `SELECT ${this.columns} FROM runs
        WHERE team_id = $1 AND worker_id = $2 AND status = 'running' AND lease_expires_at > now()
        LIMIT 1`,
      [teamId, input.workerId],
    );
    if (held[0]) {
      const description = await this.describeOrFail(this.toRun(held[0]));
      if (description) return description;
    }

    const kinds: JobKind[] = [];
    if (input.capabilities.kinds.includes(RunKindEnum.PRETRAIN)) kinds.push('pretrain');
    if (input.capabilities.kinds.includes(RunKindEnum.FINETUNE)) kinds.push('finetune');
    if (kinds.length === 0) throw badInput('capabilities.kinds is empty');
    await this.queue.ensureQueues(teamId);
    const deadline = Date.now() + (input.waitSeconds ?? 0) * 1000;
    // Listening before the first look, so a run queued in between still rings.
    const queued = this.events.doorbell(
      (event) => event.type === 'run' && event.teamId === teamId && event.status === 'queued',
    );
    try {
      for (;;) {
        for (const kind of kinds) {
          // Jobs whose run moved on (cancelled while queued) are dropped and the next one tried.
          for (let job = await this.queue.fetch(teamId, kind); job;) {
            const run = await this.lease(teamId, kind, job, input.workerId, viewer.tokenId);
            const description = run && (await this.describeOrFail(run));
            if (description) return description;
            job = await this.queue.fetch(teamId, kind);
          }
        }
        const left = deadline - Date.now();
        if (left <= 0 || gone()) return null;
        await queued.wait(Math.min(this.config.claimPollSeconds * 1000, left));
      }
    } finally {
      queued.close();
    }
  }

  private async lease(
    teamId: string,
    kind: JobKind,
    job: { id: string; runId: string },
    workerId: string,
    tokenId: string,
  ): Promise<Run | null> {
    const leaseToken = randomBytes(24).toString('base64url');
    const [rows] = (await this.dataSource.query(
      `UPDATE runs SET status = 'running', worker_id = $3, lease_token = $4, worker_token_id = $5,
              lease_expires_at = now() + make_interval(secs => $6), heartbeat_at = now(),
              attempts = attempts + 1, started_at = coalesce(started_at, now()),
              finished_at = NULL, error_message = NULL
        WHERE id = $1 AND job_id = $2 AND status = 'queued' AND team_id = $7
        RETURNING ${this.columns}`,
      [job.runId, job.id, workerId, leaseToken, tokenId, this.leaseSeconds, teamId],
    )) as [Record<string, unknown>[], number];
    if (rows[0]) return this.toRun(rows[0]);
    await this.queue.cancel(null, teamId, kind, job.id).catch(() => undefined);
    return null;
  }

  /**
   * The description of a leased run, or null after failing a run that cannot be described (its
   * dataset or source model was deleted): such a run must not block the queue.
   */
  private async describeOrFail(run: Run): Promise<ClaimedRun | null> {
    try {
      return await this.describe(run);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await inTransaction(this.dataSource, async (tx) => {
        await tx.query(
          `UPDATE runs SET status = 'failed', error_message = $2, finished_at = now(),
                  lease_expires_at = NULL
            WHERE id = $1 AND status = 'running'`,
          [run.id, error.message],
        );
        await this.endJob(tx, run, 'fail');
      });
      return null;
    }
  }

  /** The job description the protocol defines. */
  private async describe(run: Run): Promise<ClaimedRun> {
    const models = this.dataSource.getRepository(Model);
    const datasets = this.dataSource.getRepository(Dataset);
    const artifacts = this.dataSource.getRepository(Artifact);
    let dataset: Dataset | null = null;
    let sourceModel: Model | null = null;
    let architecture: string | null = null;
    let targetModelName: string;
    let experiment: Experiment | null = null;
    if (run.kind === RunKindEnum.PRETRAIN) {
      const model = await models.findOneByOrFail({ id: run.modelId! });
      architecture = model.architecture;
      targetModelName = model.name;
      if (model.datasetId) dataset = await datasets.findOneBy({ id: model.datasetId });
    } else {
      experiment = await this.dataSource
        .getRepository(Experiment)
        .findOneByOrFail({ id: run.experimentId! });
      if (experiment.targetDatasetId)
        dataset = await datasets.findOneBy({ id: experiment.targetDatasetId });
      if (experiment.sourceModelId)
        sourceModel = await models.findOneBy({ id: experiment.sourceModelId });
      const lr = run.learningRate.toExponential();
      targetModelName =
        run.initialization === 'scratch'
          ? `${experiment.name} · scratch · lr ${lr} · seed ${run.seed}`
          : `${experiment.name} · frozen ${run.frozenLayers} · lr ${lr} · seed ${run.seed}`;
    }
    if (!dataset) throw badInput('the run has no dataset (it was deleted)');
    if (run.kind === RunKindEnum.FINETUNE && !sourceModel)
      throw badInput('the run has no source model (it was deleted)');
    const sourceFiles = sourceModel
      ? await artifacts.find({
          where: { modelId: sourceModel.id, status: ArtifactStatus.STORED },
          order: { createdAt: 'ASC' },
        })
      : [];
    let resume: ClaimedRun['resume'] = null;
    if (run.checkpointEpoch !== null && run.checkpointArtifactIds?.length) {
      const files = await this.dataSource
        .getRepository(Artifact)
        .createQueryBuilder('a')
        .where('a.id = ANY(:ids) AND a.status = :stored', {
          ids: run.checkpointArtifactIds,
          stored: ArtifactStatus.STORED,
        })
        .getMany();
      resume = {
        epoch: run.checkpointEpoch,
        globalStep: run.checkpointGlobalStep ?? 0,
        artifacts: files.map(toArtifactRef),
      };
    }
    return {
      runId: run.id,
      teamId: run.teamId,
      experimentId: run.experimentId,
      kind: run.kind,
      attempt: run.attempts,
      leaseToken: run.leaseToken!,
      leaseExpiresAt: run.leaseExpiresAt!,
      leaseSeconds: this.leaseSeconds,
      heartbeatSeconds: Math.max(1, Math.floor(this.leaseSeconds / 3)),
      hyperparameters: {
        frozenLayers: run.frozenLayers,
        learningRate: run.learningRate,
        epochs: run.epochs,
        batchSize: run.batchSize,
        optimizer: run.optimizer,
        seed: run.seed,
        initialization: run.initialization,
      },
      architecture,
      dataset: {
        id: dataset.id,
        name: dataset.name,
        spec: dataset.spec as unknown as Record<string, unknown>,
        classNames: dataset.classNames,
      },
      sourceModel: sourceModel && {
        id: sourceModel.id,
        name: sourceModel.name,
        architecture: sourceModel.architecture,
        inputShape: sourceModel.inputShape,
        artifacts: sourceFiles.map(toArtifactRef),
      },
      resume,
      targetModelName,
    };
  }

  /* ----------------------------------------- leases ----------------------------------------- */

  /** The run of the worker's team (NOT_FOUND otherwise), locked when `tx` is given. */
  private async findRun(
    actor: Actor,
    runId: string,
    tx?: Transaction,
  ): Promise<{ run: Run; viewer: ReturnType<WorkerService['worker']> }> {
    const viewer = this.worker(actor);
    if (!isUuid(runId)) throw notFound('run');
    const sql = `SELECT ${this.columns} FROM runs WHERE id = $1 AND team_id = $2${tx ? ' FOR UPDATE' : ''}`;
    const rows = tx
      ? await tx.query(sql, [runId, viewer.tokenTeamId])
      : await this.dataSource.query(sql, [runId, viewer.tokenTeamId]);
    if (!rows[0]) throw notFound('run');
    return { run: this.toRun(rows[0] as Record<string, unknown>), viewer };
  }

  async heartbeat(actor: Actor, input: HeartbeatRunInput): Promise<HeartbeatResult> {
    const viewer = this.worker(actor);
    if (!isUuid(input.runId)) throw notFound('run');
    const [rows] = (await this.dataSource.query(
      `UPDATE runs SET lease_expires_at = now() + make_interval(secs => $4), heartbeat_at = now(),
              backend = coalesce($5, backend), device = coalesce($6, device)
        WHERE id = $1 AND team_id = $2 AND lease_token = $3 AND status = 'running'
        RETURNING lease_expires_at`,
      [
        input.runId,
        viewer.tokenTeamId,
        input.leaseToken,
        this.leaseSeconds,
        input.backend ?? null,
        input.device ?? null,
      ],
    )) as [{ lease_expires_at: Date }[], number];
    if (rows[0]) return { cancelled: false, leaseExpiresAt: rows[0].lease_expires_at };
    const { run } = await this.findRun(actor, input.runId);
    if (run.leaseToken === input.leaseToken && run.status === RunStatusEnum.CANCELLED)
      return { cancelled: true, leaseExpiresAt: run.finishedAt ?? new Date() };
    throw leaseLost();
  }

  async recordCheckpoint(actor: Actor, input: RecordCheckpointInput): Promise<Run> {
    const { run, superseded } = await inTransaction(this.dataSource, async (tx) => {
      const { run } = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken || run.status !== RunStatusEnum.RUNNING)
        throw leaseLost();
      if (input.epoch > run.epochs) throw badInput('epoch is beyond the run’s epochs');
      const kept = await this.requireStoredArtifacts(tx, run.id, input.artifactIds);
      const rows = await tx.query(
        `UPDATE runs SET checkpoint_epoch = $2, checkpoint_global_step = $3,
                checkpoint_artifact_ids = $4::uuid[]
          WHERE id = $1 RETURNING ${this.columns}`,
        [run.id, input.epoch, input.globalStep, kept],
      );
      // The previous checkpoint's files are no longer a resume point.
      const superseded = await tx.query<{ id: string; team_id: string }>(
        `DELETE FROM artifacts WHERE id = ANY($1::uuid[]) AND run_id = $2
            AND NOT (id = ANY($3::uuid[]))
         RETURNING id, team_id`,
        [run.checkpointArtifactIds ?? [], run.id, kept],
      );
      return { run: this.toRun(rows[0] as Record<string, unknown>), superseded };
    });
    await this.removeFiles(superseded);
    return run;
  }

  private async removeFiles(rows: { id: string; team_id: string }[]): Promise<void> {
    for (const row of rows)
      await this.store
        .remove(artifactKey({ id: row.id, teamId: row.team_id }))
        .catch((error: Error) =>
          this.logger.warn({ err: { message: error.message } }, 'artifact file not removed'),
        );
  }

  private async requireStoredArtifacts(tx: Transaction, runId: string, ids: string[]) {
    const unique = [...new Set(ids)];
    if (unique.some((id) => !isUuid(id))) throw notFound('artifact');
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM artifacts WHERE id = ANY($1::uuid[]) AND run_id = $2 AND status = 'stored'`,
      [unique, runId],
    );
    if (rows.length !== unique.length)
      throw badInput('every artifactId must be an uploaded artifact of this run', {
        field: 'artifactIds',
      });
    return unique;
  }

  async complete(actor: Actor, input: CompleteRunInput): Promise<CompleteRunResult> {
    return inTransaction(this.dataSource, async (tx) => {
      const { run } = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken) throw leaseLost();
      const models = this.dataSource.getRepository(Model);
      if (run.status === RunStatusEnum.SUCCEEDED && run.resultModelId) {
        const model = await models.findOneBy({ id: run.resultModelId });
        if (model) return { run, model };
      }
      if (run.status !== RunStatusEnum.RUNNING) throw leaseLost();
      const input_ = input.model;
      for (const [key, value] of Object.entries(input.summary))
        if (typeof value === 'number' && !Number.isFinite(value))
          throw badInput(`summary.${key} must be finite`, { field: `summary.${key}` });
      if (input_.trainableParams > input_.totalParams)
        throw badInput('trainableParams cannot exceed totalParams', { field: 'trainableParams' });
      const artifactIds = await this.requireStoredArtifacts(tx, run.id, input_.artifactIds);
      const layers = input_.layers.map((layer) => ({
        name: layer.name,
        type: layer.type,
        outputShape: layer.outputShape.map((d) => (d < 0 ? null : d)),
        params: layer.params,
        weightBearing: layer.weightBearing,
        weightIndex: layer.weightIndex ?? null,
        trainable: layer.trainable,
      }));
      let modelId: string;
      if (run.kind === RunKindEnum.PRETRAIN) {
        if (input_.kind !== ModelKindEnum.SOURCE)
          throw badInput('a pretraining run registers a SOURCE model', { field: 'model.kind' });
        modelId = run.modelId!;
        await tx.query(
          `UPDATE models SET architecture = $2, input_shape = $3, layers = $4, total_params = $5,
                  trainable_params = $6, weights_sha256 = $7, status = 'ready'
            WHERE id = $1`,
          [
            modelId,
            input_.architecture,
            input_.inputShape,
            JSON.stringify(layers),
            input_.totalParams,
            input_.trainableParams,
            input_.weightsSha256 ?? null,
          ],
        );
      } else {
        const experiment = await this.dataSource
          .getRepository(Experiment)
          .findOneByOrFail({ id: run.experimentId! });
        if (input_.kind !== ModelKindEnum.TARGET)
          throw badInput('a fine-tuning run registers a TARGET model', { field: 'model.kind' });
        const parentModelId = experiment.sourceModelId;
        if (!parentModelId) throw badInput('the experiment’s source model was deleted');
        if (input_.parentModelId && input_.parentModelId !== parentModelId)
          throw badInput('parentModelId must be the experiment’s source model', {
            field: 'model.parentModelId',
          });
        if (!input_.surgery) throw badInput('a target model needs its surgery record');
        const rows = await tx.query<{ id: string }>(
          `INSERT INTO models (team_id, name, kind, architecture, input_shape, layers, total_params,
                               trainable_params, dataset_id, parent_model_id, surgery,
                               weights_sha256, status)
           VALUES ($1, $2, 'target', $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ready') RETURNING id`,
          [
            run.teamId,
            input_.name.trim(),
            input_.architecture,
            input_.inputShape,
            JSON.stringify(layers),
            input_.totalParams,
            input_.trainableParams,
            experiment.targetDatasetId,
            parentModelId,
            JSON.stringify({ ...input_.surgery }),
            input_.weightsSha256 ?? null,
          ],
        );
        modelId = rows[0].id;
      }
      await tx.query(
        `UPDATE artifacts SET model_id = $1, run_id = NULL WHERE id = ANY($2::uuid[])`,
        [modelId, artifactIds],
      );
      const summary = input.summary;
      const rows = await tx.query(
        `UPDATE runs SET status = 'succeeded', finished_at = now(), lease_expires_at = NULL,
                result_model_id = $2, best_val_accuracy = $3, last_val_accuracy = $4,
                best_val_loss = $5, last_val_loss = $6, best_epoch = $7, wall_seconds = $8,
                samples_per_second = $9, backend = coalesce($10, backend),
                device = coalesce($11, device)
          WHERE id = $1 RETURNING ${this.columns}`,
        [
          run.id,
          modelId,
          summary.bestValAccuracy ?? null,
          summary.lastValAccuracy ?? null,
          summary.bestValLoss ?? null,
          summary.lastValLoss ?? null,
          summary.bestEpoch ?? null,
          summary.wallSeconds ?? null,
          summary.samplesPerSecond ?? null,
          summary.backend ?? null,
          summary.device ?? null,
        ],
      );
      await this.endJob(tx, run, 'complete');
      if (run.kind === RunKindEnum.PRETRAIN) await this.enqueueWaitingOn(tx, modelId);
      const updated = this.toRun(rows[0] as Record<string, unknown>);
      return { run: updated, model: await this.loadModel(tx, modelId) };
    });
  }

  private async loadModel(tx: Transaction, id: string): Promise<Model> {
    const metadata = this.dataSource.getMetadata(Model);
    const list = metadata.columns
      .map((column) => `"${column.databaseName}" AS "${column.propertyName}"`)
      .join(', ');
    const [row] = await tx.query<Record<string, unknown>>(
      `SELECT ${list} FROM models WHERE id = $1`,
      [id],
    );
    return Object.assign(new Model(), row, {
      totalParams: Number(row.totalParams),
      trainableParams: Number(row.trainableParams),
    });
  }

  async fail(actor: Actor, input: FailRunInput): Promise<Run> {
    const error = input.error.trim() || 'the worker reported a failure without a message';
    return inTransaction(this.dataSource, async (tx) => {
      const { run } = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken) throw leaseLost();
      if (run.status === RunStatusEnum.FAILED) return run;
      if (run.status !== RunStatusEnum.RUNNING) throw leaseLost();
      const rows = await tx.query(
        `UPDATE runs SET status = 'failed', error_message = $2, finished_at = now(),
                lease_expires_at = NULL
          WHERE id = $1 RETURNING ${this.columns}`,
        [run.id, error],
      );
      await this.endJob(tx, run, 'fail');
      return this.toRun(rows[0] as Record<string, unknown>);
    });
  }

  async release(actor: Actor, input: ReleaseRunInput): Promise<Run> {
    return inTransaction(this.dataSource, async (tx) => {
      const { run } = await this.findRun(actor, input.runId, tx);
      if (run.leaseToken !== input.leaseToken) throw leaseLost();
      if (run.status === RunStatusEnum.RUNNING) await this.requeue(tx, run);
      else if (run.status !== RunStatusEnum.QUEUED) throw leaseLost();
      const rows = await tx.query(`SELECT ${this.columns} FROM runs WHERE id = $1`, [run.id]);
      return this.toRun(rows[0] as Record<string, unknown>);
    });
  }

  /* ------------------------------------------ reaper ------------------------------------------ */

  /**
   * Re-queues runs whose lease expired. Safe with several API processes: each takes the
   * expired rows with FOR UPDATE SKIP LOCKED, so a run is re-queued once.
   */
  async reap(): Promise<number> {
    const count = await inTransaction(this.dataSource, async (tx) => {
      const rows = await tx.query<Record<string, unknown>>(
        `SELECT ${this.columns} FROM runs
          WHERE status = 'running' AND NOT external AND lease_expires_at < now()
          ORDER BY lease_expires_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) await this.requeue(tx, this.toRun(row));
      return rows.length;
    });
    if (count > 0) this.logger.info({ runs: count }, 're-queued runs whose lease expired');
    const [abandoned] = (await this.dataSource.query(
      `DELETE FROM artifacts WHERE status = 'pending'
          AND created_at < now() - make_interval(hours => $1)
        RETURNING id, team_id`,
      [PENDING_ARTIFACT_HOURS],
    )) as [{ id: string; team_id: string }[], number];
    await this.removeFiles(abandoned);
    return count;
  }

  startReaper(): void {
    const every = Math.min(15_000, Math.max(500, (this.leaseSeconds * 1000) / 4));
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

  /* --------------------------------------- user controls --------------------------------------- */

  async startExperiment(actor: Actor, id: string): Promise<Experiment> {
    await this.access.requireOwned(actor, 'experiments', id, TeamRole.MEMBER, 'experiment');
    await this.enqueueExperiment(id);
    return this.dataSource.getRepository(Experiment).findOneByOrFail({ id });
  }

  async cancel(actor: Actor, id: string): Promise<Run> {
    await this.access.requireOwned(actor, 'runs', id, TeamRole.MEMBER, 'run');
    return inTransaction(this.dataSource, async (tx) => {
      const [row] = await tx.query(`SELECT ${this.columns} FROM runs WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      const run = this.toRun(row as Record<string, unknown>);
      if (run.status === RunStatusEnum.CANCELLED) return run;
      if (run.status !== RunStatusEnum.QUEUED && run.status !== RunStatusEnum.RUNNING)
        throw badInput(`a ${run.status} run cannot be cancelled`);
      const rows = await tx.query(
        `UPDATE runs SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL
          WHERE id = $1 RETURNING ${this.columns}`,
        [id],
      );
      await this.endJob(tx, run, 'cancel');
      return this.toRun(rows[0] as Record<string, unknown>);
    });
  }

  async retry(actor: Actor, id: string): Promise<Run> {
    await this.access.requireOwned(actor, 'runs', id, TeamRole.MEMBER, 'run');
    return inTransaction(this.dataSource, async (tx) => {
      const [row] = await tx.query(`SELECT ${this.columns} FROM runs WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      const run = this.toRun(row as Record<string, unknown>);
      if (run.status !== RunStatusEnum.FAILED && run.status !== RunStatusEnum.CANCELLED)
        throw badInput(`only failed or cancelled runs are retried; this one is ${run.status}`);
      if (run.external) throw badInput('external runs are not executed by workers');
      await tx.query(
        `UPDATE runs SET status = 'queued', error_message = NULL, finished_at = NULL,
                worker_id = NULL, lease_expires_at = NULL, job_id = NULL,
                queued_at = date_trunc('milliseconds', now())
          WHERE id = $1`,
        [id],
      );
      await this.enqueue(tx, [id]);
      const rows = await tx.query(`SELECT ${this.columns} FROM runs WHERE id = $1`, [id]);
      return this.toRun(rows[0] as Record<string, unknown>);
    });
  }

  /** A pending source model and the PRETRAIN run that trains it, queued. Members. */
  async pretrain(actor: Actor, input: PretrainModelInput): Promise<Run> {
    await this.access.require(actor, input.teamId, TeamRole.MEMBER);
    if (!isUuid(input.datasetId)) throw notFound('dataset');
    const found: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM datasets WHERE id = $1 AND team_id = $2',
      [input.datasetId, input.teamId],
    );
    if (found.length === 0) throw notFound('dataset');
    if (!Number.isFinite(input.learningRate) || input.learningRate <= 0)
      throw badInput('learningRate must be finite and > 0', { field: 'learningRate' });
    if (input.inputShape.length !== 3 || input.inputShape.some((d) => d < 1 || d > 4096))
      throw badInput('inputShape must be [height, width, channels]', { field: 'inputShape' });
    const { runId } = await inTransaction(this.dataSource, (tx) =>
      this.createPretraining(tx, { ...input, name: input.name.trim() }),
    );
    return this.dataSource.getRepository(Run).findOneByOrFail({ id: runId });
  }

  /** A pending source model and its pretraining run, queued (used by the demo and the API). */
  async createPretraining(
    tx: Transaction,
    input: {
      teamId: string;
      name: string;
      architecture: string;
      inputShape: number[];
      datasetId: string;
      epochs: number;
      batchSize: number;
      learningRate: number;
      optimizer: string;
      seed: number;
    },
  ): Promise<{ modelId: string; runId: string }> {
    const [model] = await tx.query<{ id: string }>(
      `INSERT INTO models (team_id, name, kind, architecture, input_shape, layers, total_params,
                           trainable_params, dataset_id, status)
       VALUES ($1, $2, 'source', $3, $4, '[]', 0, 0, $5, 'pending') RETURNING id`,
      [input.teamId, input.name, input.architecture, input.inputShape, input.datasetId],
    );
    const [run] = await tx.query<{ id: string }>(
      `INSERT INTO runs (team_id, kind, model_id, frozen_layers, learning_rate, epochs, batch_size,
                         optimizer, seed, initialization, status)
       VALUES ($1, 'pretrain', $2, 0, $3, $4, $5, $6, $7, 'scratch', 'queued') RETURNING id`,
      [
        input.teamId,
        model.id,
        input.learningRate,
        input.epochs,
        input.batchSize,
        input.optimizer,
        input.seed,
      ],
    );
    await this.enqueue(tx, [run.id]);
    return { modelId: model.id, runId: run.id };
  }
}
