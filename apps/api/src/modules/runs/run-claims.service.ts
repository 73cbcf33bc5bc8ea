import { randomBytes } from 'node:crypto';
import { WORKER_PROTOCOL_VERSION } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { EntityRows } from '../../common/entity-rows.js';
import type { Config } from '../../config.js';
import { AppError, badInput } from '../../graphql/errors.js';
import type { ArtifactsService } from '../artifacts/artifacts.service.js';
import type { RunArtifactsService } from '../artifacts/run-artifacts.service.js';
import type { Dataset } from '../datasets/dataset.entity.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import type { EventsService } from '../events/events.service.js';
import type { Experiment } from '../experiments/experiment.entity.js';
import type { ExperimentsService } from '../experiments/experiments.service.js';
import type { Model } from '../models/model.entity.js';
import type { ModelsService } from '../models/models.service.js';
import { inTransaction, type JobKind, type RunQueue } from '../queue/run-queue.js';
import type { ScoreJobsService } from '../scores/score-jobs.service.js';
import type { RunSchedulerService } from './run-scheduler.service.js';
import { Run, RunKindEnum } from './run.entity.js';
import { recordWorker } from '../workers/workers.service.js';
import { requireWorker, workerRunScope } from './worker-viewer.js';
import { toArtifactRef, type ClaimedRun, type ClaimRunInput } from './worker-claim.types.js';

/** A row the run points at, which cascading deletes keep from going missing. */
function present<T>(value: T | null, what: string): T {
  if (!value) throw new Error(`the run's ${what} is gone`);
  return value;
}

