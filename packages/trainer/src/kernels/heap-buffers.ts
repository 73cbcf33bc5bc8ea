import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs';

interface HeapLike extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
}

export function isHeapBackend(backend: KernelBackend): backend is HeapLike {
  return 'makeOutput' in backend && 'typedArrayFromHeap' in backend;
}

/**
 * Float32 outputs in the wasm heap, zeroed unless the caller writes every value, and views
 * straight into the heap for them and the inputs (copies of activations this size cost more
 * than the loops that read them). wasm only.
 */
export function heapOutputs(
  backend: KernelBackend,
  outputShapes: number[][],
  inputs: TensorInfo[],
  zeroed = true,
): { outputs: TensorInfo[]; outs: Float32Array[]; views: Float32Array[] } {
  if (!isHeapBackend(backend)) {
    throw new Error('heapBuffers needs the wasm backend');
  }
  const outputs = outputShapes.map((shape) => backend.makeOutput(shape, 'float32'));
  // Views only after allocating: growing the heap detaches older views.
  const outs = outputs.map((output) => {
    const view = backend.typedArrayFromHeap(output);
    return zeroed ? view.fill(0) : view;
  });
  return { outputs, outs, views: inputs.map((input) => backend.typedArrayFromHeap(input)) };
}

/** heapOutputs with one output. */
export function heapBuffers(
  backend: KernelBackend,
  outputShape: number[],
  inputs: TensorInfo[],
): { output: TensorInfo; out: Float32Array; views: Float32Array[] } {
  const { outputs, outs, views } = heapOutputs(backend, [outputShape], inputs);
  return { output: outputs[0], out: outs[0], views };
}
