import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CLAIM_RUN,
  CREATE_ARTIFACT,
  RECORD_CHECKPOINT,
  WORKER_PROTOCOL_VERSION,
  type ClaimedRun,
  type WorkerCapabilitiesInput,
  type CreateArtifactInput,
} from '@finetrack/shared';
import { ApiClient as WorkerClient, ApiError } from '@finetrack/shared/client';
import { aTeam, anExperiment, aUser, runIds, SMALL_CNN_LAYERS } from './builders.js';
import type { ApiClient, Loose } from './client.js';

export const CAPABILITIES: WorkerCapabilitiesInput = {
  protocolVersion: WORKER_PROTOCOL_VERSION,
  backends: ['wasm'],
  device: 'cpu: test',
  kinds: ['PRETRAIN', 'FINETUNE'],
  hostname: 'test-host',
};

/** No retries: the tests want to see every answer. */
export const workerClient = (url: string, token: string) =>
  new WorkerClient({ url, token, retry: { maxAttempts: 1 } });

export async function aWorkerToken(owner: ApiClient, teamId: string): Promise<string> {
  const data = await owner.gql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { role } } }`,
    { input: { name: 'worker', teamId, role: 'WORKER' } },
  );
  return data.createApiToken.token as string;
}

/** A team of its own (so its queue is too), an experiment and a worker client. */
export async function aQueuedExperiment(url: string, sweep: Loose = {}) {
  const { client: owner, user } = await aUser(url);
  const team = await aTeam(owner);
  const made = await anExperiment(owner, team.id, {
    frozenLayers: [1],
    learningRates: [0.01],
    seeds: [1],
    includeScratchBaseline: false,
    ...sweep,
  });
  const token = await aWorkerToken(owner, team.id);
  return {
    owner,
    user,
    team,
    ...made,
    runIds: await runIds(owner, made.experiment.id),
    token,
    worker: workerClient(url, token),
  };
}

export async function claim(
  worker: WorkerClient,
  workerId = `host:${process.pid}:${Math.random().toString(36).slice(2)}`,
): Promise<ClaimedRun | null> {
  const data = await worker.request(CLAIM_RUN, {
    input: { workerId, capabilities: CAPABILITIES },
  });
  return data.claimRun;
}

/** The error code (and reason) a call fails with. */
export async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError)
      return {
        code: error.code,
        reason: error.details.errors?.[0]?.extensions?.reason as string | undefined,
        status: error.details.status,
      };
    throw error;
  }
  throw new Error('expected the call to fail');
}

let scratch: string | undefined;
/** A file with these bytes and its announced size and sha256. */
export async function aFile(name: string, bytes: Buffer) {
  scratch ??= await mkdtemp(path.join(tmpdir(), 'finetrack-worker-test-'));
  const file = path.join(scratch, `${Math.random().toString(36).slice(2)}-${name}`);
  await writeFile(file, bytes);
  return { file, byteSize: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** createArtifact + PUT, as the worker does. */
export async function upload(
  worker: WorkerClient,
  run: ClaimedRun,
  kind: CreateArtifactInput['kind'],
  fileName: string,
  bytes: Buffer,
) {
  const file = await aFile(fileName, bytes);
  const created = await worker.request(CREATE_ARTIFACT, {
    input: {
      runId: run.runId,
      leaseToken: run.leaseToken,
      kind,
      fileName,
      byteSize: file.byteSize,
      sha256: file.sha256,
    },
  });
  await worker.uploadArtifact(created.createArtifact.id, file.file, file);
  return created.createArtifact;
}

export async function checkpoint(
  worker: WorkerClient,
  run: ClaimedRun,
  epoch: number,
  globalStep: number,
) {
  const json = await upload(worker, run, 'checkpoint-json', 'checkpoint.json', Buffer.from('{}'));
  const bin = await upload(worker, run, 'checkpoint-bin', 'checkpoint.bin', Buffer.alloc(64, 7));
  await worker.request(RECORD_CHECKPOINT, {
    input: {
      runId: run.runId,
      leaseToken: run.leaseToken,
      epoch,
      globalStep,
      artifactIds: [json.id, bin.id],
    },
  });
  return [json.id, bin.id];
}

/**
 * A completeRun input for a claimed run: a small-cnn result with the surgery its
 * hyperparameters imply; `summary` and `model` fields override the defaults.
 */
export function aCompletion(
  run: ClaimedRun,
  artifactIds: string[] = [],
  overrides: { summary?: Loose; model?: Loose } = {},
): Loose {
  return {
    runId: run.runId,
    leaseToken: run.leaseToken,
    summary: {
      bestValAccuracy: 0.5,
      lastValAccuracy: 0.5,
      bestEpoch: 1,
      wallSeconds: 1,
      ...overrides.summary,
    },
    model: {
      name: run.targetModelName,
      kind: run.kind === 'PRETRAIN' ? 'SOURCE' : 'TARGET',
      architecture: 'small-cnn',
      inputShape: [28, 28, 1],
      layers: SMALL_CNN_LAYERS,
      totalParams: 100,
      trainableParams: 60,
      parentModelId: run.sourceModel?.id ?? null,
      surgery:
        run.kind === 'PRETRAIN'
          ? null
          : {
              cutLayer: 'dense1',
              headUnits: 5,
              frozenLayers: run.hyperparameters.frozenLayers,
              frozenLayerNames: ['conv1'],
              learningRate: run.hyperparameters.learningRate,
              initialization: 'PRETRAINED',
            },
      artifactIds,
      ...overrides.model,
    },
  };
}
