import { copyFile, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ARTIFACT_FILE_NAME_PATTERN,
  CLAIM_RUN,
  CLAIM_SCORE_JOB,
  COMPLETE_RUN,
  COMPLETE_SCORE_JOB,
  CREATE_ARTIFACT,
  FAIL_RUN,
  FAIL_SCORE_JOB,
  fromGraphQLEnum,
  HEARTBEAT_RUN,
  Initialization,
  LOG_METRICS,
  Optimizer,
  RECORD_CHECKPOINT,
  RELEASE_RUN,
  RunKind,
  type ArtifactKind,
  type ArtifactRef,
  type ClaimedRun,
  type ClaimRunMutationVariables,
  type ClaimScoreJobInput,
  type ClaimedScoreJob,
  type CompleteScoreJobInput,
  type FailScoreJobInput,
  type CompleteRunInput,
  type CompleteRunMutation,
  type DatasetSpec,
  type FailRunInput,
  type HeartbeatRunInput,
  type HeartbeatRunMutation,
  type MetricPointInput,
  type RecordCheckpointInput,
  type ReleaseRunInput,
  type RunHyperparameters,
} from '@finetrack/shared';
import { ApiClient, hashFile, type RequestOptions } from '@finetrack/shared/client';

/**
 * Calls that must eventually get through (metrics, artifacts, completion): retried with back-off
 * for up to `persistentMs` (the lease is long gone by then, so giving up loses nothing).
 */
export interface WorkerApiOptions {
  persistentMs?: number;
}

/** Files a download cache keeps (the most recently used); older ones are deleted. */
const CACHED_FILES = 24;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Deletes all but the `keep` most recently used files of a cache folder. */
async function pruneCache(directory: string, keep: number): Promise<void> {
  const names = (await readdir(directory)).filter((name) => UUID.test(name));
  if (names.length <= keep) return;
  const used = await Promise.all(
    names.map(async (name) => ({
      name,
      at: (await stat(join(directory, name)).catch(() => undefined))?.mtimeMs ?? 0,
    })),
  );
  used.sort((first, second) => second.at - first.at);
  for (const { name } of used.slice(keep)) await rm(join(directory, name), { force: true });
}

/**
 * A claimed run in the trainer's terms: enum values as `@finetrack/shared` stores them
 * (`finetune`, `adam`) instead of their GraphQL names, and the dataset spec as the loaders take it.
 */
export type ClaimedJob = Omit<ClaimedRun, 'kind' | 'hyperparameters' | 'dataset'> & {
  kind: RunKind;
  hyperparameters: RunHyperparameters;
  dataset: Omit<ClaimedRun['dataset'], 'spec'> & { spec: DatasetSpec };
};

/** `claimRun`'s answer → ClaimedJob (the one place GraphQL enum names become stored values). */
export function toClaimedJob(claim: ClaimedRun): ClaimedJob {
  const { hyperparameters } = claim;
  return {
    ...claim,
    kind: fromGraphQLEnum(RunKind, claim.kind),
    hyperparameters: {
      ...hyperparameters,
      optimizer: fromGraphQLEnum(Optimizer, hyperparameters.optimizer),
      initialization: fromGraphQLEnum(Initialization, hyperparameters.initialization),
    },
    // The loaders validate the spec before they trust it (DatasetError otherwise).
    dataset: { ...claim.dataset, spec: claim.dataset.spec as unknown as DatasetSpec },
  };
}

/** The worker protocol over an ApiClient: one typed method per operation. */
export class WorkerApi {
  private readonly persistent: RequestOptions;

  constructor(
    readonly client: ApiClient,
    options: WorkerApiOptions = {},
  ) {
    this.persistent = {
      retry: {
        maxAttempts: Number.POSITIVE_INFINITY,
        maxDelayMs: 5_000,
        maxElapsedMs: options.persistentMs ?? 5 * 60_000,
      },
    };
  }

  async claim(
    input: ClaimRunMutationVariables['input'],
    options: RequestOptions = {},
  ): Promise<ClaimedJob | null> {
    const { claimRun } = await this.client.request(CLAIM_RUN, { input }, options);
    return claimRun && toClaimedJob(claimRun);
  }

  /** The next scoring job, or null; never waits (see CLAIM_SCORE_JOB). */
  async claimScore(
    input: ClaimScoreJobInput,
    options: RequestOptions = {},
  ): Promise<ClaimedScoreJob | null> {
    return (await this.client.request(CLAIM_SCORE_JOB, { input }, options)).claimScoreJob;
  }

  async completeScore(input: CompleteScoreJobInput): Promise<void> {
    await this.client.request(COMPLETE_SCORE_JOB, { input }, this.persistent);
  }

