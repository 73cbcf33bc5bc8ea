import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { buildMobileNetV2 } from '../bench/mobilenet-v2.js';
import { onBoth, relativeError } from './compare-backends.js';
import { clearCpuDelegations, cpuDelegations } from './cpu-delegate.js';
import { originalKernel } from './register-training-kernels.js';

/** The reference-gradient table: strides 1 and 2, same/valid, multipliers 1 and 2, 3×3 and 1×3. */
const TABLE = [
  { shape: [2, 6, 6, 3], kernel: [3, 3] },
  { shape: [2, 7, 5, 4], kernel: [3, 3] },
  { shape: [1, 8, 8, 5], kernel: [1, 3] },
  { shape: [2, 5, 6, 2], kernel: [2, 2] },
].flatMap(({ shape, kernel }) =>
  [1, 2].flatMap((stride) =>
    (['same', 'valid'] as const).flatMap((padding) =>
      [1, 2].map((multiplier) => ({
        shape,
        filter: [kernel[0], kernel[1], shape[3], multiplier],
        stride,
        padding,
      })),
    ),
  ),
);

type Shape4 = [number, number, number, number];

function inputs(shape: number[], filter: number[]): [tf.Tensor4D, tf.Tensor4D] {
  return [
    tf.randomUniform(shape as Shape4, -1, 1, 'float32', 11) as tf.Tensor4D,
    tf.randomUniform(filter as Shape4, -1, 1, 'float32', 12) as tf.Tensor4D,
  ];
}

describe('depthwise convolution on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(TABLE)(
    'forward, input and filter gradients for $shape * $filter, stride $stride, $padding',
    async ({ shape, filter, stride, padding }) => {
      const compute = () => {
        const [x, w] = inputs(shape, filter);
        const upstream = tf.randomUniform(
          tf.depthwiseConv2d(x, w, stride, padding).shape,
          -1,
          1,
          'float32',
          13,
        );
        const loss = (input: tf.Tensor, weights: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.depthwiseConv2d(input as tf.Tensor4D, weights as tf.Tensor4D, stride, padding),
              upstream,
            ),
          );
        const [dx, dw] = tf.grads(loss)([x, w]);
        return tf.concat([
          tf.depthwiseConv2d(x, w, stride, padding).flatten(),
          dx.flatten(),
          dw.flatten(),
        ]);
      };
      const { wasm, cpu } = await onBoth(compute);
      expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-4);
    },
  );

  // tensorflow/tfjs#6629: the backend's own kernel is wrong for 1×N filters, stride 2, 'same'
  // padding on even-sized inputs. This is the regression test for replacing it.
  it('replaces the backend kernel, which is wrong for 1×3 filters with stride 2 and same padding', async () => {
    const compute = () => {
      const [x, w] = inputs([2, 4, 4, 3], [1, 3, 3, 1]);
      return tf.depthwiseConv2d(x, w, 2, 'same');
    };
    const ours = await onBoth(compute);
    expect(relativeError(ours.wasm, ours.cpu)).toBeLessThanOrEqual(1e-5);

    await tf.setBackend('wasm');
    const original = originalKernel('DepthwiseConv2dNative', 'wasm');
    expect(original).toBeDefined();
    const theirs = tf.tidy(() => {
      const [x, w] = inputs([2, 4, 4, 3], [1, 3, 3, 1]);
      const backend = tf.backend();
      const info = original!.kernelFunc({
        inputs: { x, filter: w },
        backend,
        attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] },
      }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    expect(relativeError((await theirs.data()) as Float32Array, ours.cpu)).toBeGreaterThan(0.1);
    theirs.dispose();
  });

  it('trains a MobileNetV2-like network (depthwise, batch norm, ReLU6, pad, residual add) without the cpu', async () => {
    const model = buildMobileNetV2({ inputSize: 32, classes: 3, blocks: 4 });
    const gradients = () => {
      const x = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 21);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
      const { grads } = tf.variableGrads(() =>
        tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      );
      const result = tf.concat(model.trainableWeights.map((w) => grads[w.originalName].flatten()));
      return result;
    };
    // The cpu run goes first; count delegations in the wasm run only.
    await tf.setBackend('cpu');
    const cpu = tf.tidy(gradients);
    const cpuValues = (await cpu.data()) as Float32Array;
    cpu.dispose();
    await tf.setBackend('wasm');
    clearCpuDelegations();
    const profile = await tf.profile(async () => {
      const wasm = tf.tidy(gradients);
      const values = (await wasm.data()) as Float32Array;
      wasm.dispose();
      expect(relativeError(values, cpuValues)).toBeLessThanOrEqual(1e-4);
    });
    expect(cpuDelegations()).toEqual([]);
    const kernels = new Set(profile.kernels.map((kernel) => kernel.name));
    for (const name of [
      'DepthwiseConv2dNative',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'PadV2',
      'Slice',
    ]) {
      expect(kernels).toContain(name);
    }
    model.dispose();
  });
});
