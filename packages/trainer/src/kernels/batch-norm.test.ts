import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { onBoth, relativeError } from './compare-backends.js';
import { BATCH_NORM_GRADIENT } from './batch-norm.js';
import { originalKernel } from './register-training-kernels.js';

/**
 * Batch normalisation on wasm (ours) against the cpu backend (tfjs's kernel and gradient): the
 * forward pass and the gradients of x, mean, variance, scale and offset, with moving statistics
 * (inference mode, as frozen layers run) and with batch moments (training mode, where the
 * gradient also flows through mean and variance into x).
 */
// Scale and offset always present: tfjs cannot differentiate batchNorm without them on any
// backend (its tape reads the absent input), and Keras' layer always passes both.
const TABLE = [
  { shape: [2, 5, 4, 3], moments: false },
  { shape: [3, 7, 6, 8], moments: true },
  { shape: [2, 3, 3, 1], moments: false },
  { shape: [4, 2, 2, 6], moments: true },
  { shape: [9, 7], moments: true },
  { shape: [6, 4], moments: false },
  { shape: [2, 4, 4, 40], moments: true },
];

describe('batch normalisation on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('replaces the wasm forward kernel', () => {
    expect(originalKernel('FusedBatchNorm', 'wasm')).toBeDefined();
  });

  it('computes the gradient in one kernel on wasm, without tiling', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 7);
    const [mean, variance, offset, scale] = [0, 1, 0, 1].map((value) => tf.fill([3], value));
    const { kernelNames } = await tf.profile(() =>
      tf.grad((input: tf.Tensor) => tf.sum(tf.batchNorm(input, mean, variance, offset, scale)))(x),
    );
    expect(kernelNames).toContain(BATCH_NORM_GRADIENT);
    expect(kernelNames).not.toContain('Tile');
    tf.dispose([x, mean, variance, offset, scale]);
  });

  it.each(TABLE)('$shape, batch moments $moments', async ({ shape, moments }) => {
    const channels = shape[shape.length - 1];
    const parameter = (seed: number, low: number, high: number) =>
      tf.randomUniform([channels], low, high, 'float32', seed);
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.randomUniform(shape, -2, 3, 'float32', 1);
      const upstream = tf.randomUniform(shape, -1, 1, 'float32', 2);
      // Only what the normalisation uses gets a gradient (tf.grads wants every input used).
      const used: Record<string, tf.Tensor> = { x };
      if (!moments) {
        used.mean = parameter(3, -1, 1);
        used.variance = parameter(4, 0.2, 2);
      }
      used.scale = parameter(5, 0.5, 1.5);
      used.offset = parameter(6, -1, 1);
      const names = Object.keys(used);
      const forward = (...values: tf.Tensor[]) => {
        const given = Object.fromEntries(names.map((name, index) => [name, values[index]]));
        const statistics = moments
          ? tf.moments(
              given.x,
              shape.slice(0, -1).map((_, axis) => axis),
            )
          : { mean: given.mean, variance: given.variance };
        return tf.batchNorm(
          given.x,
          statistics.mean,
          statistics.variance,
          given.offset,
          given.scale,
          1e-3,
        );
      };
      const values = Object.values(used);
      const gradients = tf.grads((...inputs: tf.Tensor[]) =>
        tf.sum(tf.mul(forward(...inputs), upstream)),
      )(values);
      return tf.concat([forward(...values), ...gradients].map((t) => t.flatten()));
    });
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-4);
  });
});
