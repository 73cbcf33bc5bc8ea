import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  ExitCode,
  WORKER_PROTOCOL_VERSION,
  type ClaimedScoreJob,
  type WorkerCapabilitiesInput,
} from '@finetrack/shared';
import { ArchiveCache, workerCacheBytes } from './dataset-cache/archive-cache.js';
import {
  ApiClient,
  ApiError,
  ClientErrorCode,
  backoffDelay,
  sleep,
} from '@finetrack/shared/client';
import { selectBackend, type BackendChoice, type BackendName } from '../backend/select-backend.js';
import { writeHeartbeat, type HeartbeatRecord } from './health.js';
import { LeaseThread } from './lease-thread.js';
import { MetricShipper, RunGoneError } from './metric-shipper.js';
import { MetricSpool } from './metric-spool.js';
import { executeRun } from './run-executor.js';
import { executeScoreJob } from './score-executor.js';
import { DatasetCache } from './run-inputs.js';
import type { RunOutcome } from './run-outcome.js';
import { WorkerApi, type ClaimedJob } from './worker-api.js';
import { workerVersion } from './worker-version.js';

export interface WorkerOptions {
  apiUrl: string;
  /** The token itself, or a file holding it (read again when the API says it is invalid). */
  token?: string;
  tokenFile?: string;
  /** Folder shared by the worker processes of one host; each process uses `slot-<slot>` in it. */
  workDir: string;
  slot?: number;
  /** What the workers page calls this worker (default: the hostname). */
  name?: string;
  /** Worker processes on this host (the supervisor's --concurrency; default 1). */
  concurrency?: number;
  backend?: BackendName;
  /** Seconds the API may hold a claim open waiting for a job (long poll; default 10). */
  claimWaitSeconds?: number;
  /** Pause between claims when the API answers "nothing queued" at once (default 1 s). */
  pollIntervalMs?: number;
  /** Stop after this many runs and scoring jobs (tests, one-shot jobs). */
  maxRuns?: number;
  /** How long metrics, artifacts and completion are retried while the API is unreachable. */
  persistentMs?: number;
  requestTimeoutMs?: number;
  stepsPerCheck?: number;
  flushIntervalMs?: number;
  graceMs?: number;
  log?: (line: string) => void;
  /** Wait until `GET <api>/healthz` answers 200 before the first claim (`npm start`). */
  waitForApi?: boolean;
  /** Heartbeats from a worker thread (default), immune to long synchronous training steps. */
  leaseThread?: boolean;
}

const HEARTBEAT_FILE_INTERVAL_MS = 5000;

