import * as tf from '@tensorflow/tfjs';
import type { DataType, KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArguments } from './kernel-composition.js';

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array | Int32Array;
}

/**
 * Slice (the gradient of ZeroPadding2D and of PadV2) as memmoves of contiguous runs: the axes
 * after the last sliced one are whole, so each run is size[k]·(the rest) values. wasm's kernel
 * first reads the whole input out of the heap (a copy of x), then slices the copy: full
 * MobileNetV2 fine-tuning's 8×113×113×96 pad gradient took ~30 ms. float32 and int32 only.
 */
export function sliceRuns(args: KernelArguments, original: KernelConfig): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
  const { backend } = args;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !('makeOutput' in backend)) {
    return original.kernelFunc(args) as TensorInfo;
  }
  const [starts, sizes] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const heap = backend as HeapBackend;
  const output = heap.makeOutput(sizes, x.dtype);
  if (sizes.some((value) => value === 0)) {
    return output;
  }
  // The last axis that is not whole; runs are contiguous from it inwards.
  let axis = x.shape.length - 1;
  while (axis > 0 && starts[axis] === 0 && sizes[axis] === x.shape[axis]) {
    axis -= 1;
  }
  const strides = tf.util.computeStrides(x.shape);
  const inner = axis + 1 < x.shape.length ? strides[axis] : 1;
  const run = sizes[axis] * inner;
  // Views only after allocating: growing the heap detaches older views.
  const target = heap.typedArrayFromHeap(output);
  const source = heap.typedArrayFromHeap(x);
  const whole =
    x.dtype === 'float32' ? new Float32Array(target.buffer) : new Int32Array(target.buffer);
  const targetStart = target.byteOffset / 4;
  const sourceStart = source.byteOffset / 4;
  // An odometer over the axes before `axis`.
  const index = new Array<number>(axis).fill(0);
  const runs = sizes.slice(0, axis).reduce((product, value) => product * value, 1);
  for (let r = 0; r < runs; r += 1) {
    let from = sourceStart + starts[axis] * inner;
    for (let a = 0; a < axis; a += 1) {
      from += (starts[a] + index[a]) * strides[a];
    }
    whole.copyWithin(targetStart + r * run, from, from + run);
    for (let a = axis - 1; a >= 0; a -= 1) {
      index[a] += 1;
      if (index[a] < sizes[a]) {
        break;
      }
      index[a] = 0;
    }
  }
  return output;
}
