import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ARTIFACT_FILE_NAMES, ArtifactKind } from '@finetrack/shared';
import type { BackendChoice, BackendName } from '../backend/select-backend.js';
import { runTrainingJob } from '../job/run-training-job.js';
import { completedModel, jobSpecFromClaim } from './claim-job.js';
import {
  inProcessLease,
  RunStoppedError,
  type LeaseHandle,
  type LeaseHandleOptions,
} from './lease-keeper.js';
import { MetricShipper } from './metric-shipper.js';
import type { MetricSpool } from './metric-spool.js';
import { loadRunInputs, type DatasetCache } from './run-inputs.js';
import { runSummary, settleRun, type RunOutcome } from './run-outcome.js';
import { runSinks } from './run-sinks.js';
import { drainMetrics, RunStop } from './run-stop.js';
import type { ClaimedJob, WorkerApi } from './worker-api.js';

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

/** Uploads the saved model's three files as run artifacts; returns their ids. */
async function uploadModel(api: WorkerApi, claim: ClaimedJob, modelDir: string) {
  const artifactIds: string[] = [];
  for (const kind of [ArtifactKind.ModelJson, ArtifactKind.Weights, ArtifactKind.ModelMetadata]) {
    const fileName = ARTIFACT_FILE_NAMES[kind];
    const artifact = await api.uploadRunFile({
      runId: claim.runId,
      leaseToken: claim.leaseToken,
      kind,
      fileName,
      path: join(modelDir, fileName),
    });
    artifactIds.push(artifact.id);
  }
  return artifactIds;
}

/**
 * Executes one claimed run from download to `completeRun` / `failRun` / `releaseRun`: the
 * protocol around the training job (lease, metrics, uploads, outcome). Never throws: the
 * outcome says what happened (errors of the run itself become `failRun` messages).
 */
export async function executeRun(
  claim: ClaimedJob,
  context: RunExecutorContext,
): Promise<RunOutcome> {
  const { api, log, backend } = context;
  const { runId, leaseToken } = claim;
  const runDir = join(context.workDir, 'runs', runId);
  const stop = new RunStop(runId, log, context.graceMs ?? 5000);
  const onShutdown = () => stop.request('shutdown');
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
    onStop: stop.request,
    onWarning: log,
  };
  const lease = context.lease
    ? context.lease(leaseOptions)
    : inProcessLease((input) => api.heartbeat(input), leaseOptions);
  lease.start();

  try {
    await context.spool.setLease(runId, leaseToken);
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    log(
      `run ${runId}: ${claim.kind.toLowerCase()} attempt ${claim.attempt}${
        claim.resume ? `, resuming after epoch ${claim.resume.epoch}` : ''
      } on ${backend.backend} (${backend.device})`,
    );
    const inputs = await loadRunInputs(claim, runDir, context);
    const modelDir = join(runDir, 'model');
    const spec = jobSpecFromClaim(claim, inputs, { modelDir, backend: context.backendName });
    const result = await runTrainingJob(
      spec,
      runSinks(spec, {
        api,
        claim,
        runDir,
        shipper,
        lease,
        stop,
        stepsPerCheck: context.stepsPerCheck ?? 5,
      }),
    );
    if (stop.lost) throw new RunStoppedError(stop.reason!);
    await drainMetrics(shipper, stop);
    const artifactIds = await uploadModel(api, claim, modelDir);
    lease.stop();
    const done = await api.complete({
      runId,
      leaseToken,
      summary: runSummary(result.summary, result.history, backend),
      model: completedModel(claim, result, artifactIds),
      confusionMatrix: result.confusionMatrix,
    });
    await context.spool.remove(runId);
    const accuracy = Number.isFinite(result.summary.valAccuracy)
      ? result.summary.valAccuracy.toFixed(4)
      : '—';
    log(`run ${runId}: succeeded, val_accuracy ${accuracy}, model ${done.model.id}`);
    return 'succeeded';
  } catch (error) {
    return await settleRun(error, {
      api,
      claim,
      spool: context.spool,
      shipper,
      lease,
      stop,
      log,
    });
  } finally {
    lease.stop();
    shipper.stop();
    context.shutdown.removeEventListener('abort', onShutdown);
    // Nothing outlives a run: the source, the trained model and any model an aborted loop left.
    tf.disposeVariables();
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
