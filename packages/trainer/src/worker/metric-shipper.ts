import { ErrorCode, MAX_METRIC_BATCH, type MetricPointInput } from '@finetrack/shared';
import { ApiError, backoffDelay, sleep } from '@finetrack/shared/client';
import type { MetricPoint } from '../train/types.js';
import type { MetricSpool, SpooledBatch } from './metric-spool.js';

/** What to do with a batch the API refused. */
export type ShipDecision = 'retry' | 'skip' | 'gone';

/** The API no longer accepts metrics for this run (deleted, or not this token's team). */
export class RunGoneError extends Error {
  override readonly name = 'RunGoneError';
}

/**
 * Retry everything that may pass later (network, timeouts, 5xx, a revoked token being replaced);
 * skip a batch the API calls malformed (retrying cannot fix it, and it must not block the rest);
 * stop for a run that is gone or no longer this worker's.
 */
export function classifyShipError(error: unknown): ShipDecision {
  if (!(error instanceof ApiError)) return 'retry';
  if (error.code === ErrorCode.BadUserInput) return 'skip';
  // CONFLICT: this worker no longer holds the run (cancelled, or its lease expired and another
  // worker resumed it from a checkpoint whose points were all acknowledged before it was recorded).
  if (
    error.code === ErrorCode.NotFound ||
    error.code === ErrorCode.Forbidden ||
    error.code === ErrorCode.Conflict
  )
    return 'gone';
  return 'retry';
}

/** Trainer points → `logMetrics` points: wall time in seconds; NaN/±Infinity dropped (the API refuses them). */
export function toMetricInputs(points: readonly MetricPoint[]): MetricPointInput[] {
  return points
    .filter((point) => Number.isFinite(point.value))
    .map((point) => ({
      key: point.key,
      step: point.step,
      value: point.value,
      wallTime: point.wallTime / 1000,
    }));
}

export interface MetricShipperOptions {
  runId: string;
  spool: MetricSpool;
  /** Sends one batch (the worker's `logMetrics` call). */
  send: (runId: string, points: MetricPointInput[]) => Promise<void>;
  /** Longest a point waits in memory before it is spooled and sent (default 2 s). */
  flushIntervalMs?: number;
  /** Points that trigger a flush at once (default 2,000). */
  maxBufferedPoints?: number;
  /**
   * Send the very first points at once rather than after the interval, so a run shows life in the
   * UI as soon as it trains (default true).
   */
  eagerFirstFlush?: boolean;
  /** Back-off between failed sends (the client retries each send a few times first). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /**
   * Most points kept in memory when the spool cannot be written (a full disk) and the API cannot
   * take them either (default 100,000, a few MB). Beyond it the oldest are dropped, with a warning.
   */
  maxUnspooledPoints?: number;
  onWarning?: (message: string) => void;
}

/**
 * Batches a run's metric points and gets them to the API: points wait in memory at most
 * `flushIntervalMs`, then go to the on-disk spool, and a single background loop sends spooled
 * batches in order, merging consecutive ones up to the API's batch limit, with back-off while the
 * API is unreachable. `drained()` resolves once everything added before the call is acknowledged.
 *
 * When the spool cannot be written (ENOSPC, EDQUOT, or any other write error), the points stay in
 * memory and the send loop sends them to the API directly — the API is the durable store; the
 * spool only covers its absence. Every later flush tries to spool them again, oldest first, so
 * the shipper works as before once space is back. Only when the disk and the API are both away
 * for long does memory fill up (`maxUnspooledPoints`); then the oldest points are dropped. Each
 * condition is warned about once when it starts and once when it ends, with counts.
 */
export class MetricShipper {
  private buffer: MetricPointInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Serializes appends, so the spool keeps the order points were added in. */
  private appending: Promise<void> = Promise.resolve();
  private draining: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private gone: RunGoneError | undefined;
  private flushedOnce = false;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedPoints: number;
  /** Points the spool could not take, oldest first; sent directly and spooled again on flush. */
  private unspooled: MetricPointInput[] = [];
  private readonly maxUnspooledPoints: number;
  /** The error of the spool write failing now, or undefined while the spool is writable. */
  private spoolError: string | undefined;
  /** Points dropped since `unspooled` last hit its bound (0 while below it). */
  private droppedPoints = 0;
  /** Spool lines sent, even where writing that down in the spool failed (a full disk). */
  private sentLines = 0;

