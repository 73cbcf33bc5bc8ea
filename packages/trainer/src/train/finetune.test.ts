import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_METRIC_PREFIX } from '@finetrack/shared';
import { buildArchitecture } from '../model/architectures.js';
import { readCheckpoint } from './checkpoint.js';
import { finetune, pretrain, type FinetuneOptions, type MetricPoint } from './index.js';
import { makeSyntheticDataset } from './synthetic-dataset.js';

const INPUT: [number, number, number] = [10, 10, 1];
const sourceData = makeSyntheticDataset({
  trainCount: 96,
  validationCount: 32,
  classes: 4,
  inputShape: INPUT,
  seed: 11,
});
const targetData = makeSyntheticDataset({
  trainCount: 64,
  validationCount: 32,
  classes: 3,
  inputShape: INPUT,
  seed: 12,
});

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((weight) => weight.read().dataSync() as Float32Array);
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  a.forEach((values, index) => {
    expect(values.length).toBe(b[index].length);
    values.forEach((value, i) => {
      largest = Math.max(largest, Math.abs(value - b[index][i]));
    });
  });
  return largest;
}

describe('pretrain and finetune (wasm, tiny synthetic data)', () => {
  let source: tf.LayersModel;
  let sourceLoss: number[];
  let directory: string;

  const base = (): FinetuneOptions => ({
    source,
    dataset: targetData,
    frozenLayers: 1,
    initialization: 'pretrained',
    epochs: 3,
    batchSize: 16,
    learningRate: 0.002,
    optimizer: 'adam',
    seed: 5,
    backend: 'wasm',
  });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'finetrack-trainer-'));
    const result = await pretrain({
      architecture: 'small-cnn',
      dataset: sourceData,
      epochs: 3,
      batchSize: 16,
      learningRate: 0.002,
      optimizer: 'adam',
      seed: 1,
      backend: 'wasm',
    });
    source = result.model;
    sourceLoss = result.history.map((record) => record.loss);
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('pretraining lowers the loss and reports the backend', () => {
    expect(sourceLoss[2]).toBeLessThan(sourceLoss[0]);
  });

  it('keeps frozen weights bit-identical, moves the rest, and the loss falls', async () => {
    const before = source
      .getLayer('conv1')
      .getWeights()
      .map((t) => t.dataSync().slice());
    const result = await finetune({ ...base(), frozenLayers: 2 });
    const after = result.model
      .getLayer('conv1')
      .getWeights()
      .map((t) => t.dataSync());
    expect(after).toEqual(before);
    expect(result.model.getLayer('conv2').getWeights()[0].dataSync()).toEqual(
      source.getLayer('conv2').getWeights()[0].dataSync(),
    );
    expect(result.history[2].drift.conv2).toBe(0);
    expect(result.history[2].drift.dense1).toBeGreaterThan(0);
    expect(result.history[2].loss).toBeLessThan(result.history[0].loss);
    expect(result.model.outputs[0].shape).toEqual([null, 3]);
    expect(result.summary).toMatchObject({
      backend: 'wasm',
      epochs: 3,
      frozenLayerNames: ['conv1', 'conv2'],
      trainableLayerNames: ['dense1', 'output'],
      featureCacheUsed: true,
    });
  });

  it('K = 0 trains every conv layer on wasm (needs the registered backprop-filter kernel)', async () => {
    const result = await finetune({ ...base(), frozenLayers: 0, epochs: 2 });
    expect(result.history[1].drift.conv1).toBeGreaterThan(0);
    expect(result.summary.featureCacheUsed).toBe(false);
    expect(result.summary.nonTrainableParams).toBe(0);
  });

  it('is deterministic: the same seed twice gives the same weights', async () => {
    const first = await finetune({ ...base(), epochs: 2 });
    const second = await finetune({ ...base(), epochs: 2 });
    expect(maxDifference(weightValues(first.model), weightValues(second.model))).toBe(0);
    const other = await finetune({ ...base(), epochs: 2, seed: 6 });
    expect(maxDifference(weightValues(first.model), weightValues(other.model))).toBeGreaterThan(0);
  });

  it.each([1, 2, 3])(
    'the frozen-prefix cache gives the same weights as the uncached path (K = %i)',
    async (frozenLayers) => {
      const cached = await finetune({
        ...base(),
        frozenLayers,
        epochs: 2,
        featureCache: 'always',
        optimizer: 'momentum',
      });
      const uncached = await finetune({
        ...base(),
        frozenLayers,
        epochs: 2,
        featureCache: 'never',
        optimizer: 'momentum',
      });
      expect(cached.summary.featureCacheUsed).toBe(true);
      expect(uncached.summary.featureCacheUsed).toBe(false);
      expect(
        maxDifference(weightValues(cached.model), weightValues(uncached.model)),
      ).toBeLessThanOrEqual(1e-5);
    },
  );

  it.each(['adam', 'momentum', 'sgd'] as const)(
    'a run stopped after epoch 1 and resumed from its checkpoint directory ends like an uninterrupted one (%s)',
    async (optimizer) => {
      const uninterrupted = await finetune({ ...base(), optimizer });
      const checkpointDir = join(directory, optimizer);
      const stopped = await finetune({ ...base(), optimizer, checkpointDir, stopAfterEpoch: 1 });
      expect(stopped.history).toHaveLength(1);
      expect((await readCheckpoint(checkpointDir)).epoch).toBe(1);
      const resumed = await finetune({ ...base(), optimizer, resumeFrom: checkpointDir });
      expect(resumed.summary.resumedFromEpoch).toBe(1);
      expect(resumed.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
      expect(
        maxDifference(weightValues(resumed.model), weightValues(uninterrupted.model)),
      ).toBeLessThanOrEqual(1e-5);
    },
  );

  it('resumes from an in-memory checkpoint handed to onEpochEnd', async () => {
    const uninterrupted = await finetune({ ...base(), frozenLayers: 0 });
    let saved: Parameters<NonNullable<FinetuneOptions['onEpochEnd']>>[1] | undefined;
    await finetune({
      ...base(),
      frozenLayers: 0,
      stopAfterEpoch: 2,
      onEpochEnd: (_record, checkpoint) => {
        saved = checkpoint;
      },
    });
    expect(saved?.epoch).toBe(2);
    const resumed = await finetune({ ...base(), frozenLayers: 0, resumeFrom: saved });
    expect(
      maxDifference(weightValues(resumed.model), weightValues(uninterrupted.model)),
    ).toBeLessThanOrEqual(1e-5);
  });

  it('streams epoch metrics, drift and every-N-steps metrics through onMetrics', async () => {
    const points: MetricPoint[] = [];
    await finetune({
      ...base(),
      epochs: 2,
      logEverySteps: 2,
      onMetrics: (batch) => void points.push(...batch),
    });
    const keys = new Set(points.map((point) => point.key));
    for (const key of [
      'loss',
      'accuracy',
      'val_loss',
      'val_accuracy',
      'samples_per_second',
      'wall_seconds',
      'batch_loss',
    ]) {
      expect(keys).toContain(key);
    }
    expect(keys).toContain(`${DRIFT_METRIC_PREFIX}conv2`);
    expect(points.filter((point) => point.key === 'val_loss').map((point) => point.step)).toEqual([
      4, 8,
    ]);
    expect(points.filter((point) => point.key === 'batch_loss').map((point) => point.step)).toEqual(
      [2, 4, 6, 8],
    );
  });

  it('scratch baseline starts from random weights and still learns', async () => {
    const result = await finetune({
      ...base(),
      initialization: 'scratch',
      frozenLayers: 0,
      epochs: 2,
    });
    expect(result.surgery.record.initialization).toBe('scratch');
    expect(result.model.getLayer('conv1').getWeights()[0].dataSync()).not.toEqual(
      source.getLayer('conv1').getWeights()[0].dataSync(),
    );
    expect(result.summary.suggestions.learningRate).toBeCloseTo(0.0002);
    expect(result.summary.suggestions.frozenLayers).toBe(3);
  });

  it('stops early when validation loss stops improving', async () => {
    const result = await finetune({
      ...base(),
      epochs: 6,
      learningRate: 5, // diverges, so val_loss stops improving at once
      optimizer: 'sgd',
      earlyStopping: { patience: 1, monitor: 'val_loss' },
    });
    expect(result.summary.stoppedEarly).toBe(true);
    expect(result.history.length).toBeLessThan(6);
  });

  it.each(['adam', 'momentum'] as const)(
    'leaves no tensors behind but the model (%s, with resume)',
    async (optimizer) => {
      const before = tf.memory().numTensors;
      const stopped = await finetune({
        ...base(),
        optimizer,
        stopAfterEpoch: 1,
        checkpointDir: join(directory, 'leak'),
      });
      const resumed = await finetune({ ...base(), optimizer, resumeFrom: join(directory, 'leak') });
      stopped.model.dispose();
      resumed.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('fine-tunes resnet-mini with frozen batch-norm layers kept in inference mode', async () => {
    const resnet = buildArchitecture('resnet-mini', { inputShape: INPUT, numClasses: 4, seed: 2 });
    const frozenMovingMean = resnet.getLayer('stem_bn').getWeights()[2].dataSync().slice();
    const result = await finetune({ ...base(), source: resnet, frozenLayers: 2, epochs: 2 });
    expect(result.summary.frozenLayerNames).toEqual(['stem_conv', 'stem_bn']);
    expect(result.model.getLayer('stem_bn').getWeights()[2].dataSync()).toEqual(frozenMovingMean);
    expect(result.history[1].drift.block1_bn1).toBeGreaterThan(0);
  });
});
