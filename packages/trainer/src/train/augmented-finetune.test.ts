import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_AUGMENTATION, type Augmentation } from '@finetrack/shared';
import { crossEntropy } from './evaluation.js';
import { finetune, pretrain, TrainingOptionsError, type FinetuneOptions } from './index.js';
import { makeSyntheticDataset } from './synthetic-dataset.js';

const INPUT: [number, number, number] = [10, 10, 1];
const TRAIN = 64;
const BATCH = 16;
const sourceData = makeSyntheticDataset({
  trainCount: 96,
  validationCount: 32,
  classes: 4,
  inputShape: INPUT,
  seed: 11,
});
const targetData = makeSyntheticDataset({
  trainCount: TRAIN,
  validationCount: 32,
  classes: 3,
  inputShape: INPUT,
  seed: 12,
});
const ALL_ON: Augmentation = { flip: true, crop: 0.2, rotation: 15 };

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((weight) => weight.read().dataSync() as Float32Array);
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  return Math.max(
    ...a.map((values, index) =>
      Math.max(...values.map((value, i) => Math.abs(value - b[index][i]))),
    ),
  );
}

/** Runs `train` while counting forward passes on tensors through layers named like `layer` (any model). */
async function countingPasses<T>(
  layer: tf.layers.Layer,
  train: () => Promise<T>,
): Promise<{ result: T; passes: number }> {
  let passes = 0;
  const prototype = Object.getPrototypeOf(layer) as tf.layers.Layer;
  const apply = prototype.apply;
  const spy = vi.spyOn(prototype, 'apply').mockImplementation(function (
    this: tf.layers.Layer,
    ...args: Parameters<tf.layers.Layer['apply']>
  ) {
    // Symbolic calls (surgery building the model) are no forward passes.
    if (this.name === layer.name && args[0] instanceof tf.Tensor) passes += 1;
    return apply.apply(this, args);
  });
  try {
    return { result: await train(), passes };
  } finally {
    spy.mockRestore();
  }
}

describe('fine-tuning with augmentation (wasm, tiny synthetic data)', () => {
  let source: tf.LayersModel;
  let directory: string;

  const base = (): FinetuneOptions => ({
    source,
    dataset: targetData,
    frozenLayers: 2,
    initialization: 'pretrained',
    epochs: 3,
    batchSize: BATCH,
    learningRate: 0.003,
    optimizer: 'adam',
    seed: 5,
    backend: 'wasm',
  });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'finetrack-augment-'));
    source = (
      await pretrain({
        architecture: 'small-cnn',
        dataset: sourceData,
        epochs: 3,
        batchSize: 16,
        learningRate: 0.002,
        optimizer: 'adam',
        seed: 1,
        backend: 'wasm',
      })
    ).model;
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('off keeps the feature cache and the results of a run without the option', async () => {
    const without = await countingPasses(source.getLayer('conv1'), () => finetune(base()));
    const off = await finetune({ ...base(), augmentation: { ...NO_AUGMENTATION } });
    expect(without.result.summary.featureCache).toBe('used');
    expect(off.summary.featureCache).toBe('used');
    expect(off.summary.augmentation).toEqual(NO_AUGMENTATION);
    // The prefix ran once per split to build the cache, never again.
    expect(without.passes).toBe(2);
    expect(maxDifference(weightValues(off.model), weightValues(without.result.model))).toBe(0);
  });

  it('on with frozen layers bypasses the cache: the prefix runs on every batch, frozen weights stay, the loss falls', async () => {
    const plain = await finetune(base());
    const { result, passes } = await countingPasses(source.getLayer('conv1'), () =>
      finetune({ ...base(), augmentation: ALL_ON }),
    );
    expect(result.summary).toMatchObject({
      featureCache: 'bypassed: augmentation',
      featureCacheUsed: false,
      augmentation: ALL_ON,
    });
    expect(result.history.every((record) => !record.cached)).toBe(true);
    // Every epoch: one pass per training batch, one per validation batch.
    expect(passes).toBe(3 * (TRAIN / BATCH) + 3);
    expect(result.model.getLayer('conv1').getWeights()[0].dataSync()).toEqual(
      source.getLayer('conv1').getWeights()[0].dataSync(),
    );
    expect(result.history[2].loss).toBeLessThan(result.history[0].loss);
    expect(result.history[2].valAccuracy).toBeGreaterThan(1 / 3);
    expect(maxDifference(weightValues(result.model), weightValues(plain.model))).toBeGreaterThan(0);
  });

  it('validation is never augmented: the last val_loss is the trained model on the plain images', async () => {
    const result = await finetune({ ...base(), augmentation: ALL_ON });
    const [height, width, channels] = INPUT;
    const loss = tf.tidy(() => {
      const images = tf.tensor4d(targetData.validation.images, [32, height, width, channels]);
      const labels = tf.oneHot(tf.tensor1d(targetData.validation.labels, 'int32'), 3).toFloat();
      return crossEntropy(result.model.predict(images) as tf.Tensor, labels).dataSync()[0];
    });
    expect(loss).toBeCloseTo(result.history[2].valLoss, 5);
  });

  it('says why the cache is not used in the other cases', async () => {
    const allTrain = await finetune({
      ...base(),
      frozenLayers: 0,
      epochs: 1,
      augmentation: ALL_ON,
    });
    expect(allTrain.summary.featureCache).toBe('off: nothing frozen');
    const forced = await finetune({
      ...base(),
      epochs: 1,
      featureCache: 'always',
      augmentation: { flip: true, crop: 0, rotation: 0 },
    });
    expect(forced.summary.featureCache).toBe('bypassed: augmentation');
    const never = await finetune({ ...base(), epochs: 1, featureCache: 'never' });
    expect(never.summary.featureCache).toBe('off: disabled');
  });

  it('the same seed gives the same augmented run, bit for bit', async () => {
    const first = await finetune({ ...base(), epochs: 2, augmentation: ALL_ON });
    const second = await finetune({ ...base(), epochs: 2, augmentation: ALL_ON });
    expect(maxDifference(weightValues(first.model), weightValues(second.model))).toBe(0);
  });

  it('a run stopped after epoch 1 and resumed from its checkpoint ends like an uninterrupted one', async () => {
    const options = { ...base(), augmentation: ALL_ON };
    const uninterrupted = await finetune(options);
    const checkpointDir = join(directory, 'resume');
    await finetune({ ...options, checkpointDir, stopAfterEpoch: 1 });
    const resumed = await finetune({ ...options, resumeFrom: checkpointDir });
    expect(resumed.summary.resumedFromEpoch).toBe(1);
    expect(
      maxDifference(weightValues(resumed.model), weightValues(uninterrupted.model)),
    ).toBeLessThanOrEqual(1e-5);
  });

  it('leaves no tensors behind but the model', async () => {
    const before = tf.memory().numTensors;
    const result = await finetune({ ...base(), epochs: 1, augmentation: ALL_ON });
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    [{ flip: false, crop: 0.9, rotation: 0 }, 'augmentation.crop must be a number from 0 to 0.5'],
    [{ flip: false, crop: 0, rotation: -5 }, 'augmentation.rotation must be a number from 0 to 30'],
  ])('rejects %j before training', async (augmentation, message) => {
    await expect(finetune({ ...base(), augmentation })).rejects.toThrow(
      new TrainingOptionsError(message),
    );
  });
});
