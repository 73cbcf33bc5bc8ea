import {
  ErrorCode,
  FeatureCacheStatus,
  MAX_RUN_ERROR_LENGTH,
  toGraphQLEnum,
  type RunSummaryInput,
} from '@finetrack/shared';
import { ApiError } from '@finetrack/shared/client';
import type { BackendChoice } from '../backend/select-backend.js';
import { trainerErrorKind } from '../job/trainer-errors.js';
import type { EpochRecord, TrainSummary } from '../train/types.js';
import { RunStoppedError, type LeaseHandle, type StopReason } from './lease-keeper.js';
import { RunGoneError, type MetricShipper } from './metric-shipper.js';
import type { MetricSpool } from './metric-spool.js';
import type { RunStop } from './run-stop.js';
import type { ClaimedJob, WorkerApi } from './worker-api.js';

/** How a claimed run ended for this worker. */
export type RunOutcome =
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'lease-lost'
  | 'released'
  /** The API could not be reached for long; the lease will expire and the run be requeued. */
  | 'abandoned';

/** A readable sentence for the run page: what went wrong and with which input. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Read only in the cases below, where `error` is one of the trainer's coded errors.
  const code = () => (error as { code?: string }).code;
  let text: string;
  switch (trainerErrorKind(error)) {
    case 'model-files':
      text = `The source model's files are unusable (${code()}): ${message}`;
      break;
    case 'dataset':
      text = `The dataset cannot be loaded (${code()}): ${message}`;
      break;
    case 'surgery':
      text = `Model surgery failed (${code()}): ${message}`;
      break;
    case 'checkpoint':
      text = `The checkpoint is unusable: ${message}`;
      break;
    case 'training-options':
    case 'architecture':
      text = `Invalid training options: ${message}`;
      break;
    default:
      text =
        error instanceof ApiError
          ? `The API refused a worker call (${error.code}): ${message}`
          : `Training failed: ${error instanceof Error ? `${error.name}: ` : ''}${message}`;
  }
  return text.length > MAX_RUN_ERROR_LENGTH ? `${text.slice(0, MAX_RUN_ERROR_LENGTH - 1)}…` : text;
}

function finite(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * The run's summary as `completeRun` takes it; wall seconds cover every epoch, resumed ones too,
 * and `featureCache` says whether the frozen prefix was cached (or why not, e.g. augmentation).
 */
export function runSummary(
  summary: TrainSummary,
  history: readonly EpochRecord[],
  backend: BackendChoice,
): RunSummaryInput {
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
    featureCache: toGraphQLEnum(FeatureCacheStatus, summary.featureCache),
  };
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

export interface SettleContext {
  api: WorkerApi;
  claim: ClaimedJob;
  spool: MetricSpool;
  shipper: MetricShipper;
  lease: LeaseHandle;
  stop: RunStop;
  log: (message: string) => void;
}

/** The API refused a call for this run: ask a heartbeat whether a user cancelled it. */
async function refusedBecause(context: SettleContext): Promise<StopReason> {
  const { runId, leaseToken } = context.claim;
  try {
    const answer = await context.api.heartbeat({ runId, leaseToken });
    return answer.cancelled ? 'cancelled' : 'lease-lost';
  } catch {
    return 'lease-lost';
  }
}

/** After a refusal that may be a cancel race: why the run is no longer ours, or undefined. */
async function whyNoLongerOurs(context: SettleContext): Promise<StopReason | undefined> {
  const { runId, leaseToken } = context.claim;
  try {
    const answer = await context.api.heartbeat({ runId, leaseToken });
    return answer.cancelled ? 'cancelled' : undefined;
  } catch (error) {
    return error instanceof ApiError && error.code === ErrorCode.Conflict
      ? 'lease-lost'
      : undefined;
  }
}

/** Ends a run that threw: drops it, releases it, leaves it to its lease, or reports it failed. */
export async function settleRun(error: unknown, context: SettleContext): Promise<RunOutcome> {
  const { api, claim, spool, shipper, lease, log } = context;
  const { runId, leaseToken } = claim;
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
      : (context.stop.reason ??
        (refused
          ? await refusedBecause(context)
          : racedByCancel
            ? await whyNoLongerOurs(context)
            : undefined));
  if (reason === 'lease-lost') {
    log(`run ${runId}: lease lost; dropping it`);
    await spool.remove(runId);
    return 'lease-lost';
  }
  if (reason === 'cancelled') {
    log(`run ${runId}: cancelled`);
    await spool.remove(runId);
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
    await spool.remove(runId);
  } catch (failError) {
    log(`run ${runId}: could not report the failure (${(failError as Error).message})`);
    return 'abandoned';
  }
  return 'failed';
}
