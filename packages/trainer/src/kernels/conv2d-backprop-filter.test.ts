import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, unregisterTrainingKernels } from './register-training-kernels.js';

interface Case {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: number;
  padding: 'same' | 'valid';
}

/**
 * A fixed table of random-looking shapes: strides 1 and 2, both paddings, several channel counts.
 * On wasm, with rows = kH·kW·inChannels: stride-1 cases with rows ≥ 32 go through the
 * shifted-runs matMul (five rows after the first nine, and the last), cases with rows < 32 and
 * rows < outChannels through the patch matrix (the three before it), the others through the
 * convolution.
 */
const CASES: Case[] = [
  {
    batch: 2,
    height: 5,
    width: 5,
    inChannels: 1,
    outChannels: 3,
    kernel: [3, 3],
    stride: 1,
    padding: 'valid',
  },
  {
    batch: 3,
    height: 6,
    width: 7,
    inChannels: 2,
    outChannels: 4,
    kernel: [3, 3],
    stride: 1,
    padding: 'same',
  },
  {
    batch: 2,
    height: 7,
    width: 7,
    inChannels: 3,
    outChannels: 2,
    kernel: [3, 3],
    stride: 2,
    padding: 'valid',
  },
  {
    batch: 2,
    height: 8,
    width: 6,
    inChannels: 4,
    outChannels: 5,
    kernel: [3, 3],
    stride: 2,
    padding: 'same',
  },
  {
    batch: 1,
    height: 9,
    width: 9,
    inChannels: 8,
    outChannels: 8,
    kernel: [5, 5],
    stride: 2,
    padding: 'same',
  },
  {
    batch: 4,
    height: 6,
    width: 6,
    inChannels: 5,
    outChannels: 1,
    kernel: [2, 2],
    stride: 2,
    padding: 'valid',
  },
  {
    batch: 2,
    height: 10,
    width: 8,
    inChannels: 16,
    outChannels: 6,
    kernel: [1, 1],
    stride: 1,
    padding: 'valid',
  },
  {
    batch: 3,
    height: 5,
    width: 8,
    inChannels: 2,
    outChannels: 3,
    kernel: [3, 2],
    stride: 1,
    padding: 'same',
  },
  {
    batch: 2,
    height: 11,
    width: 11,
    inChannels: 3,
    outChannels: 7,
    kernel: [4, 4],
    stride: 2,
    padding: 'same',
  },
  {
    batch: 3,
    height: 9,
    width: 8,
    inChannels: 4,
    outChannels: 5,
    kernel: [3, 3],
    stride: 1,
    padding: 'valid',
  },
  {
    batch: 2,
    height: 7,
    width: 9,
    inChannels: 6,
    outChannels: 3,
    kernel: [3, 3],
    stride: 1,
    padding: 'same',
  },
  {
    batch: 4,
    height: 6,
    width: 5,
    inChannels: 40,
    outChannels: 2,
    kernel: [1, 1],
    stride: 1,
    padding: 'valid',
  },
  {
    batch: 2,
    height: 8,
    width: 6,
    inChannels: 8,
    outChannels: 4,
    kernel: [2, 4],
    stride: 1,
    padding: 'same',
  },
  {
    batch: 5,
    height: 5,
    width: 7,
    inChannels: 16,
    outChannels: 3,
    kernel: [5, 5],
    stride: 1,
    padding: 'same',
  },
  {
    batch: 3,
    height: 10,
    width: 9,
    inChannels: 1,
    outChannels: 12,
    kernel: [3, 3],
    stride: 1,
    padding: 'valid',
  },
  {
    batch: 2,
    height: 9,
    width: 9,
    inChannels: 2,
    outChannels: 20,
    kernel: [3, 3],
    stride: 2,
    padding: 'same',
  },
  {
    batch: 2,
    height: 12,
    width: 10,
    inChannels: 1,
    outChannels: 32,
    kernel: [5, 5],
    stride: 2,
    padding: 'valid',
  },
  // More samples than one chunk of the shifted-runs product (8): a full chunk and a partial one.
  {
    batch: 11,
    height: 7,
    width: 6,
    inChannels: 4,
    outChannels: 5,
    kernel: [3, 3],
    stride: 1,
    padding: 'same',
  },
];

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

function filterShape(c: Case): [number, number, number, number] {
  return [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i += 1) {
    difference += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-12);
}

/** Inputs and the reference gradient from the cpu backend's original kernel via tf.grad. */
async function referenceFor(c: Case, seed: number) {
  const xShape = [c.batch, c.height, c.width, c.inChannels];
  return tf.tidy(() => {
    const x = randomTensor(xShape, seed);
    const filter = randomTensor(filterShape(c), seed + 1);
    const outShape = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.padding).shape;
    const upstream = randomTensor(outShape, seed + 2);
    const gradient = tf.grad((w: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.padding), upstream)),
    )(filter);
    return {
      x: x.dataSync() as Float32Array,
      filter: filter.dataSync() as Float32Array,
      upstream: upstream.dataSync() as Float32Array,
      outShape,
      gradient: gradient.dataSync() as Float32Array,
    };
  });
}

describe('Conv2DBackpropFilter as a forward convolution', () => {
  const references = new Map<number, Awaited<ReturnType<typeof referenceFor>>>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    unregisterTrainingKernels();
    for (const [index, c] of CASES.entries()) {
      references.set(index, await referenceFor(c, 100 + index * 7));
    }
    registerTrainingKernels();
  });

  afterAll(() => registerTrainingKernels());

  for (const backendName of ['wasm', 'cpu']) {
    it.each(CASES.map((c, index) => ({ ...c, index })))(
      `${backendName}: $batch×$height×$width×$inChannels → $outChannels, kernel $kernel, stride $stride, $padding`,
      async (c) => {
        await tf.setBackend(backendName);
        const reference = references.get(c.index)!;
        const xShape = [c.batch, c.height, c.width, c.inChannels] as [
          number,
          number,
          number,
          number,
        ];
        const actual = tf.tidy(() => {
          const x = tf.tensor4d(reference.x, xShape);
          const upstream = tf.tensor(reference.upstream, reference.outShape) as tf.Tensor4D;
          // The kernel itself, as the conv2d gradient calls it.
          return tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x, dy: upstream },
            {
              strides: [c.stride, c.stride],
              pad: c.padding,
              dataFormat: 'NHWC',
              filterShape: filterShape(c),
            },
          ) as tf.Tensor;
        });
        expect(actual.shape).toEqual(filterShape(c));
        const values = (await actual.data()) as Float32Array;
        actual.dispose();
        expect(relativeError(values, reference.gradient)).toBeLessThanOrEqual(1e-4);
      },
    );
  }

  it('is what tf.grad uses on wasm (a conv layer trains end to end)', async () => {
    await tf.setBackend('wasm');
    const c = CASES[3];
    const reference = references.get(3)!;
    const values = tf.tidy(() => {
      const x = tf.tensor4d(reference.x, [c.batch, c.height, c.width, c.inChannels]);
      const upstream = tf.tensor(reference.upstream, reference.outShape);
      const filter = tf.tensor4d(reference.filter, filterShape(c));
      return tf
        .grad((w: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.stride, c.padding), upstream)),
        )(filter)
        .dataSync() as Float32Array;
    });
    expect(relativeError(values, reference.gradient)).toBeLessThanOrEqual(1e-4);
  });
});