  constructor(private readonly options: MetricShipperOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 2000;
    this.maxBufferedPoints = options.maxBufferedPoints ?? 2000;
    this.maxUnspooledPoints = options.maxUnspooledPoints ?? 100_000;
  }

  /** Points the spool could not take (a full disk), kept in memory until sent or spooled. */
  get unspooledPoints(): number {
    return this.unspooled.length;
  }

  /** Points waiting in memory (not yet spooled). */
  get buffered(): number {
    return this.buffer.length;
  }

  add(points: readonly MetricPointInput[]): void {
    if (points.length === 0 || this.gone) return;
    this.buffer.push(...points);
    const eager = !this.flushedOnce && (this.options.eagerFirstFlush ?? true);
    if (eager || this.buffer.length >= this.maxBufferedPoints) {
      void this.flush().catch(() => undefined);
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.flushIntervalMs);
    }
  }

  /**
   * Moves buffered points (and any the spool could not take before) to the spool and starts
   * sending them. Resolves once they are spooled or, when the spool cannot be written, kept in
   * memory for the send loop; it does not reject for a full disk.
   */
  flush(): Promise<void> {
    this.flushedOnce = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const points = this.buffer;
    this.buffer = [];
    this.appending = this.appending.then(() => this.spool(points));
    const appended = this.appending;
    void appended.then(() => this.kick()).catch(() => undefined);
    return appended;
  }

  private async spool(points: MetricPointInput[]): Promise<void> {
    const batch = this.unspooled.concat(points);
    this.unspooled = [];
    if (batch.length === 0) return;
    try {
      await this.options.spool.append(this.options.runId, batch);
    } catch (error) {
      this.unspooled = batch.concat(this.unspooled);
      this.keepWithinBound();
      if (this.spoolError === undefined) {
        this.spoolError = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        this.options.onWarning?.(
          `the metric spool ${this.options.spool.directory} cannot be written (${this.spoolError}); ` +
            `points of run ${this.options.runId} are kept in memory (up to ${this.maxUnspooledPoints}) and sent to the API directly until it can`,
        );
      }
      return;
    }
    if (this.spoolError !== undefined) {
      this.options.onWarning?.(
        `the metric spool ${this.options.spool.directory} can be written again; ${batch.length - points.length} points of run ${this.options.runId} kept in memory are spooled`,
      );
      this.spoolError = undefined;
    }
    this.endDropping();
  }

  /** Drops the oldest unspooled points beyond the bound, warning once per episode. */
  private keepWithinBound(): void {
    const excess = this.unspooled.length - this.maxUnspooledPoints;
    if (excess <= 0) return;
    this.unspooled.splice(0, excess);
    if (this.droppedPoints === 0)
      this.options.onWarning?.(
        `the metric spool ${this.options.spool.directory} and the API are both unavailable; more than ${this.maxUnspooledPoints} points of run ${this.options.runId} in memory, dropping the oldest`,
      );
    this.droppedPoints += excess;
  }

  private endDropping(): void {
    if (this.droppedPoints === 0) return;
    this.options.onWarning?.(
      `${this.droppedPoints} metric points of run ${this.options.runId} were dropped while neither the spool nor the API could take them`,
    );
    this.droppedPoints = 0;
  }

  /** Flushes, then waits until the API has acknowledged every spooled batch of the run. */
  async drained(): Promise<void> {
    await this.flush();
    while (this.unspooled.length > 0 || (await this.pending()).length > 0) {
      if (this.gone) throw this.gone;
      if (this.stopController.signal.aborted) throw new Error('the metric shipper was stopped');
      await this.kick();
    }
    if (this.gone) throw this.gone;
  }

  /** Stops the timer and the send loop; spooled batches stay on disk for a later replay. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopController.abort();
  }

  /** Spooled batches not sent yet by this process nor acknowledged by an earlier one. */
  private async pending(): Promise<SpooledBatch[]> {
    const pending = await this.options.spool.pending(this.options.runId);
    return pending.filter((batch) => batch.index >= this.sentLines);
  }

  private kick(): Promise<void> {
    this.draining ??= this.sendLoop().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async sendLoop(): Promise<void> {
    const { runId, spool } = this.options;
    let failures = 0;
    let merge = true;
    while (!this.stopController.signal.aborted && !this.gone) {
      const pending = await this.pending();
      if (pending.length === 0) {
        if (this.unspooled.length === 0) return;
        failures = (await this.sendUnspooled(failures)) ? 0 : failures + 1;
        continue;
      }
      // Merge consecutive batches up to the API's limit: after an outage, one request per
      // 10,000 points rather than one per spooled line.
      let end = 0;
      let count = 0;
      while (
        end < pending.length &&
        (end === 0 || (merge && count + pending[end].points.length <= MAX_METRIC_BATCH))
      ) {
        count += pending[end].points.length;
        end += 1;
      }
      const group = pending.slice(0, end);
      const points = group.flatMap((batch) => batch.points);
      try {
        for (let start = 0; start < points.length; start += MAX_METRIC_BATCH)
          await this.options.send(runId, points.slice(start, start + MAX_METRIC_BATCH));
        failures = 0;
      } catch (error) {
        const decision = classifyShipError(error);
        if (decision === 'gone') {
          this.gone = new RunGoneError(
            `the API no longer takes metrics for run ${runId}: ${(error as Error).message}`,
          );
          this.options.onWarning?.(this.gone.message);
          return;
        }
        if (decision === 'retry') {
          failures += 1;
          const delay = backoffDelay(failures, {
            baseDelayMs: this.options.retryBaseDelayMs ?? 500,
            maxDelayMs: this.options.retryMaxDelayMs ?? 10_000,
          });
          this.options.onWarning?.(
            `metrics for run ${runId} not sent (${(error as Error).message}); ${points.length} points kept on disk, retrying in ${(delay / 1000).toFixed(1)} s`,
          );
          try {
            await sleep(delay, this.stopController.signal);
          } catch {
            return;
          }
          continue;
        }
        if (group.length > 1) {
          merge = false; // find the refused batch alone, so the others still get through
          continue;
        }
        this.options.onWarning?.(
          `the API refused ${points.length} metric points of run ${runId} (${(error as Error).message}); skipped`,
        );
      }
      try {
        await spool.acknowledge(runId, group[group.length - 1].index + 1);
      } catch {
        // A full disk: remembered in memory, so the batch is not sent again by this process; the
        // next acknowledgement that can be written covers it (a restart would resend it, which
        // is harmless: logMetrics upserts).
      }
      this.sentLines = group[group.length - 1].index + 1;
      merge = merge || group.length === 1;
    }
  }

  /**
   * Sends the oldest points the spool could not take. Returns whether the send went through (or
   * the API refused them for good); on a retryable failure it puts them back and backs off.
   */
  private async sendUnspooled(failures: number): Promise<boolean> {
    const { runId } = this.options;
    // Left in `unspooled` while in flight, so a flush meanwhile spools them (sent twice at worst,
    // which is harmless) rather than missing them; taken out by identity once they are through.
    const points = this.unspooled.slice(0, MAX_METRIC_BATCH);
    const forget = () => {
      const through = new Set(points);
      this.unspooled = this.unspooled.filter((point) => !through.has(point));
    };
    try {
      await this.options.send(runId, points);
      forget();
      if (this.unspooled.length === 0) this.endDropping();
      return true;
    } catch (error) {
      const decision = classifyShipError(error);
      if (decision === 'skip') {
        forget();
        this.options.onWarning?.(
          `the API refused ${points.length} metric points of run ${runId} (${(error as Error).message}); skipped`,
        );
        return true;
      }
      if (decision === 'gone') {
        this.gone = new RunGoneError(
          `the API no longer takes metrics for run ${runId}: ${(error as Error).message}`,
        );
        this.options.onWarning?.(this.gone.message);
        return false;
      }
      const delay = backoffDelay(failures + 1, {
        baseDelayMs: this.options.retryBaseDelayMs ?? 500,
        maxDelayMs: this.options.retryMaxDelayMs ?? 10_000,
      });
      await sleep(delay, this.stopController.signal).catch(() => undefined);
      return false;
    }
  }
}
