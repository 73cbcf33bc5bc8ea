import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  ErrorCode,
  LEASE_LOST,
  MAX_SCORE_ERROR_LENGTH,
  PREPROCESSINGS,
  type ClaimedScoreJob,
  type DatasetSpec,
  type Preprocessing,
} from '@finetrack/shared';
import { ApiError } from '@finetrack/shared/client';
import { firstTrainSamples } from '../data/train-subset.js';
import { loadModelDirectory } from '../io/load-model.js';
import { imageInputShape } from '../job/run-training-job.js';
import { scoreSourceModel } from '../transferability/score-source.js';
import { describeFailure } from './run-outcome.js';
import type { DatasetCache } from './run-inputs.js';
import type { WorkerApi } from './worker-api.js';

/** How a scoring job ended for this worker. */
export type ScoreOutcome = 'succeeded' | 'failed' | 'lease-lost' | 'abandoned';

export interface ScoreExecutorContext {
  api: WorkerApi;
  /** This worker process's folder; the job's files live in `scores/<id>` while it runs. */
  workDir: string;
  datasets: DatasetCache;
  log: (message: string) => void;
}

/** The source's pixel scaling as the API names it (`SYMMETRIC`), or undefined for unknown ones. */
function preprocessingOf(job: ClaimedScoreJob): Preprocessing | undefined {
  const mode = job.sourceModel.preprocessing.toLowerCase() as Preprocessing;
  return PREPROCESSINGS.includes(mode) ? mode : undefined;
}

/**
 * Executes one scoring job: downloads the source model (through the artifact cache runs use)
 * and the dataset (the dataset cache), scores the source on the first `trainSamples` training
 * samples (the nested subset a size sweep's runs train on) and reports the scores; any error of
 * the job itself becomes `failScoreJob`. Never throws. There are no heartbeats: the lease lasts
 * SCORE_LEASE_SECONDS, long enough for one forward pass.
 */
export async function executeScoreJob(
  job: ClaimedScoreJob,
  context: ScoreExecutorContext,
): Promise<ScoreOutcome> {
  const { api, log } = context;
  const { scoreId, leaseToken } = job;
  const jobDir = join(context.workDir, 'scores', scoreId);
  let model: tf.LayersModel | undefined;
  try {
    await rm(jobDir, { recursive: true, force: true });
    await mkdir(jobDir, { recursive: true });
    log(`score ${scoreId}: ${job.sourceModel.name} on ${job.dataset.name}, attempt ${job.attempt}`);
    await api.downloadAllCached(
      job.sourceModel.artifacts,
      jobDir,
      join(context.workDir, 'cache', 'artifacts'),
    );
    model = (await loadModelDirectory(jobDir)).model;
    const loaded = await context.datasets.load(
      job.dataset.spec as unknown as DatasetSpec,
      imageInputShape(model),
      job.dataset.id,
    );
    const dataset =
      job.trainSamples === null || job.trainSamples === undefined
        ? loaded
        : firstTrainSamples(loaded, job.trainSamples);
    const score = scoreSourceModel(model, dataset, { preprocessing: preprocessingOf(job) });
    await api.completeScore({
      scoreId,
      leaseToken,
      logMe: score.logMe,
      leep: score.leep,
      nce: score.nce,
      featureDimension: score.featureDimensions,
      samples: score.samples,
      seconds: score.seconds,
    });
    log(`score ${scoreId}: LogME ${score.logMe.toFixed(4)} on ${score.samples} samples`);
    return 'succeeded';
  } catch (error) {
    return settleScore(error, job, context);
  } finally {
    model?.dispose();
    await rm(jobDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function lostLease(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.code === ErrorCode.Conflict &&
    error.details.errors?.[0]?.extensions?.reason === LEASE_LOST
  );
}

/** Reports a failed job (unless its lease is gone or the API cannot be reached). */
async function settleScore(
  error: unknown,
  job: ClaimedScoreJob,
  { api, log }: ScoreExecutorContext,
): Promise<ScoreOutcome> {
  if (lostLease(error)) {
    log(`score ${job.scoreId}: the lease is gone; dropped`);
    return 'lease-lost';
  }
  if (error instanceof ApiError && error.retryable) {
    log(`score ${job.scoreId}: the API is unreachable (${error.message}); a later claim retries`);
    return 'abandoned';
  }
  const message = describeFailure(error).replace(/^Training failed/, 'Scoring failed');
  try {
    await api.failScore({
      scoreId: job.scoreId,
      leaseToken: job.leaseToken,
      error: message.slice(0, MAX_SCORE_ERROR_LENGTH),
    });
    log(`score ${job.scoreId}: failed: ${message}`);
    return 'failed';
  } catch (reportError) {
    log(`score ${job.scoreId}: failed, and the failure was not reported: ${String(reportError)}`);
    return lostLease(reportError) ? 'lease-lost' : 'abandoned';
  }
}
