import { spawn, type ChildProcess } from 'node:child_process';
import { backoffDelay } from '@finetrack/shared/client';

export interface SupervisorOptions {
  /** Child processes to keep running (one per core for the single-threaded wasm backend). */
  concurrency: number;
  /** Script the children run (this command's own entry point). */
  script: string;
  /** Arguments for child `slot` (its own slot, concurrency 1). */
  argumentsFor: (slot: number) => string[];
  log: (line: string) => void;
  /** Children still running this long after SIGTERM are killed (default 60 s). */
  stopTimeoutMs?: number;
}

/**
 * `--concurrency N`: N worker processes, each with its own slot of the work folder. A child that
 * dies unexpectedly is started again after a back-off; SIGTERM goes to every child, and the
 * supervisor exits once they have checkpointed, released their runs and exited. A supervisor
 * killed outright leaves no orphans: each child stops as on SIGTERM when its IPC channel closes
 * (see `stopWhenOrphaned`).
 */
export class Supervisor {
  private readonly children = new Map<number, ChildProcess>();
  private readonly restarts = new Map<number, number>();
  private stopping = false;
  private finished!: () => void;
  private readonly done = new Promise<void>((resolve) => {
    this.finished = resolve;
  });

  constructor(private readonly options: SupervisorOptions) {}

  run(): Promise<void> {
    for (let slot = 0; slot < this.options.concurrency; slot += 1) this.spawn(slot);
    return this.done;
  }

  private spawn(slot: number): void {
    const child = spawn(
      process.execPath,
      [...process.execArgv, this.options.script, ...this.options.argumentsFor(slot)],
      // The IPC channel is how a child learns its supervisor died, SIGKILL included: it closes.
      { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] },
    );
    this.children.set(slot, child);
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      this.children.delete(slot);
      if (this.stopping) {
        if (this.children.size === 0) this.finished();
        return;
      }
      // A child that ran a while before dying starts over from a short delay.
      const failures = Date.now() - startedAt > 60_000 ? 1 : (this.restarts.get(slot) ?? 0) + 1;
      this.restarts.set(slot, failures);
      const delay = 1000 + backoffDelay(failures, { baseDelayMs: 1000, maxDelayMs: 30_000 });
      this.options.log(
        `worker slot ${slot} exited (${signal ?? `code ${code}`}); starting it again in ${(delay / 1000).toFixed(1)} s`,
      );
      setTimeout(() => {
        if (!this.stopping) this.spawn(slot);
      }, delay);
    });
  }

  /** Forwards `signal` to every child and resolves `run()` once all have exited. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.stopping = true;
    if (this.children.size === 0) {
      this.finished();
      return;
    }
    for (const child of this.children.values()) child.kill(signal);
    setTimeout(() => {
      for (const child of this.children.values()) child.kill('SIGKILL');
    }, this.options.stopTimeoutMs ?? 60_000).unref();
  }
}

/**
 * In a supervised child: calls `stop` once the supervisor is gone (its IPC channel closed), so
 * the child releases its run and exits instead of working on unsupervised. The channel does not
 * keep the child alive. Answers a function that stops watching.
 */
export function stopWhenOrphaned(stop: () => void): () => void {
  if (!process.channel) return () => undefined;
  process.channel.unref();
  process.once('disconnect', stop);
  return () => process.off('disconnect', stop);
}
