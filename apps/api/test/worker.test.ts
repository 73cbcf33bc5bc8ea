import {
  CANCEL_RUN,
  CLAIM_RUN,
  COMPLETE_RUN,
  FAIL_RUN,
  HEARTBEAT_RUN,
  LEASE_LOST,
  LOG_METRICS,
  RELEASE_RUN,
  RETRY_RUN,
  START_EXPERIMENT,
  type ClaimedRun,
  type CompleteRunInput,
} from '@finetrack/shared';
import type { ApiClient as WorkerClient } from '@finetrack/shared/client';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aDataset, aProject, CREATE_EXPERIMENT } from './factories/builders.js';
import {
  aCompletion,
  aQueuedExperiment,
  CAPABILITIES,
  checkpoint,
  claim,
  failure,
  upload,
  workerClient,
} from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

const LEASE_SECONDS = 2;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    runLeaseSeconds: LEASE_SECONDS,
    artifactDir: await mkdtemp(path.join(tmpdir(), 'finetrack-artifacts-')),
  });
});
afterAll(async () => {
  await t?.stop();
});

const heartbeat = (worker: WorkerClient, run: ClaimedRun, extra: object = {}) =>
  worker.request(HEARTBEAT_RUN, {
    input: { runId: run.runId, leaseToken: run.leaseToken, ...extra },
  });

const fail = (worker: WorkerClient, run: ClaimedRun, error = 'the source model is corrupt') =>
  worker.request(FAIL_RUN, {
    input: { runId: run.runId, leaseToken: run.leaseToken, error },
  });

const release = (worker: WorkerClient, run: ClaimedRun) =>
  worker.request(RELEASE_RUN, {
    input: { runId: run.runId, leaseToken: run.leaseToken, reason: 'SIGTERM' },
  });

async function complete(
  worker: WorkerClient,
  run: ClaimedRun,
  artifactIds: string[],
  model: Partial<CompleteRunInput['model']> = {},
) {
  const summary = {
    bestValAccuracy: 0.9,
    lastValAccuracy: 0.88,
    bestValLoss: 0.3,
    lastValLoss: 0.35,
    bestEpoch: 2,
    wallSeconds: 12.5,
    samplesPerSecond: 800,
    backend: 'wasm',
  };
  return worker.request(COMPLETE_RUN, {
    input: aCompletion(run, artifactIds, { summary, model }) as CompleteRunInput,
  });
}

async function runRow(id: string) {
  const [row] = await t.sql('SELECT * FROM runs WHERE id = $1', [id]);
  return row;
}

