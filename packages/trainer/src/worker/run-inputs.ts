import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES, RunKind, type Architecture, type DatasetSpec } from '@finetrack/shared';
import { ApiError } from '@finetrack/shared/client';
import type { LoadedDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load-dataset.js';
import { loadModelDirectory } from '../io/load-model.js';
import { imageInputShape } from '../job/run-training-job.js';
import { readCheckpoint, type TrainingCheckpoint } from '../train/checkpoint.js';
import { TrainingOptionsError } from '../train/training-options.js';
import type { ClaimedJob, WorkerApi } from './worker-api.js';

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

/** What a claimed run trains from, downloaded and loaded. */
export interface RunInputs {
  /** FINETUNE only. */
  source?: tf.LayersModel;
  dataset: LoadedDataset;
  /** The last checkpoint, when the run resumes and it is usable. */
  resumeFrom?: TrainingCheckpoint;
}

export interface RunInputsContext {
  api: WorkerApi;
  workDir: string;
  datasets: DatasetCache;
  log: (message: string) => void;
}

/**
 * Downloads and loads a claim's source model (FINETUNE), its dataset and its last checkpoint.
 * An unusable checkpoint only means starting over; a retryable API error is thrown on.
 */
export async function loadRunInputs(
  claim: ClaimedJob,
  runDir: string,
  context: RunInputsContext,
): Promise<RunInputs> {
  const { api, log } = context;
  let source: tf.LayersModel | undefined;
  let inputShape: [number, number, number] | undefined;
  if (claim.kind === RunKind.FINETUNE) {
    if (claim.sourceModel === null)
      throw new TrainingOptionsError('the claim names no source model');
    const sourceDir = join(runDir, 'source');
    await api.downloadAllCached(
      claim.sourceModel.artifacts,
      sourceDir,
      join(context.workDir, 'cache', 'artifacts'),
    );
    source = (await loadModelDirectory(sourceDir)).model;
    inputShape = imageInputShape(source);
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
      log(`run ${claim.runId}: checkpoint unusable (${(error as Error).message}); starting over`);
    }
  }
  return { source, dataset, resumeFrom };
}
