import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/** Arguments tfjs hands a kernel function. */
export interface KernelArguments {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}

/**
 * Runs one kernel of `backendName` directly, below the engine: no tape, no tensors, so it is
 * safe inside another kernel. The caller owns the result and must `backend.disposeData` it.
 */
export function runBackendKernel(
  kernelName: string,
  backendName: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = tf.getKernel(kernelName, backendName);
  if (kernel === undefined) {
    throw new Error(`Kernel '${kernelName}' is not registered for backend '${backendName}'`);
  }
  const result = kernel.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(result) ? result[0] : result;
}
