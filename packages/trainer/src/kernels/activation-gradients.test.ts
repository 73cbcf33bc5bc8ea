import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { MASKED_GRADIENT } from './activation-gradients.js';
import { onBoth, relativeError } from './compare-backends.js';

/**
 * ReLU, clip and Keras' ReLU6 (ReLU then clip) gradients on wasm (ours) against the cpu backend
 * (tfjs's gradients). Inputs on a grid of quarter steps, so that values sit exactly on 0, on
 * the clip bounds and on 6, where the rule for equal values decides the result.
 */
const ACTIVATIONS: { name: string; apply: (x: tf.Tensor) => tf.Tensor }[] = [
  { name: 'relu', apply: (x) => tf.relu(x) },
  { name: 'clip [0, 6]', apply: (x) => tf.clipByValue(x, 0, 6) },
  { name: 'clip [-1.5, 2.25]', apply: (x) => tf.clipByValue(x, -1.5, 2.25) },
  { name: 'relu then clip to 6', apply: (x) => tf.clipByValue(tf.relu(x), 0, 6) },
];
const SHAPES = [
  [2, 5, 4, 3],
  [7, 9],
  [3, 1, 11, 6],
];
const TABLE = ACTIVATIONS.flatMap(({ name, apply }) =>
  SHAPES.map((shape) => ({ name, apply, shape })),
);

describe('activation gradients on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(TABLE)('$name on $shape', async ({ apply, shape }) => {
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.div(tf.round(tf.mul(tf.randomUniform(shape, -9, 9, 'float32', 1), 4)), 4);
      const upstream = tf.randomUniform(shape, -1, 1, 'float32', 2);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(apply(input), upstream)))(x);
    });
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-6);
  });

  it('runs one kernel per gradient on wasm', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomUniform([4, 5], -8, 8, 'float32', 3);
    const { kernelNames } = await tf.profile(() =>
      tf.grad((input: tf.Tensor) => tf.sum(tf.clipByValue(tf.relu(input), 0, 6)))(x),
    );
    expect(kernelNames).toContain(MASKED_GRADIENT);
    for (const name of ['Step', 'Select', 'LogicalAnd', 'GreaterEqual', 'LessEqual']) {
      expect(kernelNames).not.toContain(name);
    }
    x.dispose();
  });
});
