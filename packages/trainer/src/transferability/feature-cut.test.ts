import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildMobileNetV2 } from '../bench/mobilenet-v2.js';
import { buildArchitecture } from '../model/architectures.js';
import { modelGraph } from '../model/graph.js';
import { featureCut } from './feature-cut.js';

const cutOf = (model: tf.LayersModel) => featureCut(modelGraph(model));

describe('featureCut', () => {
  it('scores below the whole classifier stack of the built-in networks', () => {
    // small-cnn and vgg-mini end flatten → Dense → Dropout → Dense: the body ends at flatten.
    for (const architecture of ['small-cnn', 'vgg-mini'] as const)
      expect(
        cutOf(buildArchitecture(architecture, { inputShape: [28, 28, 1], numClasses: 5, seed: 1 })),
      ).toBe('flatten');
  });

  it("takes a Keras application's global pool, below its one Dense classifier", () => {
    const model = buildMobileNetV2({ inputSize: 32, classes: 5, blocks: 4 });
    const graph = modelGraph(model);
    const pool = graph.find((node) => node.layer.getClassName() === 'GlobalAveragePooling2D')!;
    expect(featureCut(graph)).toBe(pool.layer.name);
  });

  it('walks through dropout and activation layers between Dense layers', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    let x = tf.layers.conv2d({ filters: 3, kernelSize: 3, name: 'conv' }).apply(input);
    x = tf.layers.globalMaxPooling2d({ name: 'pool' }).apply(x);
    x = tf.layers.dense({ units: 8, name: 'fc1' }).apply(x);
    x = tf.layers.activation({ activation: 'relu', name: 'fc1_relu' }).apply(x);
    x = tf.layers.dropout({ rate: 0.5, name: 'fc1_dropout' }).apply(x);
    x = tf.layers.dense({ units: 3, activation: 'softmax', name: 'predictions' }).apply(x);
    expect(cutOf(tf.model({ inputs: input, outputs: x as tf.SymbolicTensor }))).toBe('pool');
  });

  it('falls back to the layer below the output for a model of Dense layers only', () => {
    const input = tf.input({ shape: [6] });
    const hidden = tf.layers.dense({ units: 4, name: 'hidden' }).apply(input);
    const output = tf.layers.dense({ units: 2, name: 'out' }).apply(hidden) as tf.SymbolicTensor;
    expect(cutOf(tf.model({ inputs: input, outputs: output }))).toBe('hidden');
  });
});
