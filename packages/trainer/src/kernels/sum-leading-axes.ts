import * as tf from '@tensorflow/tfjs';
import type { DataType, KernelBackend, KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArguments } from './kernel-composition.js';

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
}

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
  // Views only after allocating: growing the heap detaches older views.
  const values = heap.typedArrayFromHeap(x);
  const sums = heap.typedArrayFromHeap(out);
  // Accumulate in float64 per channel, as one would want for long sums; four rows per pass
  // (one load and store of each accumulator per four values) when there are enough rows.
  const accumulators = new Float64Array(channels);
  const rowsOfFour = Math.floor(values.length / channels / 4) * 4 * channels;
  const [second, third, fourth] = [channels, 2 * channels, 3 * channels];
  for (let offset = 0; offset < rowsOfFour; offset += 4 * channels) {
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
