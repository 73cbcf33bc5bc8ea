import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { onBoth, relativeError } from './compare-backends.js';
import { MEAN_GRADIENT } from './mean-gradient.js';
import { originalKernel } from './register-training-kernels.js';

/**
 * The wasm replacements (conv input gradient, transposed matMul, max-pool gradient) against the
 * cpu backend, whose kernels for these ops are tfjs's reference implementations.
 */
describe('wasm training kernels', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('replaces the slow wasm kernels', () => {
    for (const name of ['Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad']) {
      expect(originalKernel(name, 'wasm')).toBeDefined();
    }
  });

  it.each([
    { shape: [2, 6, 6, 3], filter: [3, 3, 3, 4], stride: 1, padding: 'valid' },
    { shape: [3, 7, 5, 2], filter: [3, 3, 2, 5], stride: 1, padding: 'same' },
    { shape: [2, 8, 8, 4], filter: [2, 2, 4, 3], stride: 1, padding: 'same' },
    { shape: [1, 9, 9, 6], filter: [5, 5, 6, 2], stride: 1, padding: 'valid' },
    { shape: [2, 8, 7, 3], filter: [3, 3, 3, 4], stride: 2, padding: 'same' },
    { shape: [2, 9, 9, 2], filter: [1, 1, 2, 4], stride: 2, padding: 'valid' },
    // 1×1, stride 1 (MobileNet's expand and project convolutions: no flip).
    { shape: [2, 5, 4, 6], filter: [1, 1, 6, 3], stride: 1, padding: 'same' },
  ] as const)(
    'Conv2DBackpropInput $shape * $filter, stride $stride, $padding',
    async ({ shape, filter, stride, padding }) => {
      const { wasm, cpu } = await onBoth(() => {
        const x = tf.randomUniform([...shape], -1, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomUniform([...filter], -1, 1, 'float32', 2) as tf.Tensor4D;
        const upstream = tf.randomUniform(
          tf.conv2d(x, w, stride, padding).shape,
          -1,
          1,
          'float32',
          3,
        );
        return tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, w, stride, padding), upstream)),
        )(x);
      });
      expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-4);
    },
  );

  it.each([
    { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
    { a: [4, 6], b: [3, 6], transposeA: false, transposeB: true },
    { a: [6, 4], b: [3, 6], transposeA: true, transposeB: true },
    { a: [2, 5, 4], b: [2, 5, 3], transposeA: true, transposeB: false },
    { a: [3, 4, 5], b: [3, 2, 5], transposeA: false, transposeB: true },
    { a: [4, 5], b: [5, 2], transposeA: false, transposeB: false },
  ])(
    'matMul $a × $b (transposeA $transposeA, transposeB $transposeB)',
    async ({ a, b, transposeA, transposeB }) => {
      const { wasm, cpu } = await onBoth(() =>
        tf.matMul(
          tf.randomUniform(a, -1, 1, 'float32', 4),
          tf.randomUniform(b, -1, 1, 'float32', 5),
          transposeA,
          transposeB,
        ),
      );
      expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-5);
    },
  );

  it.each([
    { shape: [2, 6, 6, 3], pool: 2, stride: 2, padding: 'valid' },
    { shape: [2, 7, 7, 2], pool: 2, stride: 2, padding: 'same' },
    { shape: [1, 8, 6, 4], pool: 3, stride: 2, padding: 'same' },
    { shape: [2, 9, 9, 1], pool: 3, stride: 1, padding: 'valid' },
    { shape: [3, 5, 5, 5], pool: 3, stride: 3, padding: 'same' },
    // 2×2 stride 2 with every window inside (the unrolled path), odd sizes leaving a row unused.
    { shape: [3, 7, 9, 16], pool: 2, stride: 2, padding: 'valid' },
    // The same through the SIMD module (channels a multiple of 4), even sizes too.
    { shape: [2, 9, 7, 8], pool: 2, stride: 2, padding: 'valid' },
    { shape: [2, 6, 8, 4], pool: 2, stride: 2, padding: 'valid' },
  ] as const)(
    'MaxPoolGrad $shape, pool $pool, stride $stride, $padding',
    async ({ shape, pool, stride, padding }) => {
      const { wasm, cpu } = await onBoth(() => {
        const x = tf.randomUniform([...shape], -1, 1, 'float32', 6) as tf.Tensor4D;
        const upstream = tf.randomUniform(
          tf.maxPool(x, pool, stride, padding).shape,
          -1,
          1,
          'float32',
          7,
        );
        return tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, pool, stride, padding), upstream)),
        )(x);
      });
      expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-6);
    },
  );
});

