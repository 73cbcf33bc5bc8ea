import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeModel } from '../model/surgery.js';
import { finetune, type FinetuneOptions } from './index.js';
import { makeSyntheticDataset } from './synthetic-dataset.js';

const INPUT: [number, number, number] = [12, 12, 3];
const data = makeSyntheticDataset({
  trainCount: 48,
  validationCount: 16,
  classes: 3,
  inputShape: INPUT,
  seed: 21,
});

/**
 * A MobileNetV2-shaped functional source built from exactly the Keras-application layer classes:
 * zero padding, strided conv, batch norm, ReLU6, depthwise conv, a residual Add, a separable conv
 * and global average pooling under a softmax classifier. Moving statistics are set away from the
 * 0/1 defaults so that a batch-norm layer run in training mode would visibly move them.
 */
function mobileNetLike(): tf.LayersModel {
  const input = tf.input({ shape: INPUT, name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ padding: 1, name: 'conv1_pad' }).apply(input);
  x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false, name: 'conv1' })
    .apply(x);
  x = tf.layers.batchNormalization({ name: 'bn_conv1' }).apply(x);
  x = tf.layers.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x);
  const shortcut = x;
  let y = tf.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'block_1_depthwise' })
    .apply(x);
  y = tf.layers.batchNormalization({ name: 'block_1_depthwise_BN' }).apply(y);
  y = tf.layers.reLU({ maxValue: 6, name: 'block_1_depthwise_relu' }).apply(y);
  y = tf.layers
    .conv2d({ filters: 8, kernelSize: 1, useBias: false, name: 'block_1_project' })
    .apply(y);
  y = tf.layers.batchNormalization({ name: 'block_1_project_BN' }).apply(y);
  x = tf.layers.add({ name: 'block_1_add' }).apply([shortcut, y] as tf.SymbolicTensor[]);
  x = tf.layers
    .separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', name: 'block_2_sepconv' })
    .apply(x);
  x = tf.layers.batchNormalization({ name: 'block_2_sepconv_BN' }).apply(x);
  x = tf.layers.activation({ activation: 'relu', name: 'out_relu' }).apply(x);
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
  x = tf.layers.dropout({ rate: 0.2, name: 'dropout' }).apply(x);
  const output = tf.layers
    .dense({ units: 5, activation: 'softmax', name: 'predictions' })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'mobilenet_like' });
  model.layers
    .filter((layer) => layer.getClassName() === 'BatchNormalization')
    .forEach((layer, index) => {
      const [gamma, beta, mean, variance] = layer.getWeights();
      layer.setWeights([
        gamma,
        beta,
        tf.fill(mean.shape, 0.02 * (index + 1)),
        tf.fill(variance.shape, 1.1 + 0.1 * index),
      ]);
    });
  return model;
}

function layerValues(model: tf.LayersModel, name: string): Float32Array[] {
  return model
    .getLayer(name)
    .getWeights()
    .map((tensor) => tensor.dataSync() as Float32Array);
}

const BN_LAYERS = ['bn_conv1', 'block_1_depthwise_BN', 'block_1_project_BN', 'block_2_sepconv_BN'];

describe('fine-tuning a functional Keras-style network (cpu backend)', () => {
  // cpu, not wasm: the wasm depthwise-conv gradient is being rewritten on another branch.
  const base = (source: tf.LayersModel): FinetuneOptions => ({
    source,
    dataset: data,
    frozenLayers: 4,
    initialization: 'pretrained',
    epochs: 2,
    batchSize: 16,
    learningRate: 0.01,
    optimizer: 'adam',
    seed: 3,
    backend: 'cpu',
  });

  it('counts batch-norm layers as weight-bearing layers of their own, in topological order', () => {
    const rows = describeModel(mobileNetLike()).filter((row) => row.weightBearing);
    expect(rows.map((row) => row.name)).toEqual([
      'conv1',
      'bn_conv1',
      'block_1_depthwise',
      'block_1_depthwise_BN',
      'block_1_project',
      'block_1_project_BN',
      'block_2_sepconv',
      'block_2_sepconv_BN',
      'predictions',
    ]);
  });

  it('keeps every frozen weight bit-identical and never moves any moving statistic', async () => {
    const source = mobileNetLike();
    const frozen = ['conv1', 'bn_conv1', 'block_1_depthwise', 'block_1_depthwise_BN'];
    const before = new Map(
      [...frozen, ...BN_LAYERS].map((name) => [name, layerValues(source, name)]),
    );
    const result = await finetune({ ...base(source), cutLayer: 'global_average_pooling2d' });
    expect(result.summary.frozenLayerNames).toEqual(frozen);
    expect(result.history.every((record) => Number.isFinite(record.loss))).toBe(true);
    for (const name of frozen) {
      expect(layerValues(result.model, name)).toEqual(before.get(name));
    }
    for (const name of BN_LAYERS) {
      // Weights 2 and 3 of a batch-norm layer are its moving mean and variance.
      const [, , mean, variance] = layerValues(result.model, name);
      expect([mean, variance]).toEqual(before.get(name)!.slice(2));
    }
    // The trainable layers did train: the separable conv's kernels and the last BN's gamma moved.
    expect(layerValues(result.model, 'block_2_sepconv')[0]).not.toEqual(
      layerValues(source, 'block_2_sepconv')[0],
    );
    expect(layerValues(result.model, 'block_2_sepconv_BN')[0]).not.toEqual(
      layerValues(source, 'block_2_sepconv_BN')[0],
    );
  });

  it('the frozen-prefix cache gives the same loss as the uncached path on the DAG', async () => {
    // Momentum, not Adam: Adam divides by the gradients' own scale, so float-rounding differences
    // of near-zero gradients would become steps of the full learning rate.
    const options = { optimizer: 'momentum' as const, learningRate: 0.05 };
    const source = mobileNetLike();
    const cached = await finetune({ ...base(source), ...options, featureCache: 'always' });
    const uncached = await finetune({ ...base(source), ...options, featureCache: 'never' });
    expect(cached.summary.featureCacheUsed).toBe(true);
    expect(uncached.summary.featureCacheUsed).toBe(false);
    cached.history.forEach((record, index) => {
      expect(record.loss).toBeCloseTo(uncached.history[index].loss, 5);
    });
  });

  it('feeds grayscale data to the RGB network through its preprocessing', async () => {
    const gray = makeSyntheticDataset({
      trainCount: 32,
      validationCount: 16,
      classes: 3,
      inputShape: [12, 12, 1],
      seed: 22,
    });
    const source = mobileNetLike();
    const run = (preprocessing?: 'symmetric' | 'unit') =>
      finetune({ ...base(source), dataset: gray, epochs: 1, preprocessing });
    const symmetric = await run('symmetric');
    const unit = await run('unit');
    expect(Number.isFinite(symmetric.history[0].loss)).toBe(true);
    // The same images scaled differently give the network different inputs, so different losses.
    expect(symmetric.history[0].loss).not.toBe(unit.history[0].loss);
    // Without a preprocessing the 1-channel images do not fit the 3-channel input.
    await expect(run()).rejects.toThrow();
  });
});