/** Handing queued runs to workers: the claim, the lease it takes, the run's description. */
export class RunClaimsService {
  private readonly rows: EntityRows<Run>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: RunQueue,
    private readonly scheduler: RunSchedulerService,
    private readonly events: EventsService,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly experiments: ExperimentsService,
    private readonly artifacts: ArtifactsService,
    private readonly runArtifacts: RunArtifactsService,
    private readonly scoreJobs: ScoreJobsService,
    private readonly config: Config,
  ) {
    this.rows = new EntityRows(dataSource, Run);
  }

  private get leaseSeconds() {
    return this.config.runLeaseSeconds;
  }

  /**
   * The next queued run of the worker's team with a lease, waiting up to `waitSeconds` for one;
   * null when none came or `callerGone` says the caller hung up.
   */
  async claim(
    actor: Actor,
    input: ClaimRunInput,
    callerGone: () => boolean = () => false,
  ): Promise<ClaimedRun | null> {
    const viewer = requireWorker(actor);
    const teamId = viewer.tokenTeamId;
    if (input.capabilities.protocolVersion !== WORKER_PROTOCOL_VERSION)
      throw badInput(
        `this API speaks worker protocol ${WORKER_PROTOCOL_VERSION}, the worker ${input.capabilities.protocolVersion}`,
        { field: 'capabilities.protocolVersion' },
      );
    const kinds: JobKind[] = [];
    if (input.capabilities.kinds.includes(RunKindEnum.PRETRAIN)) kinds.push('pretrain');
    if (input.capabilities.kinds.includes(RunKindEnum.FINETUNE)) kinds.push('finetune');
    if (kinds.length === 0) throw badInput('capabilities.kinds is empty');
    // Every claim, a retried one too, is the worker's heartbeat in the registry.
    await recordWorker(this.dataSource, viewer.tokenId, input.workerId, input.capabilities);
    // A retried claim gets the lease it already holds: the same worker id through the same
    // token (worker ids are visible to every viewer, so the id alone proves nothing).
    const held: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.rows.columns()} FROM runs
        WHERE ${workerRunScope('$1', '$3')} AND worker_id = $2 AND worker_token_id = $3
          AND status = 'running' AND lease_expires_at > now()
        LIMIT 1`,
      [teamId, input.workerId, viewer.tokenId],
    );
    if (held[0]) {
      const description = await this.describeOrFail(this.rows.from(held[0]));
      if (description) return description;
    }

    if (teamId) await this.queue.ensureQueues(teamId);
    const deadline = Date.now() + (input.waitSeconds ?? 0) * 1000;
    // Listening before the first look, so a run queued in between still rings.
    const scoring = input.capabilities.scoreJobs === true;
    const queued = this.events.doorbell(
      (event) =>
        (event.type === 'run' || (scoring && event.type === 'score')) &&
        (!teamId || event.teamId === teamId) &&
        event.status === 'queued',
    );
    try {
      for (;;) {
        for (const team of teamId ? [teamId] : await this.teamsWaiting()) {
          if (!teamId) await this.queue.ensureQueues(team);
          for (const kind of kinds) {
            // Jobs whose run moved on (cancelled while queued) are dropped and the next tried.
            for (let job = await this.queue.fetch(team, kind); job;) {
              const run = await this.lease(team, kind, job, input.workerId, viewer.tokenId);
              const description = run && (await this.describeOrFail(run));
              if (description) return description;
              job = await this.queue.fetch(team, kind);
            }
          }
        }
        // A worker that scores too takes a waiting scoring job first (claimScoreJob).
        if (scoring && (await this.scoreJobs.waiting(teamId))) return null;
        const left = deadline - Date.now();
        if (left <= 0 || callerGone()) return null;
        await queued.wait(Math.min(this.config.claimPollSeconds * 1000, left));
      }
    } finally {
      queued.close();
    }
  }

  /**
   * The teams with queued runs, in the order an instance worker serves them: the team with the
   * fewest runs running first, then the one whose oldest queued run has waited longest. A busy
   * team's long queue so never starves a team that has nothing running.
   */
  private async teamsWaiting(): Promise<string[]> {
    const rows: { team_id: string }[] = await this.dataSource.query(
      `SELECT q.team_id
         FROM (SELECT team_id, min(coalesce(queued_at, created_at)) AS oldest FROM runs
                WHERE status = 'queued' GROUP BY team_id) q
         LEFT JOIN (SELECT team_id, count(*) AS running FROM runs
                     WHERE status = 'running' GROUP BY team_id) r ON r.team_id = q.team_id
        ORDER BY coalesce(r.running, 0), q.oldest, q.team_id`,
    );
    return rows.map((row) => row.team_id);
  }

  /** The run of `job` leased to the worker, or null (the job is dropped) if it moved on. */
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
        RETURNING ${this.rows.columns()}`,
      [job.runId, job.id, workerId, leaseToken, tokenId, this.leaseSeconds, teamId],
    )) as [Record<string, unknown>[], number];
    if (rows[0]) return this.rows.from(rows[0]);
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
        await this.scheduler.endJob(tx, run, 'fail');
      });
      return null;
    }
  }

  /** The job description the protocol defines. */
  private async describe(run: Run): Promise<ClaimedRun> {
    let dataset: Dataset | null = null;
    let sourceModel: Model | null = null;
    let architecture: string | null = null;
    let targetModelName: string;
    let experiment: Experiment | null = null;
    if (run.kind === RunKindEnum.PRETRAIN) {
      const model = present(await this.models.findById(run.modelId!), 'model');
      architecture = model.architecture;
      targetModelName = model.name;
      if (model.datasetId) dataset = await this.datasets.find(model.datasetId);
    } else {
      experiment = present(await this.experiments.find(run.experimentId!), 'experiment');
      if (experiment.targetDatasetId)
        dataset = await this.datasets.find(experiment.targetDatasetId);
      if (experiment.sourceModelId)
        sourceModel = await this.models.findById(experiment.sourceModelId);
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
      ? await this.artifacts.listStored({ modelId: sourceModel.id })
      : [];
    let resume: ClaimedRun['resume'] = null;
    if (run.checkpointEpoch !== null && run.checkpointArtifactIds?.length) {
      const files = await this.runArtifacts.storedAmong(run.checkpointArtifactIds);
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
        trainSamples: run.trainSamples,
        augmentation: run.augmentation,
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
        preprocessing: sourceModel.preprocessing,
        artifacts: sourceFiles.map(toArtifactRef),
      },
      resume,
      targetModelName,
    };
  }
}