describe('Sum over the leading axes on wasm (bias gradients)', () => {
  // Row counts with and without a remainder after the rows taken four at a time.
  it.each([
    { shape: [3, 5, 7, 6], keepDims: false },
    { shape: [2, 2, 8], keepDims: true },
    { shape: [7, 3], keepDims: false },
    { shape: [1, 1, 5], keepDims: false },
    { shape: [4, 9, 2, 32], keepDims: true },
    // Whole blocks of 64 rows for the SIMD loop, with and without rows left over.
    { shape: [2, 64, 4], keepDims: false },
    { shape: [3, 50, 12], keepDims: false },
  ])('$shape, keepDims $keepDims', async ({ shape, keepDims }) => {
    const axes = shape.slice(0, -1).map((_, axis) => axis);
    const { wasm, cpu } = await onBoth(() =>
      tf.sum(tf.randomUniform(shape, -1, 1, 'float32', 10), axes, keepDims),
    );
    expect(wasm.length).toBe(shape[shape.length - 1]);
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-6);
  });
});

describe('Mean over the leading axes on wasm (batch-norm moments)', () => {
  it.each([
    { shape: [3, 5, 7, 6], keepDims: false },
    { shape: [2, 2, 8], keepDims: true },
    { shape: [9, 3], keepDims: false },
    { shape: [5, 9, 3, 8], keepDims: true },
  ])('$shape, keepDims $keepDims', async ({ shape, keepDims }) => {
    const axes = shape.slice(0, -1).map((_, axis) => axis);
    const { wasm, cpu } = await onBoth(() =>
      tf.mean(tf.randomUniform(shape, -1, 1, 'float32', 13), axes, keepDims),
    );
    expect(wasm.length).toBe(shape[shape.length - 1]);
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-6);
  });
});

describe('Transpose of matrices on wasm', () => {
  it.each([
    { shape: [8, 12], perm: [1, 0] },
    { shape: [3, 4, 8], perm: [0, 2, 1] },
    { shape: [1, 16, 4], perm: [0, 2, 1] },
    { shape: [4, 1, 8], perm: [2, 1, 0] },
    // Not multiples of 4, and other permutations: the backend's kernel.
    { shape: [6, 5], perm: [1, 0] },
    { shape: [2, 4, 8], perm: [1, 0, 2] },
    { shape: [2, 3, 4, 8], perm: [3, 0, 1, 2] },
  ])('$shape by $perm', async ({ shape, perm }) => {
    const { wasm, cpu } = await onBoth(() =>
      tf.transpose(tf.randomUniform(shape, -1, 1, 'float32', 18), perm),
    );
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });

  it('keeps the shape it was asked for', async () => {
    await selectBackend('wasm');
    const result = tf.transpose(tf.zeros([1, 16, 4]), [0, 2, 1]);
    expect(result.shape).toEqual([1, 4, 16]);
    result.dispose();
  });
});

describe('Mean gradient over the leading axes on wasm', () => {
  it.each([
    { shape: [3, 5, 7, 6], keepDims: false },
    { shape: [2, 2, 8], keepDims: true },
    { shape: [9, 3], keepDims: false },
    { shape: [1, 1, 5], keepDims: false },
    // Batch-norm's variance: a mean of squared deviations from the mean, both through Mean.
    { shape: [4, 3, 3, 8], keepDims: true, variance: true },
  ])('$shape, keepDims $keepDims', async ({ shape, keepDims, variance }) => {
    const axes = shape.slice(0, -1).map((_, axis) => axis);
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.randomUniform(shape, -1, 1, 'float32', 19);
      const upstream = tf.randomUniform([shape[shape.length - 1]], -1, 1, 'float32', 20);
      const reduce = (input: tf.Tensor) =>
        variance ? tf.moments(input, axes, keepDims).variance : tf.mean(input, axes, keepDims);
      return tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(tf.reshape(reduce(input), [-1]), upstream)),
      )(x);
    });
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-5);
  });
});

describe('Mean gradient kernel', () => {
  it('replaces ones, multiply and divide with one kernel on wasm', async () => {
    await selectBackend('wasm');
    const x = tf.randomUniform([4, 3, 3, 8], -1, 1, 'float32', 21);
    const { kernelNames } = await tf.profile(() =>
      tf.grad((input: tf.Tensor) => tf.sum(tf.mean(input, [0, 1, 2])))(x),
    );
    expect(kernelNames).toContain(MEAN_GRADIENT);
    expect(kernelNames).not.toContain('RealDiv');
    x.dispose();
  });
});

describe('Cast to the same dtype on wasm shares the data', () => {
  it('keeps one buffer, and converts when the dtype changes', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers - before).toBe(1);
    const converted = tf.cast(x, 'int32');
    expect(tf.memory().numDataBuffers - before).toBe(2);
    x.dispose();
    expect(Array.from(await same.data())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(await converted.data())).toEqual([1, -2, 3]);
    tf.dispose([same, converted]);
  });
});