/** Thrown when the worker cannot start (token file unreadable, slot held by a live process…). */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<slotDir>/lock` for this process; a lock of a dead process is taken over. */
async function lockSlot(slotDir: string): Promise<() => Promise<void>> {
  await mkdir(slotDir, { recursive: true });
  const file = join(slotDir, 'lock');
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder))
      throw new WorkerStartError(
        `${slotDir} is used by worker process ${holder}; give each worker its own --work-dir`,
      );
    await writeFile(file, String(process.pid));
  }
  return () => rm(file, { force: true });
}

/**
 * One worker process: claims runs of its token's team from the API and executes them one at a
 * time until `shutdown()` (SIGTERM), which checkpoints and releases the current run.
 */
export class Worker {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly stopController = new AbortController();
  private readonly log: (line: string) => void;
  private state: HeartbeatRecord['state'] = 'starting';
  private currentRun: string | null = null;
  private client!: ApiClient;
  private token = '';
  /** Keeps the current run's lease from a thread of its own (one for all runs). */
  private readonly leaseThread: LeaseThread;

  constructor(private readonly options: WorkerOptions) {
    this.leaseThread = new LeaseThread({ apiUrl: options.apiUrl, token: () => this.token });
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Stops claiming; the current run checkpoints, is released and `run()` resolves. */
  shutdown(): void {
    if (!this.stopController.signal.aborted) this.log('shutting down');
    this.state = 'stopping';
    this.stopController.abort();
  }

  get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async readToken(): Promise<string> {
    if (this.options.token) return this.options.token;
    const file = this.options.tokenFile;
    if (!file) throw new WorkerStartError('give the worker a token (--token or --token-file)');
    let announced = false;
    for (;;) {
      try {
        const token = (await readFile(file, 'utf8')).trim();
        if (token) return token;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (!announced) this.log(`waiting for the token file ${file}`);
      announced = true;
      await sleep(500, this.stopController.signal);
    }
  }

  /** Polls `/healthz` until the API answers (started side by side with it by `npm start`). */
  private async waitForApi(): Promise<void> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '').replace(/\/graphql$/, '')}/healthz`;
    let announced = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (response.ok) return;
      } catch {
        // not up yet
      }
      if (!announced) this.log(`waiting for the API at ${url}`);
      announced = true;
      await sleep(Math.min(2000, 200 * attempt), this.stopController.signal);
    }
  }

  /** Runs until shutdown (or `maxRuns`); resolves to the process exit code. */
  async run(): Promise<number> {
    const { options } = this;
    const slotDir = join(options.workDir, `slot-${options.slot ?? 0}`);
    const unlock = await lockSlot(slotDir);
    const beatFile = async () =>
      writeHeartbeat(options.workDir, {
        pid: process.pid,
        workerId: this.workerId,
        state: this.state,
        runId: this.currentRun,
        at: new Date().toISOString(),
      }).catch(() => undefined);
    await beatFile();
    const fileTimer = setInterval(() => void beatFile(), HEARTBEAT_FILE_INTERVAL_MS);
    try {
      if (options.waitForApi) await this.waitForApi();
      const token = await this.readToken();
      this.token = token;
      this.client = new ApiClient({
        url: options.apiUrl,
        token,
        timeoutMs: options.requestTimeoutMs,
        userAgent: `finetrack-worker/${WORKER_PROTOCOL_VERSION}`,
        // Retries 1, 2, 4, 8…: enough to see an outage in the log without a line per attempt.
        onRetry: (error, retry, delayMs) => {
          if ((retry & (retry - 1)) === 0)
            this.log(
              `API unreachable (${error.code}: ${error.message}); retry ${retry} in ${(delayMs / 1000).toFixed(1)} s`,
            );
        },
      });
      const api = new WorkerApi(this.client, { persistentMs: options.persistentMs });
      const backend = await selectBackend(options.backend);
      this.log(
        `worker ${this.workerId} on ${backend.backend} (${backend.device}), API ${this.client.baseUrl}`,
      );
      const spool = new MetricSpool(join(slotDir, 'spool'));
      const replay = this.replaySpool(spool, api);
      // One archive cache for every slot of the work folder, so concurrent slots share downloads
      // on disk (entries are renamed into place whole, so slots never see half of one).
      const datasets = new DatasetCache(
        new ArchiveCache(join(options.workDir, 'cache', 'datasets'), workerCacheBytes(), (line) =>
          this.log(line),
        ),
        api,
      );
      const capabilities: WorkerCapabilitiesInput = {
        protocolVersion: WORKER_PROTOCOL_VERSION,
        backends: [backend.backend],
        device: backend.device,
        kinds: ['PRETRAIN', 'FINETUNE'],
        hostname: hostname(),
        name: options.name ?? null,
        concurrency: options.concurrency ?? 1,
        version: workerVersion(),
      };
      let runs = 0;
      while (!this.stopping && (options.maxRuns === undefined || runs < options.maxRuns)) {
        this.state = 'idle';
        // Scoring jobs are short (one forward pass): a waiting one goes before the next run.
        const scoreJob = await this.claimScore(api, capabilities);
        if (scoreJob) {
          this.state = 'running';
          this.currentRun = scoreJob.scoreId;
          const outcome = await executeScoreJob(scoreJob, {
            api,
            workDir: slotDir,
            datasets,
            log: this.log,
          });
          this.currentRun = null;
          if (outcome === 'succeeded' || outcome === 'failed') runs += 1;
          continue;
        }
        const claim = await this.claim(api, { ...capabilities, scoreJobs: this.scoring });
        if (claim === null) continue;
        this.state = 'running';
        this.currentRun = claim.runId;
        void beatFile();
        const outcome = await this.execute(claim, api, spool, backend, datasets, slotDir);
        this.log(`run ${claim.runId}: ${outcome}`);
        this.currentRun = null;
        // Only runs this worker finished count; a lost or released lease is someone else's now.
        if (outcome === 'succeeded' || outcome === 'failed' || outcome === 'cancelled') runs += 1;
      }
      await Promise.race([replay, sleep(2000).catch(() => undefined)]);
      return ExitCode.Ok;
    } catch (error) {
      if (error instanceof ApiError && error.code === ClientErrorCode.Aborted) return ExitCode.Ok;
      throw error;
    } finally {
      clearInterval(fileTimer);
      await this.leaseThread.close();
      this.state = 'stopping';
      await beatFile();
      await unlock();
    }
  }

  private execute(
    claim: ClaimedJob,
    api: WorkerApi,
    spool: MetricSpool,
    backend: BackendChoice,
    datasets: DatasetCache,
    slotDir: string,
  ): Promise<RunOutcome> {
    return executeRun(claim, {
      api,
      workDir: slotDir,
      spool,
      backend,
      backendName: this.options.backend,
      shutdown: this.stopController.signal,
      datasets,
      log: this.log,
      stepsPerCheck: this.options.stepsPerCheck,
      flushIntervalMs: this.options.flushIntervalMs,
      graceMs: this.options.graceMs,
      lease:
        this.options.leaseThread === false
          ? undefined
          : (options) => this.leaseThread.lease(options),
    });
  }

  /** Whether the API takes scoring jobs (an older one knows neither claimScoreJob nor scoreJobs). */
  private scoring = true;

  /**
   * The next scoring job, or null (none, or the API is unreachable: the run claim that follows
   * reports that and backs off).
   */
  private async claimScore(
    api: WorkerApi,
    capabilities: WorkerCapabilitiesInput,
  ): Promise<ClaimedScoreJob | null> {
    if (!this.scoring) return null;
    try {
      return await api.claimScore(
        { workerId: this.workerId, capabilities: { ...capabilities, scoreJobs: true } },
        { signal: this.stopController.signal, retry: { maxAttempts: 1 } },
      );
    } catch (error) {
      if (error instanceof ApiError && /claimScoreJob|scoreJobs/.test(error.message))
        this.stopScoring();
      return null;
    }
  }

  private stopScoring(): void {
    this.scoring = false;
    this.log('this API takes no scoring jobs; claiming runs only');
  }

  /** Claims the next run; null when there is none yet or the API is unreachable (after a pause). */
  private waitSeconds = -1;
  private claimFailures = 0;
  private lastClaimError = '';

  private async claim(
    api: WorkerApi,
    capabilities: WorkerCapabilitiesInput,
  ): Promise<ClaimedJob | null> {
    if (this.waitSeconds < 0) this.waitSeconds = this.options.claimWaitSeconds ?? 10;
    const started = Date.now();
    try {
      const claim = await api.claim(
        {
          workerId: this.workerId,
          capabilities,
          ...(this.waitSeconds > 0 ? { waitSeconds: this.waitSeconds } : {}),
        },
        {
          signal: this.stopController.signal,
          timeoutMs: (this.waitSeconds + 20) * 1000,
          retry: { maxAttempts: 1 },
        },
      );
      if (this.claimFailures > 0) this.log('the API answers again');
      this.claimFailures = 0;
      this.lastClaimError = '';
      if (claim === null && Date.now() - started < 500)
        await sleep(this.options.pollIntervalMs ?? 1000, this.stopController.signal);
      return claim;
    } catch (error) {
      if (this.stopping) return null;
      if (!(error instanceof ApiError)) throw error;
      // An API without long polling rejects the argument: poll instead.
      if (this.waitSeconds > 0 && /waitSeconds/.test(error.message)) {
        this.waitSeconds = 0;
        return null;
      }
      if (this.scoring && /scoreJobs/.test(error.message)) {
        this.stopScoring();
        return null;
      }
      if (error.code === ErrorCode.Unauthenticated && this.options.tokenFile) {
        const token = (await readFile(this.options.tokenFile, 'utf8').catch(() => '')).trim();
        if (token) {
          this.client.setToken(token);
          this.token = token;
        }
      }
      this.claimFailures += 1;
      const delay = backoffDelay(this.claimFailures, { baseDelayMs: 500, maxDelayMs: 10_000 });
      if (error.message !== this.lastClaimError)
        this.log(`cannot claim a run (${error.code}: ${error.message}); retrying with back-off`);
      this.lastClaimError = error.message;
      await sleep(delay, this.stopController.signal).catch(() => undefined);
      return null;
    }
  }

  /**
   * Sends what an earlier process of this slot left in its spool (killed, or stopped while the
   * API was down). Runs in the background; the API upserts, so re-sending is harmless.
   */
  private async replaySpool(spool: MetricSpool, api: WorkerApi): Promise<void> {
    for (const runId of await spool.runs()) {
      const leaseToken = await spool.lease(runId);
      if (leaseToken === undefined) {
        // Written before leases were kept: the API would refuse it, and whoever resumes the run
        // sends every step after its checkpoint again.
        await spool.remove(runId);
        continue;
      }
      const shipper = new MetricShipper({
        runId,
        spool,
        send: (id, points) => api.logMetrics(id, points, leaseToken),
        onWarning: this.log,
      });
      const stop = () => shipper.stop();
      this.stopController.signal.addEventListener('abort', stop, { once: true });
      try {
        await shipper.drained();
        await spool.remove(runId);
        this.log(`replayed the spooled metrics of run ${runId}`);
      } catch (error) {
        if (error instanceof RunGoneError) await spool.remove(runId);
        else return;
      } finally {
        this.stopController.signal.removeEventListener('abort', stop);
      }
    }
  }
}