  async failScore(input: FailScoreJobInput): Promise<void> {
    await this.client.request(FAIL_SCORE_JOB, { input }, this.persistent);
  }

  async heartbeat(input: HeartbeatRunInput): Promise<HeartbeatRunMutation['heartbeatRun']> {
    const result = await this.client.request(
      HEARTBEAT_RUN,
      { input },
      { retry: { maxAttempts: 3 } },
    );
    return result.heartbeatRun;
  }

  /**
   * One attempt series; the metric shipper keeps failed batches on disk and retries itself.
   * `leaseToken` is the run's lease: the API refuses a worker's points without the live one.
   */
  async logMetrics(runId: string, points: MetricPointInput[], leaseToken: string): Promise<void> {
    await this.client.request(LOG_METRICS, { runId, points, leaseToken });
  }

  async recordCheckpoint(input: RecordCheckpointInput): Promise<void> {
    await this.client.request(RECORD_CHECKPOINT, { input }, this.persistent);
  }

  async complete(input: CompleteRunInput): Promise<CompleteRunMutation['completeRun']> {
    const result = await this.client.request(COMPLETE_RUN, { input }, this.persistent);
    return result.completeRun;
  }

  async fail(input: FailRunInput): Promise<void> {
    await this.client.request(FAIL_RUN, { input }, this.persistent);
  }

  /** Short retries only: a worker shutting down has seconds, and an expired lease requeues anyway. */
  async release(input: ReleaseRunInput): Promise<void> {
    await this.client.request(
      RELEASE_RUN,
      { input },
      { retry: { maxAttempts: 3, maxElapsedMs: 5000 } },
    );
  }

  /** Announces and uploads one run file; returns its artifact. */
  async uploadRunFile(options: {
    runId: string;
    leaseToken: string;
    kind: ArtifactKind;
    fileName: string;
    path: string;
  }): Promise<ArtifactRef> {
    const { byteSize, sha256 } = await hashFile(options.path);
    const { createArtifact } = await this.client.request(
      CREATE_ARTIFACT,
      {
        input: {
          runId: options.runId,
          leaseToken: options.leaseToken,
          kind: options.kind,
          fileName: options.fileName,
          byteSize,
          sha256,
        },
      },
      this.persistent,
    );
    await this.client.uploadArtifact(
      createArtifact.id,
      options.path,
      { byteSize, sha256 },
      {
        ...this.persistent,
      },
    );
    return createArtifact;
  }

  /**
   * `downloadAll` through a cache folder keyed by artifact id. Artifacts never change, and every
   * run of a sweep downloads the same source model: a file fetched for an earlier run is copied
   * from the cache once its size and sha256 check out again (otherwise it is downloaded afresh).
   * This spares the API three authorised reads and the model's bytes on every run but the first.
   */
  async downloadAllCached(
    artifacts: readonly ArtifactRef[],
    directory: string,
    cacheDirectory: string,
  ): Promise<void> {
    await mkdir(directory, { recursive: true });
    await mkdir(cacheDirectory, { recursive: true });
    for (const artifact of artifacts) {
      if (!ARTIFACT_FILE_NAME_PATTERN.test(artifact.fileName) || !UUID.test(artifact.id)) {
        await this.downloadAll([artifact], directory);
        continue;
      }
      const cached = join(cacheDirectory, artifact.id);
      const expected = { byteSize: artifact.byteSize, sha256: artifact.sha256 };
      const held = await hashFile(cached).catch(() => undefined);
      if (held?.byteSize === expected.byteSize && held.sha256 === expected.sha256) {
        const now = new Date();
        await utimes(cached, now, now);
      } else {
        await this.client.downloadArtifact(artifact.id, cached, expected, this.persistent);
      }
      await copyFile(cached, join(directory, artifact.fileName));
    }
    await pruneCache(cacheDirectory, CACHED_FILES);
  }

  /**
   * Downloads artifacts into `directory` under their file names, each checked against its size
   * and sha256. A name that is not a plain file name is refused (it must not escape the folder).
   */
  async downloadAll(artifacts: readonly ArtifactRef[], directory: string): Promise<void> {
    for (const artifact of artifacts) {
      if (!ARTIFACT_FILE_NAME_PATTERN.test(artifact.fileName))
        throw new Error(`artifact ${artifact.id} has an unusable file name '${artifact.fileName}'`);
      await this.client.downloadArtifact(
        artifact.id,
        join(directory, artifact.fileName),
        { byteSize: artifact.byteSize, sha256: artifact.sha256 },
        this.persistent,
      );
    }
  }
}
