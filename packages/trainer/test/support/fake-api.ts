import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Initialization,
  NO_AUGMENTATION,
  Optimizer,
  toGraphQLEnum,
  type ArtifactRef,
  type ClaimedRun,
  type CompleteRunInput,
  type CreateArtifactMutationVariables,
  type DatasetSpec,
  type FailRunMutationVariables,
  type HeartbeatRunMutationVariables,
  type RecordCheckpointMutationVariables,
  type ReleaseRunMutationVariables,
  type RunHyperparameters,
  type WorkerLogMetricsMutationVariables,
} from '@finetrack/shared';

/** Job kinds as GraphQL names them. */
type RunKind = ClaimedRun['kind'];

/**
 * An in-memory stand-in for the API's worker protocol (the same GraphQL documents and artifact
 * endpoints), so the worker can be tested without PostgreSQL. It keeps every logMetrics write,
 * so tests can tell an overwrite from a first write.
 */
export interface FakeRun {
  id: string;
  kind: RunKind;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  hyperparameters: RunHyperparameters;
  dataset: DatasetSpec;
  architecture: string | null;
  sourceArtifacts: ArtifactRef[];
  attempts: number;
  leaseToken: string | null;
  leaseExpiresAt: number;
  workerId: string | null;
  cancelRequested: boolean;
  checkpoint: { epoch: number; globalStep: number; artifactIds: string[] } | null;
  errorMessage: string | null;
  completion: CompleteRunInput | null;
  backend: string | null;
  heartbeats: number;
  events: string[];
}

interface StoredArtifact extends ArtifactRef {
  bytes: Buffer | null;
  runId: string | null;
}