describe('Slice as contiguous runs on wasm', () => {
  it.each([
    // The pad gradient's shape (spatial crop, every channel), and every rank from 1 to 5.
    { shape: [2, 5, 5, 3], begin: [0, 0, 0, 0], size: [2, 4, 4, 3] },
    { shape: [3, 6, 4, 2], begin: [1, 2, 1, 0], size: [2, 3, 2, 2] },
    { shape: [3, 6, 4, 2], begin: [0, 0, 0, 1], size: [3, 6, 4, 1] },
    { shape: [4, 6, 4, 2], begin: [1, 0, 0, 0], size: [2, -1, -1, -1] },
    { shape: [9], begin: [2], size: [5] },
    { shape: [5, 7], begin: [1, 3], size: [3, 4] },
    { shape: [2, 3, 2, 3, 4], begin: [1, 1, 0, 1, 0], size: [1, 2, 2, 2, 4] },
    { shape: [3, 4], begin: [1, 0], size: [0, 4] },
  ])('$shape from $begin, size $size', async ({ shape, begin, size }) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const { wasm, cpu } = await onBoth(() =>
        tf.cast(
          tf.slice(
            tf.cast(tf.mul(tf.randomUniform(shape, -1, 1, 'float32', 22), 50), dtype),
            begin,
            size,
          ),
          'float32',
        ),
      );
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
    }
  });
});

describe('GatherV2 of rows on wasm (training batches)', () => {
  it.each([
    { shape: [7, 4, 3, 2], indices: [6, 0, 3, 3], dtype: 'float32' },
    { shape: [5, 3], indices: [4, 1], dtype: 'int32' },
    { shape: [6], indices: [5, 2, 0], dtype: 'float32' },
  ] as const)('$shape at $indices ($dtype)', async ({ shape, indices, dtype }) => {
    const { wasm, cpu } = await onBoth(() =>
      tf.cast(
        tf.gather(
          tf.cast(tf.mul(tf.randomUniform([...shape], -1, 1, 'float32', 14), 100), dtype),
          tf.tensor1d([...indices], 'int32'),
        ),
        'float32',
      ),
    );
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });

  it('refuses an index outside the rows, as the reference does', async () => {
    await selectBackend('wasm');
    const x = tf.zeros([3, 2]);
    expect(() => tf.gather(x, tf.tensor1d([3], 'int32'))).toThrow(/not in \[0, 2\]/);
    x.dispose();
  });
});

describe('Identity on wasm shares the data', () => {
  it('keeps a clone readable after its source is disposed, without a second buffer', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numDataBuffers;
    const source = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const copy = tf.clone(source);
    expect(tf.memory().numDataBuffers - before).toBe(1);
    source.dispose();
    expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4, 5, 6]);
    copy.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });

  it('leaves a variable and its clone apart after the variable is assigned', async () => {
    await selectBackend('wasm');
    const variable = tf.variable(tf.tensor1d([1, 2, 3]));
    const copy = tf.clone(variable);
    variable.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(await copy.data())).toEqual([1, 2, 3]);
    expect(Array.from(await variable.data())).toEqual([7, 8, 9]);
    tf.dispose([variable, copy]);
  });
});

describe('MaxPoolGrad with NaN and −∞ on wasm', () => {
  it('sends dy where the reference sends it (nowhere for a window of NaN and −∞)', async () => {
    // Four channels (the SIMD path): windows of NaN, of −∞, mixed, and ordinary values.
    const special = [Number.NaN, Number.NEGATIVE_INFINITY, 1, Number.NaN, -2, 3];
    const values = Array.from({ length: 2 * 4 * 4 * 4 }, (_, index) =>
      index % 5 === 0 ? special[(index / 5) % special.length] : Math.sin(index),
    );
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.tensor4d(values, [2, 4, 4, 4]);
      const upstream = tf.randomUniform([2, 2, 2, 4], -1, 1, 'float32', 16);
      return tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid'), upstream)),
      )(x);
    });
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });
});

describe('MaxPoolGrad ties on wasm', () => {
  // Values on a coarse grid (and ReLU zeros): windows often hold several maxima, and the
  // gradient must go to the first, as the reference kernel sends it.
  it.each([
    { shape: [2, 8, 8, 6], pool: 2, stride: 2 },
    { shape: [2, 9, 7, 3], pool: 3, stride: 2 },
    { shape: [2, 8, 8, 12], pool: 2, stride: 2 },
  ] as const)('$shape, pool $pool, stride $stride', async ({ shape, pool, stride }) => {
    await selectBackend('wasm');
    const { wasm, cpu } = await onBoth(() => {
      const x = tf.relu(
        tf.round(tf.mul(tf.randomUniform([...shape], -1, 1, 'float32', 11), 2)),
      ) as tf.Tensor4D;
      const upstream = tf.randomUniform(
        tf.maxPool(x, pool, stride, 'valid').shape,
        -1,
        1,
        'float32',
        12,
      );
      return tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, pool, stride, 'valid'), upstream)),
      )(x);
    });
    expect(relativeError(wasm, cpu)).toBeLessThanOrEqual(1e-6);
  });
});