/** Another experiment of one run in the project of `setup`. */
function queueOneMore(setup: Awaited<ReturnType<typeof aQueuedExperiment>>) {
  return setup.owner.gql(CREATE_EXPERIMENT, {
    input: {
      projectId: setup.project.id,
      sourceModelId: setup.model.id,
      targetDatasetId: setup.dataset.id,
      sweep: {
        frozenLayers: [0],
        learningRates: [0.01],
        epochs: 1,
        batchSize: 32,
        includeScratchBaseline: false,
      },
    },
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('claim → heartbeat → metrics → checkpoint → complete', () => {
  it('runs one job through the protocol and registers the target model', async () => {
    const setup = await aQueuedExperiment(t.url);
    const { worker } = setup;
    const run = (await claim(worker, 'host-a:1:abc'))!;
    expect(run).toMatchObject({
      runId: setup.runIds[0],
      teamId: setup.team.id,
      experimentId: setup.experiment.id,
      kind: 'FINETUNE',
      attempt: 1,
      leaseSeconds: LEASE_SECONDS,
      hyperparameters: { frozenLayers: 1, learningRate: 0.01, optimizer: 'ADAM' },
      architecture: null,
      dataset: { id: setup.dataset.id, spec: { kind: 'mnist', classes: [5, 6, 7, 8, 9] } },
      sourceModel: { id: setup.model.id, architecture: 'small-cnn' },
      resume: null,
    });
    expect(run.heartbeatSeconds).toBeGreaterThanOrEqual(1);
    expect(await runRow(run.runId)).toMatchObject({
      status: 'running',
      worker_id: 'host-a:1:abc',
      attempts: 1,
    });
    // A retried claim from the same worker id returns the same lease.
    expect((await claim(worker, 'host-a:1:abc'))!.leaseToken).toBe(run.leaseToken);
    // Nothing else is queued for this team.
    expect(await claim(worker, 'host-b:1:abc')).toBeNull();

    const beat = await heartbeat(worker, run, { backend: 'wasm', device: 'cpu: test', epoch: 0 });
    expect(beat.heartbeatRun.cancelled).toBe(false);
    expect(new Date(beat.heartbeatRun.leaseExpiresAt).getTime()).toBeGreaterThan(Date.now());

    const logged = await worker.request(LOG_METRICS, {
      runId: run.runId,
      points: [
        { key: 'loss', step: 0, value: 1.5 },
        { key: 'loss', step: 1, value: 1.2 },
      ],
      leaseToken: run.leaseToken,
    });
    expect(logged.logMetrics.written).toBe(2);
    await checkpoint(worker, run, 1, 2);

    const json = await upload(worker, run, 'model-json', 'model.json', Buffer.from('{"m":1}'));
    const weights = await upload(worker, run, 'weights', 'weights.bin', Buffer.alloc(128, 3));
    // The model record is bounded as createModel's is; a refused completion leaves the run held.
    for (const absurd of [{ totalParams: 1e12 }, { inputShape: [0, 28, 1] }])
      expect(await failure(complete(worker, run, [json.id, weights.id], absurd))).toMatchObject({
        code: 'BAD_USER_INPUT',
      });
    expect(await runRow(run.runId)).toMatchObject({ status: 'running' });
    const done = await complete(worker, run, [json.id, weights.id]);
    expect(done.completeRun.run.status).toBe('SUCCEEDED');
    expect(done.completeRun.model.parentModelId).toBe(setup.model.id);
    const [model] = await t.sql('SELECT * FROM models WHERE id = $1', [done.completeRun.model.id]);
    expect(model).toMatchObject({ kind: 'target', status: 'ready' });
    expect(model.surgery).toMatchObject({ cutLayer: 'dense1', frozenLayers: 1 });
    const files = await t.sql('SELECT kind, run_id FROM artifacts WHERE model_id = $1', [model.id]);
    expect(files.map((file) => file.kind).sort()).toEqual(['model-json', 'weights']);
    expect(await runRow(run.runId)).toMatchObject({
      status: 'succeeded',
      best_val_accuracy: 0.9,
      backend: 'wasm',
      result_model_id: model.id,
    });

    // Idempotent: the same answer again, nothing new.
    const again = await complete(worker, run, [json.id, weights.id]);
    expect(again.completeRun.model.id).toBe(model.id);
    expect(
      await t.sql('SELECT id FROM models WHERE parent_model_id = $1', [setup.model.id]),
    ).toHaveLength(1);
    // A stale token gets CONFLICT with LEASE_LOST.
    expect(
      await failure(complete(worker, { ...run, leaseToken: 'stale' }, [json.id, weights.id])),
    ).toMatchObject({ code: 'CONFLICT', reason: LEASE_LOST });
    expect(await failure(heartbeat(worker, run))).toMatchObject({ code: 'CONFLICT' });
  });

  it('never hands one run to two concurrent claimers', async () => {
    const setup = await aQueuedExperiment(t.url, {
      frozenLayers: [0, 1],
      learningRates: [0.1, 0.01],
    });
    expect(setup.runIds).toHaveLength(4);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, index) => claim(setup.worker, `racer:${index}`)),
    );
    const won = claims.filter((run): run is ClaimedRun => run !== null);
    expect(won).toHaveLength(4);
    expect(new Set(won.map((run) => run.runId)).size).toBe(4);
    expect(new Set(won.map((run) => run.runId))).toEqual(new Set(setup.runIds));
  });
});

