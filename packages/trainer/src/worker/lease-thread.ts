import { parentPort, Worker, workerData } from 'node:worker_threads';
import { ApiClient } from '@finetrack/shared/client';
import {
  inProcessLease,
  type LeaseHandle,
  type LeaseHandleOptions,
  type StopReason,
} from './lease-keeper.js';
import { WorkerApi } from './worker-api.js';

/**
 * Heartbeats from a worker thread. The trainer's steps are synchronous and a big model's step or
 * evaluation can hold the main thread for seconds; a lease kept from the main thread would lapse
 * then. The thread stops heartbeating when the trainer has shown no progress for `stallMs`, so a
 * hung trainer still loses its lease and the run is requeued.
 *
 * One thread serves every run of a worker process: starting a thread boots a fresh V8 isolate
 * and Node's loader (about a third of a CPU second here), which per run would take that much from
 * the neighbouring worker on a host with one worker per core.
 */
type RunLeaseOptions = Omit<LeaseHandleOptions, 'onStop' | 'onWarning'>;

type ToThread =
  | { type: 'start'; apiUrl: string; token: string; stallMs: number; options: RunLeaseOptions }
  | { type: 'progress'; leaseToken: string; epoch: number; step: number }
  | { type: 'stop'; leaseToken: string };
/** Messages name the lease they are about: a run leased again gets a new token. */
type FromThread =
  | { type: 'stop'; leaseToken: string; reason: StopReason }
  | { type: 'warning'; leaseToken: string; message: string };

const THREAD_MARK = 'finetrack-lease-thread';

export class LeaseThread {
  private thread: Worker | undefined;
  /** The lease the thread keeps now; messages about any other are stale. */
  private current: (LeaseHandleOptions & { handle: LeaseHandle }) | undefined;

  constructor(
    private readonly connection: { apiUrl: string; token: () => string; stallMs?: number },
  ) {}

  /** A lease handle for one run; starting it ends whichever lease the thread kept before. */
  lease(options: LeaseHandleOptions): LeaseHandle {
    const { runId, leaseToken, intervalMs, backend, device } = options;
    const plain: RunLeaseOptions = { runId, leaseToken, intervalMs, backend, device };
    const handle: LeaseHandle = {
      start: () => {
        this.current = { ...options, handle };
        this.post({
          type: 'start',
          apiUrl: this.connection.apiUrl,
          token: this.connection.token(),
          stallMs: this.connection.stallMs ?? 15 * 60_000,
          options: plain,
        });
      },
      progress: (update) => {
        if (this.current?.handle === handle) this.post({ type: 'progress', leaseToken, ...update });
      },
      stop: () => {
        if (this.current?.handle !== handle) return;
        this.current = undefined;
        this.thread?.postMessage({ type: 'stop', leaseToken } satisfies ToThread);
      },
    };
    return handle;
  }

  /** Ends the thread (the process exits without it too: it never holds the event loop). */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    this.current = undefined;
    await thread?.terminate();
  }

  private post(message: ToThread): void {
    this.spawn().postMessage(message);
  }

  private spawn(): Worker {
    if (this.thread) return this.thread;
    const thread = new Worker(new URL(import.meta.url), { workerData: THREAD_MARK });
    thread.unref();
    thread.on('message', (message: FromThread) => {
      const current = this.current;
      if (current === undefined || message.leaseToken !== current.leaseToken) return;
      if (message.type === 'stop') current.onStop(message.reason);
      else current.onWarning(message.message);
    });
    const lost = (why: string) => {
      if (this.thread !== thread) return;
      this.thread = undefined; // the next run starts a new one
      this.current?.onWarning(`lease thread ${why}`);
    };
    thread.on('error', (error) => lost(`failed: ${error.message}`));
    thread.on('exit', (code) => lost(`exited (${code})`));
    this.thread = thread;
    return thread;
  }
}

if (parentPort !== null && workerData === THREAD_MARK) {
  const port = parentPort;
  const post = (message: FromThread) => port.postMessage(message);
  let client: { apiUrl: string; token: string; api: WorkerApi } | undefined;
  let active: { leaseToken: string; lease: LeaseHandle; lastProgress: number } | undefined;

  const start = (message: Extract<ToThread, { type: 'start' }>) => {
    active?.lease.stop();
    if (client?.apiUrl !== message.apiUrl || client.token !== message.token)
      client = {
        apiUrl: message.apiUrl,
        token: message.token,
        api: new WorkerApi(new ApiClient({ url: message.apiUrl, token: message.token })),
      };
    const { api } = client;
    const { runId, leaseToken } = message.options;
    let stalled = false;
    const run = {
      leaseToken,
      lastProgress: Date.now(),
      lease: undefined as unknown as LeaseHandle,
    };
    run.lease = inProcessLease(
      async (input) => {
        if (Date.now() - run.lastProgress > message.stallMs) {
          if (!stalled)
            post({
              type: 'warning',
              leaseToken,
              message: `no training progress for ${message.stallMs / 1000} s; letting the lease of run ${runId} expire`,
            });
          stalled = true;
          run.lease.stop();
          throw new Error('stalled');
        }
        return api.heartbeat(input);
      },
      {
        ...message.options,
        onStop: (reason) => post({ type: 'stop', leaseToken, reason }),
        onWarning: (text) => {
          if (!stalled) post({ type: 'warning', leaseToken, message: text });
        },
      },
    );
    active = run;
    run.lease.start();
  };

  port.on('message', (message: ToThread) => {
    if (message.type === 'start') start(message);
    else if (active?.leaseToken !== message.leaseToken) return;
    else if (message.type === 'progress') {
      active.lastProgress = Date.now();
      active.lease.progress({ epoch: message.epoch, step: message.step });
    } else {
      active.lease.stop();
      active = undefined;
    }
  });
}
