import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunHyperparameters } from '@finetrack/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeApi, type FakeRun } from '../support/fake-api.js';
import { makeSourceModel, TARGET_DATASET, type SourceModelFiles } from '../support/source-model.js';
import { startWorker, until, type WorkerProcess } from '../support/worker-process.js';

// The worker as a real process against an in-memory implementation of the worker protocol, for
// what the end-to-end suite (test/e2e, real API) does not reach cheaply: a pretraining job next to
// fine-tuning and scratch jobs, and an outage that answers 503 to everything mid-run.

const hyperparameters: RunHyperparameters = {
  frozenLayers: 2,
  learningRate: 0.001,
  epochs: 3,
  batchSize: 32,
  optimizer: 'adam',
  seed: 1,
  initialization: 'pretrained',
};
const STEPS_PER_EPOCH = 10; // 320 samples / 32
const EPOCH_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'samples_per_second'];

describe('finetrack-worker against the protocol', () => {
  let home: string;
  let source: SourceModelFiles;
  const api = new FakeApi();
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'worker-test-'));
    source = await makeSourceModel(join(home, 'source'));
    await api.start();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    api.down = false;
  });
  afterAll(async () => {
    await api.stop();
    await rm(home, { recursive: true, force: true });
  });

  const sourceArtifacts = () =>
    source.files.map((file) => api.addArtifact(file.kind, file.fileName, file.bytes));
  const worker = (name: string, extra: string[] = []) => {
    const process = startWorker(
      ['--api', api.url, '--work-dir', join(home, name), '--claim-wait', '0', ...extra],
      { FINETRACK_WORKER_TOKEN: api.token },
    );
    workers.push(process);
    return process;
  };
  const enqueue = (patch: Partial<RunHyperparameters> = {}, dataset = TARGET_DATASET) =>
    api.enqueue({
      hyperparameters: { ...hyperparameters, ...patch },
      dataset,
      sourceArtifacts: sourceArtifacts(),
    });

  /** Every epoch key has exactly one point per epoch, at the epoch's last step; batch keys every 5 steps. */
  const expectContiguous = (run: FakeRun, epochs: number, stepsPerEpoch = STEPS_PER_EPOCH) => {
    const epochSteps = Array.from({ length: epochs }, (_, i) => (i + 1) * stepsPerEpoch);
    for (const key of EPOCH_KEYS) expect(api.steps(run.id, key), key).toEqual(epochSteps);
    const batchSteps = Array.from(
      { length: Math.floor((epochs * stepsPerEpoch) / 5) },
      (_, i) => (i + 1) * 5,
    );
    expect(api.steps(run.id, 'batch_loss')).toEqual(batchSteps);
    expect(api.steps(run.id, 'drift/conv2d_1')).toEqual([]); // frozen layers do not drift
  };

  it('announces its name, its host’s concurrency and its version in every claim', async () => {
    const version = (
      JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      }
    ).version;
    api.claims.splice(0);
    // One process told its host runs two (what a --concurrency 2 supervisor tells each child).
    worker('named', ['--name', 'gpu box', '--host-concurrency', '2']);
    await until(() => api.claims.length >= 2);
    for (const claim of api.claims)
      expect(claim.capabilities).toMatchObject({ name: 'gpu box', concurrency: 2, version });
  });

  it('runs a pretraining job and fine-tuning jobs to the end, with checkpoints and models', async () => {
    const pretraining = api.enqueue({
      kind: 'PRETRAIN',
      architecture: 'small-cnn',
      hyperparameters: {
        ...hyperparameters,
        epochs: 1,
        frozenLayers: 0,
        initialization: 'scratch',
      },
      dataset: { ...TARGET_DATASET, classes: [0, 1, 2, 3, 4] },
    });
    const finetuning = enqueue();
    const scratch = enqueue({
      initialization: 'scratch',
      frozenLayers: 0,
      epochs: 1,
      learningRate: 0.01,
    });
    const process = worker('a', ['--max-runs', '3']);
    expect(await process.exited).toEqual({ code: 0, signal: null });

    for (const run of [pretraining, finetuning, scratch]) {
      expect(run.status, process.output()).toBe('succeeded');
      // One lease thread serves the process's runs one after another: each got its heartbeats.
      expect(run.heartbeats).toBeGreaterThan(0);
      expect(run.backend).toBe('wasm');
    }
    expect(pretraining.completion!.model).toMatchObject({
      kind: 'SOURCE',
      architecture: 'small-cnn',
      surgery: null,
    });
    expect(finetuning.completion!.model).toMatchObject({
      kind: 'TARGET',
      parentModelId: 'source-model',
      surgery: { frozenLayers: 2, initialization: 'PRETRAINED', headUnits: 5 },
    });
    expect(finetuning.completion!.model.artifactIds).toHaveLength(3);
    expect(finetuning.completion!.summary).toMatchObject({
      backend: 'wasm',
      bestEpoch: expect.any(Number),
      featureCache: 'USED',
    });
    expect(scratch.completion!.model.surgery).toMatchObject({
      initialization: 'SCRATCH',
      frozenLayers: 0,
    });
    expect(finetuning.events).toEqual(['claimed:1', 'checkpoint:1', 'checkpoint:2', 'completed']);
    expect(finetuning.backend).toBe('wasm');
    expectContiguous(finetuning, 3);
    const drift = [...api.metrics.get(finetuning.id)!.keys()].filter((key) =>
      key.startsWith('drift/'),
    );
    expect(drift.length).toBeGreaterThan(0);
  });

  it('trains a run with the augmentation its claim asks for, and reports the bypassed cache', async () => {
    const augmented = enqueue({ epochs: 1, augmentation: { flip: true, crop: 0.1, rotation: 10 } });
    const process = worker('augmented', ['--max-runs', '1']);
    expect(await process.exited).toEqual({ code: 0, signal: null });
    expect(augmented.status, process.output()).toBe('succeeded');
    expect(augmented.completion!.summary).toMatchObject({
      featureCache: 'BYPASSED_AUGMENTATION',
      bestEpoch: 1,
    });
    expectContiguous(augmented, 1);
  });

  it('ends a run cancelled, not failed, when a cancel races its final upload (NOT_FOUND)', async () => {
    const run = enqueue({ epochs: 1 });
    api.cancelOnNextUpload = true;
    const process = worker('upload-race');
    await until(
      () => run.status !== 'running' && run.status !== 'queued',
      120_000,
      'the run to end',
    );
    await process.waitFor(/cancelled/, 10_000);
    expect(run.status, process.output()).toBe('cancelled');
    expect(run.events).not.toContain('failed');
  });

  it('keeps metrics on disk while the API is down and sends them all afterwards', async () => {
    api.leaseSeconds = 30; // an outage shorter than the lease
    try {
      const dataset = { ...TARGET_DATASET, trainSamples: 960 }; // 30 steps per epoch
      const run = enqueue({ epochs: 2 }, dataset);
      const process = worker('outage', ['--max-runs', '1']);
      await until(() => api.steps(run.id, 'batch_loss').length >= 1, 60_000, 'training to start');
      api.down = true;
      await process.waitFor(/kept on disk|API unreachable/, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      api.down = false;
      expect(await process.exited).toEqual({ code: 0, signal: null });
      expect(run.status, process.output()).toBe('succeeded');
      expectContiguous(run, 2, 30);
    } finally {
      api.leaseSeconds = 3;
    }
  });

  it('a supervisor killed outright takes its children with it: they release their runs and exit', async () => {
    const run = enqueue({ epochs: 50 }, { ...TARGET_DATASET, trainSamples: 960 });
    const supervisor = worker('orphans', ['--concurrency', '2']);
    const pid = supervisor.child.pid!;
    const childrenOf = async () =>
      (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
        .split(' ')
        .filter(Boolean)
        .map(Number);
    let children: number[] = [];
    await until(async () => (children = await childrenOf()).length === 2, 30_000, 'two children');
    const alive = (child: number) => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await until(() => api.steps(run.id, 'batch_loss').length >= 1, 60_000, 'training to start');
      supervisor.child.kill('SIGKILL');
      await until(() => children.every((child) => !alive(child)), 30_000, 'the children to exit');
      expect(run.events, supervisor.output()).toContain('released');
      expect(run.status).toBe('queued');
    } finally {
      for (const child of children.filter(alive)) process.kill(child, 'SIGKILL');
    }
  });
});