describe('leases', () => {
  it('re-queues a run whose lease expired; the next claim resumes from its checkpoint', async () => {
    const { worker, runIds } = await aQueuedExperiment(t.url);
    const first = (await claim(worker, 'dies:1'))!;
    await worker.request(LOG_METRICS, {
      runId: first.runId,
      points: [{ key: 'loss', step: 0, value: 1 }],
      leaseToken: first.leaseToken,
    });
    const replaced = await checkpoint(worker, first, 1, 8);
    const checkpointIds = await checkpoint(worker, first, 1, 10);
    // A newer checkpoint drops the files of the one it replaces.
    expect(await t.sql('SELECT id FROM artifacts WHERE id = ANY($1::uuid[])', [replaced])).toEqual(
      [],
    );
    // The worker is killed: no more heartbeats.
    await waitFor(async () => (await runRow(runIds[0])).status === 'queued');
    const second = (await claim(worker, 'rescuer:1'))!;
    expect(second).toMatchObject({ runId: first.runId, attempt: 2 });
    expect(second.leaseToken).not.toBe(first.leaseToken);
    expect(second.resume).toMatchObject({ epoch: 1, globalStep: 10 });
    expect(second.resume!.artifacts.map((artifact) => artifact.id).sort()).toEqual(
      checkpointIds.sort(),
    );
    expect(second.resume!.artifacts.map((artifact) => artifact.fileName).sort()).toEqual([
      'checkpoint.bin',
      'checkpoint.json',
    ]);
    // The dead attempt's lease is gone for good.
    expect(await failure(heartbeat(worker, first))).toMatchObject({
      code: 'CONFLICT',
      reason: LEASE_LOST,
    });
    expect(await failure(fail(worker, first))).toMatchObject({ code: 'CONFLICT' });
    // Nor can it (same worker token) write metrics into the run the rescuer now holds, with its
    // old lease or with none; nothing of those batches is stored.
    const stale = { key: 'loss', step: 0, value: 99 };
    for (const leaseToken of [first.leaseToken, undefined])
      expect(
        await failure(
          worker.request(LOG_METRICS, {
            runId: first.runId,
            points: [stale],
            leaseToken,
          }),
        ),
      ).toMatchObject({ code: 'CONFLICT', reason: LEASE_LOST });
    expect(
      await t.sql('SELECT value FROM metric_points WHERE run_id = $1 AND key = $2', [
        first.runId,
        'loss',
      ]),
    ).toEqual([{ value: 1 }]);
    // The live one can still report.
    expect((await heartbeat(worker, second)).heartbeatRun.cancelled).toBe(false);
    const written = await worker.request(LOG_METRICS, {
      runId: second.runId,
      points: [{ key: 'loss', step: 0, value: 2 }],
      leaseToken: second.leaseToken,
    });
    expect(written.logMetrics.written).toBe(1);
  });

  it('releaseRun puts the run back in the queue at once (idempotently)', async () => {
    const { worker } = await aQueuedExperiment(t.url);
    const run = (await claim(worker, 'sigterm:1'))!;
    await checkpoint(worker, run, 1, 5);
    expect((await release(worker, run)).releaseRun.status).toBe('QUEUED');
    expect((await release(worker, run)).releaseRun.status).toBe('QUEUED');
    const next = (await claim(worker, 'other:1'))!;
    expect(next).toMatchObject({ runId: run.runId, attempt: 2, resume: { epoch: 1 } });
    expect(await failure(release(worker, run))).toMatchObject({ code: 'CONFLICT' });
  });

  it('cancelRun makes the next heartbeat answer cancelled; the run cannot complete', async () => {
    const { worker, owner, runIds } = await aQueuedExperiment(t.url);
    const run = (await claim(worker))!;
    const cancelled = await owner.gql(CANCEL_RUN, { id: runIds[0] });
    expect(cancelled.cancelRun.status).toBe('CANCELLED');
    expect((await heartbeat(worker, run)).heartbeatRun.cancelled).toBe(true);
    expect(await failure(complete(worker, run, []))).toMatchObject({
      code: 'CONFLICT',
      reason: LEASE_LOST,
    });
    // A cancelled queued run is never handed out.
    const other = await aQueuedExperiment(t.url);
    await other.owner.gql(CANCEL_RUN, { id: other.runIds[0] });
    expect(await claim(other.worker)).toBeNull();
  });

  it('failRun ends the run failed (idempotently); retryRun queues it again', async () => {
    const { worker, owner, runIds } = await aQueuedExperiment(t.url);
    const run = (await claim(worker))!;
    expect((await fail(worker, run)).failRun.status).toBe('FAILED');
    expect((await fail(worker, run)).failRun.status).toBe('FAILED');
    expect(await runRow(run.runId)).toMatchObject({
      status: 'failed',
      error_message: 'the source model is corrupt',
    });
    expect(await claim(worker)).toBeNull();
    const retried = await owner.gql(RETRY_RUN, { id: runIds[0] });
    expect(retried.retryRun.status).toBe('QUEUED');
    expect(await owner.code(RETRY_RUN, { id: runIds[0] })).toBe('BAD_USER_INPUT');
    const again = (await claim(worker))!;
    expect(again).toMatchObject({ runId: run.runId, attempt: 2 });
  });

  it('startExperiment queues runs that have no job and is idempotent', async () => {
    const { worker, owner, experiment, runIds } = await aQueuedExperiment(t.url);
    await t.sql('UPDATE runs SET job_id = NULL WHERE id = $1', [runIds[0]]);
    await t.sql(`UPDATE pgboss.job SET state = 'cancelled' WHERE data->>'runId' = $1`, [runIds[0]]);
    expect(await claim(worker)).toBeNull();
    await owner.gql(START_EXPERIMENT, { id: experiment.id });
    await owner.gql(START_EXPERIMENT, { id: experiment.id });
    expect((await claim(worker))!.runId).toBe(runIds[0]);
    expect(await claim(worker)).toBeNull();
  });
});

