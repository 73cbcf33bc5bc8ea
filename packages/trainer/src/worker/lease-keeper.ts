import { ErrorCode, type HeartbeatRunInput, type HeartbeatRunMutation } from '@finetrack/shared';
import { ApiError } from '@finetrack/shared/client';

/** Why a run stopped before it finished. */
export type StopReason = 'cancelled' | 'lease-lost' | 'shutdown';

/** Thrown inside the training callbacks to leave the trainer's loop. */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
  constructor(readonly reason: StopReason) {
    super(`run stopped: ${reason}`);
  }
}

export interface LeaseKeeperOptions {
  runId: string;
  leaseToken: string;
  intervalMs: number;
  heartbeat: (input: HeartbeatRunInput) => Promise<HeartbeatRunMutation['heartbeatRun']>;
  /** Progress and the run's backend, sent with each heartbeat. */
  progress: () => { epoch?: number; step?: number; backend?: string; device?: string };
  /** Called once when the run must stop (a user cancelled it, or the lease is someone else's). */
  onStop: (reason: StopReason) => void;
  onWarning?: (message: string) => void;
}

/**
 * Keeps a run's lease alive: one heartbeat at once, then one every `intervalMs` (never two in
 * flight). `cancelled: true` stops the run; a CONFLICT or NOT_FOUND means the lease is gone
 * (expired and re-claimed, or the run deleted). Network trouble is only logged: the client
 * retries, and if the lease runs out meanwhile the next answer says so.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  leaseExpiresAt: string | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {}

  start(): void {
    this.tick();
  }

  /** Sends a heartbeat now (if none is in flight) and waits for it. */
  beat(): Promise<void> {
    this.inFlight ??= this.send().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private tick(): void {
    if (this.stopped) return;
    void this.beat().finally(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
    });
  }

  private async send(): Promise<void> {
    const { runId, leaseToken } = this.options;
    try {
      const result = await this.options.heartbeat({
        runId,
        leaseToken,
        ...this.options.progress(),
      });
      this.leaseExpiresAt = result.leaseExpiresAt;
      if (result.cancelled) this.fire('cancelled');
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === ErrorCode.Conflict || error.code === ErrorCode.NotFound)
      ) {
        this.fire('lease-lost');
        return;
      }
      this.options.onWarning?.(`heartbeat for run ${runId} failed: ${(error as Error).message}`);
    }
  }

  private fire(reason: StopReason): void {
    if (this.stopped) return;
    this.stop();
    this.options.onStop(reason);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** What the executor holds while a run is leased, wherever the heartbeats are sent from. */
export interface LeaseHandle {
  start(): void;
  /** The latest progress, sent with the next heartbeat (and proof the trainer is alive). */
  progress(update: { epoch: number; step: number }): void;
  stop(): void;
}

export interface LeaseHandleOptions {
  runId: string;
  leaseToken: string;
  intervalMs: number;
  backend: string;
  device: string;
  onStop: (reason: StopReason) => void;
  onWarning: (message: string) => void;
}

/** Heartbeats from this thread (tests, and hosts where a thread is not wanted). */
export function inProcessLease(
  heartbeat: LeaseKeeperOptions['heartbeat'],
  options: LeaseHandleOptions,
): LeaseHandle {
  let current = { epoch: 0, step: 0 };
  let reported = false;
  const keeper = new LeaseKeeper({
    runId: options.runId,
    leaseToken: options.leaseToken,
    intervalMs: options.intervalMs,
    heartbeat,
    progress: () => {
      const extra = reported ? {} : { backend: options.backend, device: options.device };
      reported = true;
      return { ...current, ...extra };
    },
    onStop: options.onStop,
    onWarning: options.onWarning,
  });
  return {
    start: () => keeper.start(),
    progress: (update) => {
      current = update;
    },
    stop: () => keeper.stop(),
  };
}
