import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { simdKernels, type SimdKernels } from './simd-module.js';

interface HeapBackend extends tf.KernelBackend {
  typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array;
}

/** Each SIMD loop on tensors in the wasm heap against the same loop in JavaScript. */
describe('SIMD loops on the wasm heap', () => {
  let kernels: SimdKernels;
  let backend: HeapBackend;
  beforeAll(async () => {
    await selectBackend('wasm');
    backend = tf.backend() as HeapBackend;
    kernels = simdKernels(backend)!;
  });
  const COUNT = 40;
  const values = (seed: number) => tf.randomUniform([COUNT], -8, 8, 'float32', seed);
  const view = (tensor: tf.Tensor) => backend.typedArrayFromHeap(tensor);
  const offset = (tensor: tf.Tensor) => view(tensor).byteOffset;

  it('has no loops off wasm', async () => {
    await tf.setBackend('cpu');
    expect(simdKernels(tf.backend())).toBeUndefined();
    await tf.setBackend('wasm');
  });

  it.each([
    { inclusive: true, low: 0, high: 6 },
    { inclusive: false, low: 0, high: Number.POSITIVE_INFINITY },
    { inclusive: true, low: -1.5, high: 2.25 },
  ])('masks dy (inclusive $inclusive, [$low, $high])', ({ inclusive, low, high }) => {
    // Quarter steps, so that values sit on the bounds; and a NaN, which masks out.
    const x = tf.tidy(() => tf.div(tf.round(tf.mul(values(1), 4)), 4));
    view(x)[3] = Number.NaN;
    view(x)[5] = low;
    view(x)[6] = high;
    const dy = values(2);
    const dx = tf.zeros([COUNT]);
    (inclusive ? kernels.mask : kernels.maskExclusive)(
      offset(x),
      offset(dy),
      offset(dx),
      COUNT * 4,
      low,
      high,
    );
    const expected = Array.from(view(x), (value, index) =>
      (inclusive ? value >= low : value > low) && value <= high ? view(dy)[index] : 0,
    );
    expect(Array.from(view(dx))).toEqual(expected);
    tf.dispose([x, dy, dx]);
  });

  it('accumulates rows into one row', () => {
    const rows = values(12);
    const g = tf.randomUniform([8], -1, 1, 'float32', 13);
    const expected = Array.from(view(g));
    view(rows).forEach((value, index) => {
      expected[index % 8] = Math.fround(expected[index % 8] + value);
    });
    kernels.accumulateRows(offset(g), offset(rows), 8 * 4, COUNT * 4);
    expect(Array.from(view(g))).toEqual(expected);
    tf.dispose([rows, g]);
  });

  it.each([
    { rows: 4, columns: 4 },
    { rows: 8, columns: 12 },
    { rows: 20, columns: 4 },
  ])('transposes $rows × $columns', ({ rows, columns }) => {
    const source = tf.randomUniform([rows, columns], -1, 1, 'float32', 17);
    const target = tf.zeros([columns, rows]);
    kernels.transpose(offset(source), offset(target), rows, columns);
    const expected = tf.tidy(() => tf.transpose(source).dataSync());
    expect(Array.from(view(target))).toEqual(Array.from(expected));
    tf.dispose([source, target]);
  });

  it('accumulates products', () => {
    const [g, a, b] = [values(3), values(4), values(5)];
    const expected = Array.from(view(g), (value, index) =>
      Math.fround(value + Math.fround(view(a)[index] * view(b)[index])),
    );
    kernels.productAccumulate(offset(g), offset(a), offset(b), COUNT * 4);
    expect(Array.from(view(g))).toEqual(expected);
    tf.dispose([g, a, b]);
  });

  it('computes a batch-norm gradient over rows', () => {
    // Two rows of 20 channels.
    const channels = COUNT / 2;
    const [x, dy] = [6, 7].map(values);
    const [mean, factor, sumDy, sumCentered] = [8, 9, 10, 11].map((seed) =>
      tf.randomUniform([channels], -1, 1, 'float32', seed),
    );
    const dx = tf.zeros([COUNT]);
    const f = Math.fround;
    const expected = { sumDy: Array.from(view(sumDy)), sumCentered: Array.from(view(sumCentered)) };
    const expectedDx: number[] = [];
    view(dy).forEach((gradient, i) => {
      const c = i % channels;
      expected.sumDy[c] = f(expected.sumDy[c] + gradient);
      expected.sumCentered[c] = f(
        expected.sumCentered[c] + f(f(view(x)[i] - view(mean)[c]) * gradient),
      );
      expectedDx.push(f(gradient * view(factor)[c]));
    });
    const offsets = [x, dy, dx, mean, factor, sumDy, sumCentered].map(offset);
    kernels.batchNormGradientRows(
      ...(offsets as [number, number, number, number, number, number, number]),
      channels * 4,
      COUNT * 4,
    );
    expect(Array.from(view(sumDy))).toEqual(expected.sumDy);
    expect(Array.from(view(sumCentered))).toEqual(expected.sumCentered);
    expect(Array.from(view(dx))).toEqual(expectedDx);
    tf.dispose([x, dy, mean, factor, sumDy, sumCentered, dx]);
  });
});
