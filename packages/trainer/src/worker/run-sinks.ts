import { join } from 'node:path';
import { ArtifactKind } from '@finetrack/shared';
import type { ClaimedJob } from './worker-api.js';
import type { JobSinks, TrainingJobSpec } from '../job/job-spec.js';
import {
  CHECKPOINT_BIN,
  CHECKPOINT_JSON,
  writeCheckpoint,
  type TrainingCheckpoint,
} from '../train/checkpoint.js';
import type { EpochRecord, MetricPoint } from '../train/types.js';
import { RunStoppedError, type LeaseHandle } from './lease-keeper.js';
import { toMetricInputs, type MetricShipper } from './metric-shipper.js';
import { drainMetrics, epochEndsWithin, type RunStop } from './run-stop.js';
import type { WorkerApi } from './worker-api.js';

export interface RunSinksContext {
  api: WorkerApi;
  claim: ClaimedJob;
  runDir: string;
  shipper: MetricShipper;
  lease: LeaseHandle;
  stop: RunStop;
  /** Check for cancel/shutdown (and send `batch_*` metrics) every this many steps. */
  stepsPerCheck: number;
}

/** Writes an epoch's checkpoint, uploads its two files and records it for the run. */
async function uploadCheckpoint(
  context: RunSinksContext,
  checkpoint: TrainingCheckpoint,
): Promise<void> {
  const { api, claim } = context;
  const { runId, leaseToken } = claim;
  const checkpointDir = join(context.runDir, 'checkpoint');
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
}

/**
 * The job's sinks for a claimed run: metrics go to the shipper, progress to the lease, every
 * epoch but the last becomes an uploaded checkpoint, and a requested stop leaves the loop (on
 * SIGTERM, after the epoch's checkpoint when that is near).
 */
export function runSinks(spec: TrainingJobSpec, context: RunSinksContext): JobSinks {
  const { shipper, lease, stop } = context;
  const { epochs, batchSize, resumeFrom } = spec.training;
  const resumed = typeof resumeFrom === 'object' ? resumeFrom : undefined;
  const progress = { epoch: resumed?.epoch ?? 0, step: resumed?.globalStep ?? 0 };
  const stepsPerEpoch = Math.ceil(spec.dataset.train.count / batchSize);
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
    if (stop.reason === undefined) return;
    if (stop.reason === 'shutdown' && epochEndsWithin(stop.graceMs, step, stepsPerEpoch, msPerStep))
      return; // the epoch's checkpoint is near: take it, then stop in onEpochEnd
    throw new RunStoppedError(stop.reason);
  };

  const onEpochEnd = async (record: EpochRecord, checkpoint: TrainingCheckpoint) => {
    progress.epoch = record.epoch;
    lease.progress(progress);
    // Every point up to this checkpoint reaches the API before the checkpoint is recorded, so
    // a resume from it never leaves a gap.
    await drainMetrics(shipper, stop);
    if (record.epoch >= epochs) return; // the final model follows at once
    if (stop.reason !== undefined && stop.reason !== 'shutdown')
      throw new RunStoppedError(stop.reason);
    await uploadCheckpoint(context, checkpoint);
    if (stop.reason !== undefined) throw new RunStoppedError(stop.reason);
  };

  return { onMetrics, onEpochEnd, logEverySteps: context.stepsPerCheck };
}
