import * as tf from '@tensorflow/tfjs';
import type { DataType, KernelBackend, KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArguments } from './kernel-composition.js';
import { simdKernels } from './simd-module.js';

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
}

/** Rows summed in float32 by the SIMD loop before their sum joins the float64 total. */
const BLOCK_ROWS = 64;

/**
 * Sum (or mean) over every axis but the last (bias gradients: dy [batch, h, w, channels] →
 * [channels]; batch-norm moments) as one pass over the wasm heap. wasm's Sum and Mean first
 * transpose the reduced axes innermost, a full copy of dy for every convolution layer on every
 * step. Other reductions go to `original`.
 */
export function sumLeadingAxes(
  args: KernelArguments,
  original: KernelConfig,
  reduction: 'sum' | 'mean' = 'sum',
): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((first, second) => first - second);
  const leading =
    rank >= 2 && axes.length === rank - 1 && axes.every((value, index) => value === index);
  const { backend } = args;
  if (
    !leading ||
    x.dtype !== 'float32' ||
    !('makeOutput' in backend && 'typedArrayFromHeap' in backend)
  ) {
    return original.kernelFunc(args) as TensorInfo;
  }
  const heap = backend as HeapBackend;
  const channels = x.shape[rank - 1];
  const outShape = keepDims ? [...new Array<number>(rank - 1).fill(1), channels] : [channels];
  const out = heap.makeOutput(outShape, 'float32');
  const simd = channels % 4 === 0 ? simdKernels(backend) : undefined;
  const block = simd === undefined ? undefined : heap.makeOutput([channels], 'float32');
  // Views only after allocating: growing the heap detaches older views.
  const values = heap.typedArrayFromHeap(x);
  const sums = heap.typedArrayFromHeap(out);
  // Accumulate in float64 per channel, as one would want for long sums. With the SIMD loop,
  // blocks of BLOCK_ROWS rows are summed in float32 first, four channels at a time.
  const accumulators = new Float64Array(channels);
  let done = 0;
  if (simd !== undefined && block !== undefined) {
    const partial = heap.typedArrayFromHeap(block);
    const blockLength = BLOCK_ROWS * channels;
    for (; done + blockLength <= values.length; done += blockLength) {
      partial.fill(0);
      simd.accumulateRows(
        partial.byteOffset,
        values.byteOffset + done * 4,
        channels * 4,
        blockLength * 4,
      );
      for (let channel = 0; channel < channels; channel += 1) {
        accumulators[channel] += partial[channel];
      }
    }
    backend.disposeData(block.dataId);
  }
  const rowsOfFour = done + Math.floor((values.length - done) / channels / 4) * 4 * channels;
  const [second, third, fourth] = [channels, 2 * channels, 3 * channels];
  for (let offset = done; offset < rowsOfFour; offset += 4 * channels) {
    for (let channel = 0, index = offset; channel < channels; channel += 1, index += 1) {
      accumulators[channel] +=
        values[index] + values[index + second] + values[index + third] + values[index + fourth];
    }
  }
  for (let offset = rowsOfFour; offset < values.length; offset += channels) {
    for (let channel = 0; channel < channels; channel += 1) {
      accumulators[channel] += values[offset + channel];
    }
  }
  if (reduction === 'mean') {
    const count = values.length / channels;
    accumulators.forEach((value, channel) => (accumulators[channel] = value / count));
  }
  sums.set(accumulators);
  return out;
}
