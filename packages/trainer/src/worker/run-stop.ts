import { RunStoppedError, type StopReason } from './lease-keeper.js';
import type { MetricShipper } from './metric-shipper.js';

/** Why a run must stop, once asked: the first reason wins. */
export class RunStop {
  reason: StopReason | undefined;
  private requestedAt = 0;

  constructor(
    private readonly runId: string,
    private readonly log: (message: string) => void,
    /** On SIGTERM, how long the run may still take to reach a checkpoint. */
    readonly graceMs: number,
  ) {}

  request = (reason: StopReason): void => {
    if (this.reason !== undefined) return;
    this.log(`run ${this.runId}: stopping (${reason})`);
    this.reason = reason;
    this.requestedAt = Date.now();
  };

  /** True when a user cancelled the run or its lease is gone: nothing more may be sent. */
  get lost(): boolean {
    return this.reason === 'cancelled' || this.reason === 'lease-lost';
  }

  /** Throws when the run must stop now: lost, or shutting down for longer than the grace. */
  throwIfOverdue(): void {
    if (this.lost) throw new RunStoppedError(this.reason!);
    if (this.reason === 'shutdown' && Date.now() - this.requestedAt > this.graceMs)
      throw new RunStoppedError(this.reason);
  }
}

/**
 * Waits until every metric point so far is acknowledged. While the API is unreachable that
 * can take long; a cancel or a lost lease ends the wait at once, a shutdown after the grace.
 */
export async function drainMetrics(shipper: MetricShipper, stop: RunStop): Promise<void> {
  const done = shipper.drained().then(() => true);
  done.catch(() => undefined);
  for (;;) {
    const finished = await Promise.race([
      done,
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 250)),
    ]);
    if (finished) return;
    stop.throwIfOverdue();
  }
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