describe('pretraining', () => {
  it('hands out fine-tuning runs only once their source model is pretrained', async () => {
    const setup = await aQueuedExperiment(t.url);
    // Drain the ready experiment's run first.
    await claim(setup.worker, 'drain:1');
    const dataset = await aDataset(setup.owner, setup.team.id);
    const project = await aProject(setup.owner, setup.team.id);
    const pretrained = await setup.owner.gql(
      `mutation($input: PretrainModelInput!) { pretrainModel(input: $input) { id kind modelId status } }`,
      {
        input: {
          teamId: setup.team.id,
          name: 'small-cnn · MNIST 0–4',
          architecture: 'small-cnn',
          datasetId: dataset.id,
          epochs: 2,
        },
      },
    );
    expect(pretrained.pretrainModel).toMatchObject({ kind: 'PRETRAIN', status: 'QUEUED' });
    const pretraining = { modelId: pretrained.pretrainModel.modelId as string };
    const [pending] = await t.sql('SELECT status, kind FROM models WHERE id = $1', [
      pretraining.modelId,
    ]);
    expect(pending).toEqual({ status: 'pending', kind: 'source' });
    const experiment = await setup.owner.gql(CREATE_EXPERIMENT, {
      input: {
        projectId: project.id,
        sourceModelId: pretraining.modelId,
        targetDatasetId: setup.dataset.id,
        sweep: {
          frozenLayers: [0],
          learningRates: [0.01],
          epochs: 1,
          batchSize: 32,
          includeScratchBaseline: true,
        },
      },
    });
    expect(experiment.createExperiment.id).toBeTruthy();
    const pretrain = (await claim(setup.worker, 'pre:1'))!;
    expect(pretrain).toMatchObject({
      kind: 'PRETRAIN',
      experimentId: null,
      architecture: 'small-cnn',
      sourceModel: null,
      dataset: { id: dataset.id },
      targetModelName: 'small-cnn · MNIST 0–4',
    });
    // Source not ready: nothing else to hand out.
    expect(await claim(setup.worker, 'fine:1')).toBeNull();
    const json = await upload(
      setup.worker,
      pretrain,
      'model-json',
      'model.json',
      Buffer.from('{}'),
    );
    const bin = await upload(setup.worker, pretrain, 'weights', 'weights.bin', Buffer.alloc(8));
    const done = await complete(setup.worker, pretrain, [json.id, bin.id]);
    expect(done.completeRun.model.id).toBe(pretraining.modelId);
    const [source] = await t.sql('SELECT status, total_params FROM models WHERE id = $1', [
      pretraining.modelId,
    ]);
    expect(source).toMatchObject({ status: 'ready', total_params: '100' });
    const first = (await claim(setup.worker, 'fine:1'))!;
    const second = (await claim(setup.worker, 'fine:2'))!;
    expect(first.kind).toBe('FINETUNE');
    expect(first.sourceModel!.id).toBe(pretraining.modelId);
    expect(first.sourceModel!.artifacts.map((artifact) => artifact.kind).sort()).toEqual([
      'model-json',
      'weights',
    ]);
    expect(second.kind).toBe('FINETUNE');
  });
});