export class FakeApi {
  readonly token = `ft_worker_${randomUUID()}`;
  readonly runs = new Map<string, FakeRun>();
  readonly artifacts = new Map<string, StoredArtifact>();
  /** Current value per run → `key|step`. */
  readonly metrics = new Map<string, Map<string, number>>();
  /** Every point ever written, in order: run, key, step. */
  readonly writes: { runId: string; key: string; step: number }[] = [];
  /** What each claim announced, in order: its worker id and capabilities. */
  readonly claims: { workerId: string; capabilities: Record<string, unknown> }[] = [];
  /** While true, every request answers 503 (an API restart as a proxy sees it). */
  down = false;
  /**
   * The next upload of a run's file finds the run cancelled and its pending artifact gone (a
   * cancel that won the race): 404 NOT_FOUND, as the API answers for an artifact it removed.
   */
  cancelOnNextUpload = false;
  leaseSeconds = 3;
  heartbeatSeconds = 1;
  private server!: Server;
  url = '';

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Stores bytes as a ready artifact (a source model file). */
  addArtifact(kind: string, fileName: string, bytes: Buffer): ArtifactRef {
    const ref: ArtifactRef = {
      id: randomUUID(),
      kind,
      fileName,
      byteSize: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    this.artifacts.set(ref.id, { ...ref, bytes, runId: null });
    return ref;
  }

  enqueue(run: {
    kind?: RunKind;
    hyperparameters: RunHyperparameters;
    dataset: DatasetSpec;
    architecture?: string;
    sourceArtifacts?: ArtifactRef[];
  }): FakeRun {
    const record: FakeRun = {
      id: randomUUID(),
      kind: run.kind ?? 'FINETUNE',
      status: 'queued',
      hyperparameters: run.hyperparameters,
      dataset: run.dataset,
      architecture: run.architecture ?? null,
      sourceArtifacts: run.sourceArtifacts ?? [],
      attempts: 0,
      leaseToken: null,
      leaseExpiresAt: 0,
      workerId: null,
      cancelRequested: false,
      checkpoint: null,
      errorMessage: null,
      completion: null,
      backend: null,
      heartbeats: 0,
      events: [],
    };
    this.runs.set(record.id, record);
    return record;
  }

  cancel(runId: string): void {
    const run = this.runs.get(runId)!;
    run.cancelRequested = true;
    if (run.status === 'queued') run.status = 'cancelled';
  }

  /** Steps logged for a run's key, ascending. */
  steps(runId: string, key: string): number[] {
    return [...(this.metrics.get(runId)?.keys() ?? [])]
      .map((entry) => entry.split('|'))
      .filter(([name]) => name === key)
      .map(([, step]) => Number(step))
      .sort((a, b) => a - b);
  }

  private expireLeases(): void {
    const now = Date.now();
    for (const run of this.runs.values())
      if (run.status === 'running' && run.leaseExpiresAt < now) {
        run.status = run.cancelRequested ? 'cancelled' : 'queued';
        run.leaseToken = null;
        run.events.push('lease-expired');
      }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const send = (status: number, payload: unknown): void =>
      void response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(payload));
    const error = (status: number, code: string, message: string, extra = {}): void =>
      send(status, { errors: [{ message, extensions: { code, ...extra } }] });
    if (this.down) return error(503, 'INTERNAL_SERVER_ERROR', 'restarting');
    if (request.headers.authorization !== `Bearer ${this.token}`)
      return error(401, 'UNAUTHENTICATED', 'bad token');
    const artifactMatch = /^\/artifacts\/([^/?]+)$/.exec(request.url ?? '');
    if (artifactMatch) {
      const artifact = this.artifacts.get(artifactMatch[1]);
      if (!artifact) return error(404, 'NOT_FOUND', 'artifact not found');
      if (request.method === 'GET') {
        if (!artifact.bytes) return error(404, 'NOT_FOUND', 'artifact not found');
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': artifact.bytes.length,
          etag: `"${artifact.sha256}"`,
        });
        return void response.end(artifact.bytes);
      }
      if (this.cancelOnNextUpload && artifact.runId) {
        this.cancelOnNextUpload = false;
        this.cancel(artifact.runId);
        this.artifacts.delete(artifact.id);
        return error(404, 'NOT_FOUND', 'artifact not found');
      }
      const sha256 = createHash('sha256').update(body).digest('hex');
      if (sha256 !== artifact.sha256 || body.length !== artifact.byteSize)
        return error(400, 'BAD_USER_INPUT', 'size or sha256 mismatch');
      const already = artifact.bytes !== null;
      artifact.bytes = body;
      return send(already ? 200 : 201, { id: artifact.id, byteSize: body.length, sha256 });
    }
    const { query, variables } = JSON.parse(body.toString('utf8')) as {
      query: string;
      variables: Record<string, unknown>;
    };
    const operation = /(?:mutation|query)\s+(\w+)/.exec(query)?.[1];
    const lease = (input: { runId: string; leaseToken: string }) => {
      const run = this.runs.get(input.runId);
      if (!run) return undefined;
      return run.leaseToken === input.leaseToken && run.status === 'running' ? run : null;
    };
    const leaseLost = () => error(200, 'CONFLICT', 'lease lost', { reason: 'LEASE_LOST' });
    this.expireLeases();
    switch (operation) {
      // This fake queues runs only: a worker asking for a scoring job first gets none.
      case 'ClaimScoreJob':
        return send(200, { data: { claimScoreJob: null } });
      case 'ClaimRun': {
        this.claims.push(
          variables.input as { workerId: string; capabilities: Record<string, unknown> },
        );
        const run = [...this.runs.values()].find((candidate) => candidate.status === 'queued');
        if (!run) return send(200, { data: { claimRun: null } });
        run.status = 'running';
        run.attempts += 1;
        run.leaseToken = randomUUID();
        run.leaseExpiresAt = Date.now() + this.leaseSeconds * 1000;
        run.workerId = (variables.input as { workerId: string }).workerId;
        run.events.push(`claimed:${run.attempts}`);
        const checkpoint = run.checkpoint;
        const claim: ClaimedRun = {
          runId: run.id,
          teamId: 'team',
          experimentId: run.kind === 'FINETUNE' ? 'experiment' : null,
          kind: run.kind,
          attempt: run.attempts,
          leaseToken: run.leaseToken,
          leaseExpiresAt: new Date(run.leaseExpiresAt).toISOString(),
          leaseSeconds: this.leaseSeconds,
          heartbeatSeconds: this.heartbeatSeconds,
          hyperparameters: {
            ...run.hyperparameters,
            optimizer: toGraphQLEnum(Optimizer, run.hyperparameters.optimizer),
            initialization: toGraphQLEnum(Initialization, run.hyperparameters.initialization),
            trainSamples: run.hyperparameters.trainSamples ?? null,
            augmentation: run.hyperparameters.augmentation ?? { ...NO_AUGMENTATION },
          },
          architecture: run.architecture,
          dataset: { id: 'dataset', name: 'dataset', spec: { ...run.dataset }, classNames: [] },
          sourceModel:
            run.kind === 'FINETUNE'
              ? {
                  id: 'source-model',
                  name: 'source',
                  architecture: 'small-cnn',
                  inputShape: [28, 28, 1],
                  preprocessing: 'UNIT',
                  artifacts: run.sourceArtifacts,
                }
              : null,
          resume: checkpoint
            ? {
                epoch: checkpoint.epoch,
                globalStep: checkpoint.globalStep,
                artifacts: checkpoint.artifactIds.map((id) => {
                  const { bytes: _bytes, runId: _runId, ...ref } = this.artifacts.get(id)!;
                  return ref;
                }),
              }
            : null,
          targetModelName: `model-${run.id.slice(0, 8)}`,
        };
        return send(200, { data: { claimRun: claim } });
      }
      case 'HeartbeatRun': {
        const input = (variables as unknown as HeartbeatRunMutationVariables).input;
        const run = lease(input);
        if (!run) return leaseLost();
        run.heartbeats += 1;
        run.backend ??= input.backend ?? null;
        run.leaseExpiresAt = Date.now() + this.leaseSeconds * 1000;
        if (run.cancelRequested) {
          run.status = 'cancelled';
          run.leaseToken = null;
        }
        return send(200, {
          data: {
            heartbeatRun: {
              cancelled: run.cancelRequested,
              leaseExpiresAt: new Date(run.leaseExpiresAt).toISOString(),
            },
          },
        });
      }
      case 'WorkerLogMetrics': {
        const { runId, points, leaseToken } =
          variables as unknown as WorkerLogMetricsMutationVariables;
        if (!this.runs.has(runId)) return error(200, 'NOT_FOUND', 'run not found');
        // As the API: a worker writes only under the run's live lease.
        if (!lease({ runId, leaseToken: leaseToken ?? '' })) return leaseLost();
        const series = this.metrics.get(runId) ?? new Map<string, number>();
        this.metrics.set(runId, series);
        for (const point of points) {
          series.set(`${point.key}|${point.step}`, point.value);
          this.writes.push({ runId, key: point.key, step: point.step });
        }
        return send(200, { data: { logMetrics: { runId, written: points.length } } });
      }
      case 'CreateArtifact': {
        const input = (variables as unknown as CreateArtifactMutationVariables).input;
        if (input.runId && !lease({ runId: input.runId, leaseToken: input.leaseToken ?? '' }))
          return leaseLost();
        const artifact: StoredArtifact = {
          id: randomUUID(),
          kind: input.kind,
          fileName: input.fileName,
          byteSize: input.byteSize,
          sha256: input.sha256,
          bytes: null,
          runId: input.runId ?? null,
        };
        this.artifacts.set(artifact.id, artifact);
        const { bytes: _bytes, runId: _runId, ...ref } = artifact;
        return send(200, { data: { createArtifact: ref } });
      }
      case 'RecordCheckpoint': {
        const input = (variables as unknown as RecordCheckpointMutationVariables).input;
        const run = lease(input);
        if (!run) return leaseLost();
        run.checkpoint = {
          epoch: input.epoch,
          globalStep: input.globalStep,
          artifactIds: input.artifactIds,
        };
        run.events.push(`checkpoint:${input.epoch}`);
        return send(200, { data: { recordCheckpoint: { id: run.id } } });
      }
      case 'CompleteRun': {
        const input = (variables as unknown as { input: CompleteRunInput }).input;
        const run = lease(input);
        if (!run) return leaseLost();
        run.status = 'succeeded';
        run.completion = input;
        run.events.push('completed');
        return send(200, {
          data: {
            completeRun: {
              run: { id: run.id, status: 'SUCCEEDED' },
              model: { id: randomUUID(), name: input.model.name, parentModelId: null },
            },
          },
        });
      }
      case 'FailRun': {
        const input = (variables as unknown as FailRunMutationVariables).input;
        const run = lease(input);
        if (!run) return leaseLost();
        run.status = 'failed';
        run.errorMessage = input.error;
        run.events.push('failed');
        return send(200, { data: { failRun: { id: run.id, status: 'FAILED' } } });
      }
      case 'ReleaseRun': {
        const input = (variables as unknown as ReleaseRunMutationVariables).input;
        const run = lease(input);
        if (!run) return leaseLost();
        run.status = 'queued';
        run.leaseToken = null;
        run.events.push('released');
        return send(200, { data: { releaseRun: { id: run.id, status: 'QUEUED' } } });
      }
      default:
        return error(400, 'GRAPHQL_VALIDATION_FAILED', `unknown operation ${operation}`);
    }
  }
}
