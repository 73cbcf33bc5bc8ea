import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES, RunKind, type Architecture, type DatasetSpec } from '@finetrack/shared';
import { ApiError } from '@finetrack/shared/client';
import type { LoadedDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load-dataset.js';
import { DEFAULT_FOLDER_INPUT_SHAPE } from '../data/image-folder.js';
import type { ArchiveCache } from './dataset-cache/archive-cache.js';
import { loadModelDirectory } from '../io/load-model.js';
import { imageInputShape } from '../job/run-training-job.js';
import { readCheckpoint, type TrainingCheckpoint } from '../train/checkpoint.js';
import { TrainingOptionsError } from '../train/training-options.js';
import type { ClaimedJob, WorkerApi } from './worker-api.js';

/** Where the worker's API serves an uploaded dataset's archive. */
export const datasetArchivePath = (datasetId: string) =>
  `/dataset-files/${encodeURIComponent(datasetId)}/archive`;

/**
 * Loaded datasets by spec: a sweep's runs share one target dataset. Keeps the last two. Archive
 * datasets come through the on-disk ArchiveCache (downloaded and decoded once per worker home).
 */
export class DatasetCache {
  private readonly entries = new Map<string, Promise<LoadedDataset>>();

  constructor(
    private readonly archives?: ArchiveCache,
    private readonly api?: WorkerApi,
  ) {}

  load(
    spec: DatasetSpec,
    inputShape?: [number, number, number],
    datasetId?: string,
  ): Promise<LoadedDataset> {
    const key = JSON.stringify([spec, inputShape ?? null]);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = this.loadFresh(spec, inputShape, datasetId);
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
      while (this.entries.size > 2) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  private async loadFresh(
    spec: DatasetSpec,
    inputShape: [number, number, number] | undefined,
    datasetId: string | undefined,
  ): Promise<LoadedDataset> {
    if (spec.kind !== 'archive') return loadDataset(spec, { inputShape });
    const { archives, api } = this;
    if (!archives || !api || datasetId === undefined)
      throw new TrainingOptionsError('this worker has no dataset cache for archive datasets');
    const shape = inputShape ?? spec.inputShape ?? DEFAULT_FOLDER_INPUT_SHAPE;
    const held = await archives.acquire(spec, shape, () =>
      api.client.openDownload(datasetArchivePath(datasetId)),
    );
    try {
      // Loaded into memory here, so the entry may be evicted once this returns.
      return await loadDataset(spec, {
        inputShape: shape,
        archive: { indexFolder: held.indexFolder },
      });
    } finally {
      held.release();
    }
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
  const dataset = await context.datasets.load(claim.dataset.spec, inputShape, claim.dataset.id);

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