describe('worker tokens', () => {
  it('reach the worker operations and nothing else', async () => {
    const setup = await aQueuedExperiment(t.url);
    const { worker } = setup;
    const other = await aQueuedExperiment(t.url);
    const forbidden = [
      [
        `mutation { logIn(input: { email: "${setup.user.email}", password: "correct horse battery" }) { id } }`,
        {},
      ],
      [`mutation { createApiToken(input: { name: "x" }) { token } }`, {}],
      [`{ me { id } }`, {}],
      [`query($id: ID!) { team(id: $id) { id } }`, { id: setup.team.id }],
      [`query($id: ID!) { experiment(id: $id) { id } }`, { id: setup.experiment.id }],
      [`query($id: ID!) { experiment(id: $id) { id } }`, { id: other.experiment.id }],
      [`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: setup.runIds[0] }],
    ] as const;
    for (const [query, variables] of forbidden)
      expect(await failure(worker.request(query, variables)), query).toMatchObject({
        code: 'FORBIDDEN',
      });
    // Runs of another team do not exist for it; runs it does not hold cannot be written.
    const theirs = (await claim(other.worker))!;
    expect(
      await failure(heartbeat(worker, { ...theirs, leaseToken: theirs.leaseToken })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await failure(
        worker.request(LOG_METRICS, {
          runId: theirs.runId,
          points: [{ key: 'x', step: 0, value: 1 }],
        }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await failure(
        worker.request(LOG_METRICS, {
          runId: setup.runIds[0],
          points: [{ key: 'x', step: 0, value: 1 }],
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT' });
    // Users cannot claim; only admins make worker tokens (team admins a team's, instance
    // administrators, FINETRACK_ADMIN_EMAILS, an instance one).
    expect(
      await setup.owner.code(
        `mutation { claimRun(input: { workerId: "u", capabilities: { protocolVersion: 1, backends: [], device: "d", kinds: [FINETUNE], hostname: "h" } }) { runId } }`,
      ),
    ).toBe('FORBIDDEN');
    expect(
      await setup.owner.code(
        `mutation { createApiToken(input: { name: "w", role: WORKER }) { token } }`,
      ),
    ).toBe('FORBIDDEN'); // a worker token without a team is an instance administrator's
    const workerTokenClient = workerClient(t.url, other.token);
    expect(await claim(workerTokenClient)).toBeNull();
  });
});

describe('unrunnable runs', () => {
  it('fail at claim time with a readable error instead of blocking the queue', async () => {
    const setup = await aQueuedExperiment(t.url, { learningRates: [0.1, 0.01] });
    await t.sql('UPDATE experiments SET target_dataset_id = NULL WHERE id = $1', [
      setup.experiment.id,
    ]);
    expect(await claim(setup.worker)).toBeNull();
    const rows = await t.sql('SELECT status, error_message FROM runs WHERE experiment_id = $1', [
      setup.experiment.id,
    ]);
    expect(rows).toEqual([
      { status: 'failed', error_message: expect.stringContaining('dataset') },
      { status: 'failed', error_message: expect.stringContaining('dataset') },
    ]);
  });
});

describe('long-polling claims', () => {
  it('waits up to waitSeconds for a job and takes one queued meanwhile', async () => {
    const setup = await aQueuedExperiment(t.url);
    await claim(setup.worker, 'drain:2');
    const started = Date.now();
    const empty = await setup.worker.request(CLAIM_RUN, {
      input: { workerId: 'poll:1', capabilities: CAPABILITIES, waitSeconds: 1 },
    });
    expect(empty.claimRun).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const waiting = setup.worker.request(CLAIM_RUN, {
      input: { workerId: 'poll:2', capabilities: CAPABILITIES, waitSeconds: 10 },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await queueOneMore(setup);
    const got = (await waiting).claimRun!;
    expect(got.experimentId).toBe(other.createExperiment.id);
  });
});

describe('queue order', () => {
  it('hands out an experiment longest first: most layers trained first, ties as created', async () => {
    const setup = await aQueuedExperiment(t.url, {
      frozenLayers: [3, 0, 2],
      learningRates: [0.01, 0.001],
      includeScratchBaseline: true,
    });
    const order: string[] = [];
    for (let run = await claim(setup.worker); run; run = await claim(setup.worker)) {
      const { initialization, frozenLayers, learningRate } = run.hyperparameters;
      order.push(initialization === 'SCRATCH' ? 'scratch' : `K=${frozenLayers} lr=${learningRate}`);
    }
    // The scratch baseline trains every layer, as K=0 does: a tie, kept in creation order.
    expect(order).toEqual([
      'K=0 lr=0.01',
      'K=0 lr=0.001',
      'scratch',
      'K=2 lr=0.01',
      'K=2 lr=0.001',
      'K=3 lr=0.01',
      'K=3 lr=0.001',
    ]);
  });
});

describe('waiting claims', () => {
  let slow: TestServer;
  beforeAll(async () => {
    // Unprompted looks at the queue an hour apart: only the NOTIFY can end the wait early.
    slow = await startTestServer({ claimPollSeconds: 3600 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('wake when a run of their team is queued, not at the next look', async () => {
    const setup = await aQueuedExperiment(slow.url);
    await claim(setup.worker, 'drain:1');
    const waiting = setup.worker.request(CLAIM_RUN, {
      input: { workerId: 'bell:1', capabilities: CAPABILITIES, waitSeconds: 25 },
    });
    // Another team's run does not hand this worker anything.
    const stranger = await aQueuedExperiment(slow.url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queuedAt = Date.now();
    const other = await queueOneMore(setup);
    const got = (await waiting).claimRun;
    expect(got?.experimentId).toBe(other.createExperiment.id);
    // Woken: unprompted, the claim would look again only when its 25 s wait ran out (the poll
    // interval is an hour). The margin is wide; this checks which path answered, not speed.
    expect(Date.now() - queuedAt).toBeLessThan(15_000);
    expect((await claim(stranger.worker))?.experimentId).toBe(stranger.experiment.id);
  });
});
