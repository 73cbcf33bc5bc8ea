import * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES } from '@finetrack/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { ArchitectureError, buildArchitecture } from './architectures.js';
import { weightDrift } from './drift.js';

describe('buildArchitecture', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(ARCHITECTURES)(
    '%s maps [batch, 12, 12, 1] to class probabilities and is seeded',
    (architecture) => {
      const model = buildArchitecture(architecture, {
        inputShape: [12, 12, 1],
        numClasses: 4,
        seed: 3,
      });
      const again = buildArchitecture(architecture, {
        inputShape: [12, 12, 1],
        numClasses: 4,
        seed: 3,
      });
      const other = buildArchitecture(architecture, {
        inputShape: [12, 12, 1],
        numClasses: 4,
        seed: 4,
      });
      const output = model.predict(tf.ones([2, 12, 12, 1])) as tf.Tensor;
      expect(output.shape).toEqual([2, 4]);
      expect(tf.sum(output, -1).dataSync()[0]).toBeCloseTo(1, 5);
      expect(model.getLayer('output').name).toBe('output');
      const values = (m: tf.LayersModel) => m.weights.map((weight) => weight.read().dataSync());
      expect(values(again)).toEqual(values(model));
      expect(values(other)).not.toEqual(values(model));
    },
  );

  it('small-cnn follows the Keras mnist transfer layout', () => {
    const model = buildArchitecture('small-cnn', {
      inputShape: [28, 28, 1],
      numClasses: 5,
      seed: 1,
    });
    expect(model.layers.map((layer) => `${layer.name}:${layer.getClassName()}`)).toEqual([
      'input:InputLayer',
      'conv1:Conv2D',
      'conv2:Conv2D',
      'pool:MaxPooling2D',
      'dropout1:Dropout',
      'flatten:Flatten',
      'dense1:Dense',
      'dropout2:Dropout',
      'output:Dense',
    ]);
    expect(model.countParams()).toBe(320 + 9248 + 4608 * 128 + 128 + 128 * 5 + 5);
  });

  it.each([
    { architecture: 'small-cnn', numClasses: 1 },
    { architecture: 'unknown-net', numClasses: 3 },
  ])('rejects $architecture with $numClasses classes', ({ architecture, numClasses }) => {
    expect(() =>
      buildArchitecture(architecture as 'small-cnn', {
        inputShape: [12, 12, 1],
        numClasses,
        seed: 1,
      }),
    ).toThrow(ArchitectureError);
  });
});

describe('weightDrift', () => {
  it('is ‖W − W₀‖ / ‖W₀‖ over all of a layer’s tensors', () => {
    const initial = [tf.tensor([3, 0]), tf.tensor([4])];
    const current = [tf.tensor([3, 1]), tf.tensor([4])];
    expect(weightDrift(current, initial)).toBeCloseTo(1 / 5, 6);
    expect(weightDrift(initial, initial)).toBe(0);
  });
});
