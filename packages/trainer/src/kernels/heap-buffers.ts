import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs';

interface HeapLike extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
}

/**
 * A zeroed float32 output in the wasm heap and views straight into the heap for the inputs
 * (copies of activations this size cost more than the loops that read them). wasm only.
 */
export function heapBuffers(
  backend: KernelBackend,
  outputShape: number[],
  inputs: TensorInfo[],
): { output: TensorInfo; out: Float32Array; views: Float32Array[] } {
  if (!('makeOutput' in backend && 'typedArrayFromHeap' in backend)) {
    throw new Error('heapBuffers needs the wasm backend');
  }
  const heap = backend as HeapLike;
  const output = heap.makeOutput(outputShape, 'float32');
  // Views only after allocating: growing the heap detaches older views.
  const out = heap.typedArrayFromHeap(output);
  out.fill(0);
  return { output, out, views: inputs.map((input) => heap.typedArrayFromHeap(input)) };
}
