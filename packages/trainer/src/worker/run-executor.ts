import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  ARCHITECTURES,
  ARTIFACT_FILE_NAMES,
  ArtifactKind,
  ErrorCode,
  MAX_RUN_ERROR_LENGTH,
  RunKind,
  toLayerInput,
  toSurgeryInput,
  type Architecture,
  type ClaimedRun,
  type CompletedModelInput,
  type DatasetSpec,
  type RunSummary,
} from '@finetrack/shared';
import { ApiError } from '@finetrack/shared/client';
import type { BackendChoice, BackendName } from '../backend/select-backend.js';
import { DatasetError } from '../data/dataset-error.js';
import type { LoadedDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load-dataset.js';
import { loadModelDirectory } from '../io/load-model.js';
import { ModelFileError } from '../io/model-file-error.js';
import { datasetRecord } from '../io/model-metadata.js';
import { saveModel } from '../io/save-model.js';
import { ArchitectureError } from '../model/architectures.js';
import { describeModel, SurgeryError } from '../model/surgery.js';
import {
  CHECKPOINT_BIN,
  CHECKPOINT_JSON,
  CheckpointError,
  readCheckpoint,
  writeCheckpoint,
  type TrainingCheckpoint,
} from '../train/checkpoint.js';
import { finetune } from '../train/finetune.js';
import { pretrain } from '../train/pretrain.js';
import { TrainingOptionsError } from '../train/training-options.js';
import type { EpochRecord, MetricPoint, TrainSummary } from '../train/types.js';
import {
  inProcessLease,
  RunStoppedError,
  type LeaseHandle,
  type LeaseHandleOptions,
  type StopReason,
} from './lease-keeper.js';
import { MetricShipper, RunGoneError, toMetricInputs } from './metric-shipper.js';
import type { MetricSpool } from './metric-spool.js';
import type { WorkerApi } from './worker-api.js';

/** How a claimed run ended for this worker. */
export type RunOutcome =
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'lease-lost'
  | 'released'
  /** The API could not be reached for long; the lease will expire and the run be requeued. */
  | 'abandoned';

export interface RunExecutorContext {
  api: WorkerApi;
  /** This worker process's folder (spool, downloads, checkpoints). */
  workDir: string;
  spool: MetricSpool;
  backend: BackendChoice;
  backendName?: BackendName;
  /** Fires on SIGTERM: checkpoint (when the epoch ends within `graceMs`), release, return. */
  shutdown: AbortSignal;
  datasets: DatasetCache;
  log: (message: string) => void;
  /** Check for cancel/shutdown (and send `batch_*` metrics) every this many steps (default 5). */
  stepsPerCheck?: number;
  /** Metric flush interval (default 2 s). */
  flushIntervalMs?: number;
  /** On SIGTERM, finish the epoch if it should end within this long (default 5 s). */
  graceMs?: number;
  /** Where heartbeats come from (default: this thread). */
  lease?: (options: LeaseHandleOptions) => LeaseHandle;
}

/** Loaded datasets by spec: a sweep's runs share one target dataset. Keeps the last two. */
export class DatasetCache {
  private readonly entries = new Map<string, Promise<LoadedDataset>>();

  load(spec: DatasetSpec, inputShape?: [number, number, number]): Promise<LoadedDataset> {
    const key = JSON.stringify([spec, inputShape ?? null]);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = loadDataset(spec, { inputShape });
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
      while (this.entries.size > 2) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }
}

/** A readable sentence for the run page: what went wrong and with which input. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  let text: string;
  if (error instanceof ModelFileError)
    text = `The source model's files are unusable (${error.code}): ${message}`;
  else if (error instanceof DatasetError)
    text = `The dataset cannot be loaded (${error.code}): ${message}`;
  else if (error instanceof SurgeryError) text = `Model surgery failed (${error.code}): ${message}`;
  else if (error instanceof CheckpointError) text = `The checkpoint is unusable: ${message}`;
  else if (error instanceof TrainingOptionsError || error instanceof ArchitectureError)
    text = `Invalid training options: ${message}`;
  else if (error instanceof ApiError)
    text = `The API refused a worker call (${error.code}): ${message}`;
  else text = `Training failed: ${error instanceof Error ? `${error.name}: ` : ''}${message}`;
  return text.length > MAX_RUN_ERROR_LENGTH ? `${text.slice(0, MAX_RUN_ERROR_LENGTH - 1)}…` : text;
}

function finite(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

/** The run's summary as `completeRun` takes it; wall seconds cover every epoch, resumed ones too. */
export function runSummary(
  summary: TrainSummary,
  history: readonly EpochRecord[],
  backend: BackendChoice,
): RunSummary {
  return {
    bestValAccuracy: finite(summary.bestValAccuracy),
    lastValAccuracy: finite(summary.valAccuracy),
    bestValLoss: finite(summary.bestValLoss),
    lastValLoss: finite(summary.valLoss),
    bestEpoch: history.length > 0 ? summary.bestEpoch : null,
    wallSeconds: finite(history.reduce((sum, record) => sum + record.wallSeconds, 0)),
    samplesPerSecond: finite(summary.samplesPerSecond),
    backend: backend.backend,
    device: backend.device,
  };
}

/** True when SIGTERM should wait for the epoch to end: it is expected within `graceMs`. */
export function epochEndsWithin(
  graceMs: number,
  step: number,
  stepsPerEpoch: number,
  msPerStep: number | undefined,
): boolean {
  if (msPerStep === undefined) return false;
  const remaining = (stepsPerEpoch - (step % stepsPerEpoch)) % stepsPerEpoch;
  return remaining * msPerStep <= graceMs;
}

/**
 * Executes one claimed run from download to `completeRun` / `failRun` / `releaseRun`. Never
 * throws: the outcome says what happened (errors of the run itself become `failRun` messages).
 */
export async function executeRun(
  claim: ClaimedRun,
  context: RunExecutorContext,
): Promise<RunOutcome> {
  const { api, log, backend } = context;
  const { runId, leaseToken } = claim;
  const runDir = join(context.workDir, 'runs', runId);
  const hyper = claim.hyperparameters;
  const stepsPerCheck = context.stepsPerCheck ?? 5;
  const graceMs = context.graceMs ?? 5000;
  let stopReason: StopReason | undefined;
  let stopRequestedAt = 0;
  const progress = { epoch: 0, step: 0 };
  const requestStop = (reason: StopReason) => {
    if (stopReason !== undefined) return;
    log(`run ${runId}: stopping (${reason})`);
    stopReason = reason;
    stopRequestedAt = Date.now();
  };
  const onShutdown = () => requestStop('shutdown');
  if (context.shutdown.aborted) onShutdown();
  context.shutdown.addEventListener('abort', onShutdown);

  const shipper = new MetricShipper({
    runId,
    spool: context.spool,
    send: (id, points) => api.logMetrics(id, points, leaseToken),
    flushIntervalMs: context.flushIntervalMs,
    onWarning: log,
  });
  const leaseOptions = {
    runId,
    leaseToken,
    intervalMs: Math.max(250, Math.min(claim.heartbeatSeconds, claim.leaseSeconds / 3) * 1000),
    backend: backend.backend,
    device: backend.device,
    onStop: requestStop,
    onWarning: log,
  };
  const lease = context.lease
    ? context.lease(leaseOptions)
    : inProcessLease((input) => api.heartbeat(input), leaseOptions);
  lease.start();

  /**
   * Waits until every metric point so far is acknowledged. While the API is unreachable that
   * can take long; a cancel or a lost lease ends the wait at once, a shutdown after `graceMs`.
   */
  const drained = async () => {
    const done = shipper.drained().then(() => true);
    done.catch(() => undefined);
    for (;;) {
      const finished = await Promise.race([
        done,
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 250)),
      ]);
      if (finished) return;
      if (stopReason === 'cancelled' || stopReason === 'lease-lost')
        throw new RunStoppedError(stopReason);
      if (stopReason === 'shutdown' && Date.now() - stopRequestedAt > graceMs)
        throw new RunStoppedError(stopReason);
    }
  };

  try {
    await context.spool.setLease(runId, leaseToken);
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    log(
      `run ${runId}: ${claim.kind.toLowerCase()} attempt ${claim.attempt}${
        claim.resume ? `, resuming after epoch ${claim.resume.epoch}` : ''
      } on ${backend.backend} (${backend.device})`,
    );

    let source: tf.LayersModel | undefined;
    let inputShape: [number, number, number] | undefined;
    if (claim.kind === RunKind.Finetune) {
      if (claim.sourceModel === null)
        throw new TrainingOptionsError('the claim names no source model');
      const sourceDir = join(runDir, 'source');
      await api.downloadAllCached(
        claim.sourceModel.artifacts,
        sourceDir,
        join(context.workDir, 'cache', 'artifacts'),
      );
      const loaded = await loadModelDirectory(sourceDir);
      source = loaded.model;
      const shape = source.inputs[0].shape.slice(1);
      if (shape.length === 3 && shape.every((size) => size !== null))
        inputShape = shape as [number, number, number];
    } else if (!ARCHITECTURES.includes(claim.architecture as Architecture)) {
      throw new TrainingOptionsError(
        `unknown architecture '${claim.architecture}'; expected one of ${ARCHITECTURES.join(', ')}`,
      );
    }
    const dataset = await context.datasets.load(claim.dataset.spec, inputShape);

    let resumeFrom: TrainingCheckpoint | undefined;
    if (claim.resume !== null && claim.resume.epoch > 0) {
      const resumeDir = join(runDir, 'resume');
      try {
        await api.downloadAll(claim.resume.artifacts, resumeDir);
        resumeFrom = await readCheckpoint(resumeDir);
      } catch (error) {
        if (error instanceof ApiError && error.retryable) throw error;
        // Starting over re-sends every step, so the series stays whole either way.
        log(`run ${runId}: checkpoint unusable (${(error as Error).message}); starting over`);
      }
    }
    if (resumeFrom) {
      progress.epoch = resumeFrom.epoch;
      progress.step = resumeFrom.globalStep;
    }

    const stepsPerEpoch = Math.ceil(dataset.train.count / hyper.batchSize);
    let firstTick: { at: number; step: number } | undefined;
    let msPerStep: number | undefined;
    const onMetrics = async (points: MetricPoint[]) => {
      // The trainer's steps are synchronous; without a trip through the timers phase here,
      // heartbeats and metric flushes would wait for the epoch to end and the lease could lapse.
      await new Promise((resolve) => setTimeout(resolve, 0));
      shipper.add(toMetricInputs(points));
      const step = points.reduce((max, point) => Math.max(max, point.step), progress.step);
      const now = performance.now();
      if (firstTick === undefined) firstTick = { at: now, step };
      else if (step > firstTick.step) msPerStep = (now - firstTick.at) / (step - firstTick.step);
      progress.step = step;
      progress.epoch = points[0]?.epoch ?? progress.epoch;
      lease.progress(progress);
      if (stopReason === undefined) return;
      if (stopReason === 'shutdown' && epochEndsWithin(graceMs, step, stepsPerEpoch, msPerStep))
        return; // the epoch's checkpoint is near: take it, then stop in onEpochEnd
      throw new RunStoppedError(stopReason);
    };
    const onEpochEnd = async (record: EpochRecord, checkpoint: TrainingCheckpoint) => {
      progress.epoch = record.epoch;
      lease.progress(progress);
      // Every point up to this checkpoint reaches the API before the checkpoint is recorded, so
      // a resume from it never leaves a gap.
      await drained();
      if (record.epoch >= hyper.epochs) return; // the final model follows at once
      if (stopReason !== undefined && stopReason !== 'shutdown')
        throw new RunStoppedError(stopReason);
      const checkpointDir = join(runDir, 'checkpoint');
      await writeCheckpoint(checkpointDir, checkpoint);
      const artifacts = [];
      for (const [kind, file] of [
        [ArtifactKind.CheckpointJson, CHECKPOINT_JSON],
        [ArtifactKind.CheckpointBin, CHECKPOINT_BIN],
      ] as const)
        artifacts.push(
          await api.uploadRunFile({
            runId,
            leaseToken,
            kind,
            fileName: file,
            path: join(checkpointDir, file),
          }),
        );
      await api.recordCheckpoint({
        runId,
        leaseToken,
        epoch: checkpoint.epoch,
        globalStep: checkpoint.globalStep,
        artifactIds: artifacts.map((artifact) => artifact.id),
      });
      if (stopReason !== undefined) throw new RunStoppedError(stopReason);
    };

    const common = {
      dataset,
      epochs: hyper.epochs,
      batchSize: hyper.batchSize,
      learningRate: hyper.learningRate,
      optimizer: hyper.optimizer,
      seed: hyper.seed,
      backend: context.backendName,
      onMetrics,
      onEpochEnd,
      logEverySteps: stepsPerCheck,
      resumeFrom,
    };
    let model: tf.LayersModel;
    let summary: TrainSummary;
    let history: EpochRecord[];
    let completed: CompletedModelInput;
    const modelDir = join(runDir, 'model');
    if (claim.kind === RunKind.Finetune) {
      const result = await finetune({
        ...common,
        source: source!,
        frozenLayers: hyper.frozenLayers,
        initialization: hyper.initialization,
      });
      ({ model, summary, history } = result);
      const saved = await saveModel(model, modelDir, {
        kind: 'target',
        architecture: claim.sourceModel!.architecture,
        inputShape: dataset.inputShape,
        dataset: datasetRecord(dataset, claim.dataset.spec),
        metrics: { valAccuracy: finite(summary.valAccuracy), valLoss: finite(summary.valLoss) },
        trainableParams: summary.trainableParams,
        nonTrainableParams: summary.nonTrainableParams,
        surgery: result.surgery.record,
        source: { directory: `model:${claim.sourceModel!.id}`, weightsSha256: null },
        backend: backend.backend,
      });
      completed = {
        name: claim.targetModelName,
        kind: 'TARGET',
        architecture: claim.sourceModel!.architecture,
        inputShape: dataset.inputShape,
        layers: describeModel(model).map(toLayerInput),
        totalParams: summary.trainableParams + summary.nonTrainableParams,
        trainableParams: summary.trainableParams,
        weightsSha256: saved.weightsSha256,
        datasetId: claim.dataset.id,
        parentModelId: claim.sourceModel!.id,
        surgery: toSurgeryInput(result.surgery.record),
        artifactIds: [],
      };
    } else {
      const result = await pretrain({
        ...common,
        architecture: claim.architecture as Architecture,
      });
      ({ model, summary, history } = result);
      const saved = await saveModel(model, modelDir, {
        kind: 'source',
        architecture: claim.architecture!,
        inputShape: dataset.inputShape,
        dataset: datasetRecord(dataset, claim.dataset.spec),
        metrics: { valAccuracy: finite(summary.valAccuracy), valLoss: finite(summary.valLoss) },
        trainableParams: summary.trainableParams,
        nonTrainableParams: summary.nonTrainableParams,
        backend: backend.backend,
      });
      completed = {
        name: claim.targetModelName,
        kind: 'SOURCE',
        architecture: claim.architecture!,
        inputShape: dataset.inputShape,
        layers: describeModel(model).map(toLayerInput),
        totalParams: summary.trainableParams + summary.nonTrainableParams,
        trainableParams: summary.trainableParams,
        weightsSha256: saved.weightsSha256,
        datasetId: claim.dataset.id,
        parentModelId: null,
        surgery: null,
        artifactIds: [],
      };
    }
    if (stopReason === 'cancelled' || stopReason === 'lease-lost')
      throw new RunStoppedError(stopReason);
    await drained();
    for (const kind of [ArtifactKind.ModelJson, ArtifactKind.Weights, ArtifactKind.ModelMetadata]) {
      const fileName = ARTIFACT_FILE_NAMES[kind];
      const artifact = await api.uploadRunFile({
        runId,
        leaseToken,
        kind,
        fileName,
        path: join(modelDir, fileName),
      });
      completed.artifactIds.push(artifact.id);
    }
    lease.stop();
    const done = await api.complete({
      runId,
      leaseToken,
      summary: runSummary(summary, history, backend),
      model: completed,
    });
    await context.spool.remove(runId);
    log(
      `run ${runId}: succeeded, val_accuracy ${finite(summary.valAccuracy)?.toFixed(4) ?? '—'}, model ${done.model.id}`,
    );
    return 'succeeded';
  } catch (error) {
    return await settle(error);
  } finally {
    lease.stop();
    shipper.stop();
    context.shutdown.removeEventListener('abort', onShutdown);
    // Nothing outlives a run: the source, the trained model and any model an aborted loop left.
    tf.disposeVariables();
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
  }

  /** The API refused a call for this run: ask a heartbeat whether a user cancelled it. */
  async function refusedBecause(): Promise<StopReason> {
    try {
      const answer = await api.heartbeat({ runId, leaseToken });
      return answer.cancelled ? 'cancelled' : 'lease-lost';
    } catch {
      return 'lease-lost';
    }
  }

  /** After a refusal that may be a cancel race: why the run is no longer ours, or undefined. */
  async function whyNoLongerOurs(): Promise<StopReason | undefined> {
    try {
      const answer = await api.heartbeat({ runId, leaseToken });
      return answer.cancelled ? 'cancelled' : undefined;
    } catch (error) {
      return error instanceof ApiError && error.code === ErrorCode.Conflict
        ? 'lease-lost'
        : undefined;
    }
  }

  async function settle(error: unknown): Promise<RunOutcome> {
    // A stop asked for first explains what follows (a cancelled run's lease is gone too).
    const refused =
      error instanceof RunGoneError ||
      (error instanceof ApiError && error.code === ErrorCode.Conflict);
    // FORBIDDEN or NOT_FOUND on a call for this run can be a cancel racing it (an upload whose
    // pending artifact the cancel removed): when a heartbeat says so, the run ends cancelled (or
    // dropped), not failed; when the run is still ours, it fails with the original error.
    const racedByCancel =
      error instanceof ApiError &&
      (error.code === ErrorCode.Forbidden || error.code === ErrorCode.NotFound);
    const reason =
      error instanceof RunStoppedError
        ? error.reason
        : (stopReason ??
          (refused ? await refusedBecause() : racedByCancel ? await whyNoLongerOurs() : undefined));
    if (reason === 'lease-lost') {
      log(`run ${runId}: lease lost; dropping it`);
      await context.spool.remove(runId);
      return 'lease-lost';
    }
    if (reason === 'cancelled') {
      log(`run ${runId}: cancelled`);
      await context.spool.remove(runId);
      return 'cancelled';
    }
    if (reason === 'shutdown') {
      lease.stop();
      // Points after the last checkpoint are re-sent by whoever resumes; the rest must arrive.
      await withDeadline(shipper.drained(), 3000);
      try {
        await api.release({ runId, leaseToken, reason: 'worker shutting down (SIGTERM)' });
        log(`run ${runId}: released to the queue`);
      } catch (releaseError) {
        log(
          `run ${runId}: release failed (${(releaseError as Error).message}); the lease will expire`,
        );
      }
      return 'released';
    }
    if (
      error instanceof ApiError &&
      (error.retryable || error.code === ErrorCode.InternalServerError)
    ) {
      log(`run ${runId}: the API is unreachable (${error.message}); leaving the run to its lease`);
      return 'abandoned';
    }
    const message = describeFailure(error);
    log(`run ${runId}: failed: ${message}`);
    lease.stop();
    try {
      await withDeadline(shipper.drained(), 10_000);
      await api.fail({ runId, leaseToken, error: message });
      await context.spool.remove(runId);
    } catch (failError) {
      log(`run ${runId}: could not report the failure (${(failError as Error).message})`);
      return 'abandoned';
    }
    return 'failed';
  }
}

/** Waits for `promise` at most `ms`; its failure is ignored (what it sends stays spooled). */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
