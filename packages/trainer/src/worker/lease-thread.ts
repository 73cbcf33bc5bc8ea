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
 */
interface LeaseThreadData {
  apiUrl: string;
  token: string;
  stallMs: number;
  options: Omit<LeaseHandleOptions, 'onStop' | 'onWarning'>;
}

type ToThread = { type: 'progress'; epoch: number; step: number } | { type: 'stop' };
type FromThread = { type: 'stop'; reason: StopReason } | { type: 'warning'; message: string };

export function threadedLease(
  connection: { apiUrl: string; token: string; stallMs?: number },
  options: LeaseHandleOptions,
): LeaseHandle {
  let thread: Worker | undefined;
  const { onStop, onWarning, ...plain } = options;
  return {
    start() {
      const data: LeaseThreadData = {
        apiUrl: connection.apiUrl,
        token: connection.token,
        stallMs: connection.stallMs ?? 15 * 60_000,
        options: plain,
      };
      thread = new Worker(new URL(import.meta.url), { workerData: data });
      thread.unref();
      thread.on('message', (message: FromThread) => {
        if (message.type === 'stop') onStop(message.reason);
        else onWarning(message.message);
      });
      thread.on('error', (error) => onWarning(`lease thread failed: ${error.message}`));
    },
    progress(update) {
      thread?.postMessage({ type: 'progress', ...update } satisfies ToThread);
    },
    stop() {
      void thread?.terminate();
      thread = undefined;
    },
  };
}

if (parentPort !== null && (workerData as LeaseThreadData | undefined)?.options !== undefined) {
  const port = parentPort;
  const data = workerData as LeaseThreadData;
  const api = new WorkerApi(new ApiClient({ url: data.apiUrl, token: data.token }));
  let lastProgress = Date.now();
  let stalled = false;
  const post = (message: FromThread) => port.postMessage(message);
  const lease = inProcessLease(
    async (input) => {
      if (Date.now() - lastProgress > data.stallMs) {
        if (!stalled)
          post({
            type: 'warning',
            message: `no training progress for ${data.stallMs / 1000} s; letting the lease of run ${input.runId} expire`,
          });
        stalled = true;
        lease.stop();
        throw new Error('stalled');
      }
      return api.heartbeat(input);
    },
    {
      ...data.options,
      onStop: (reason) => post({ type: 'stop', reason }),
      onWarning: (message) => {
        if (!stalled) post({ type: 'warning', message });
      },
    },
  );
  port.on('message', (message: ToThread) => {
    if (message.type === 'progress') {
      lastProgress = Date.now();
      lease.progress({ epoch: message.epoch, step: message.step });
    } else {
      lease.stop();
      port.close();
    }
  });
  lease.start();
}
