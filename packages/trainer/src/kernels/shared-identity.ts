import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArguments } from './kernel-composition.js';

interface CountingBackend extends KernelBackend {
  incRef(dataId: object): void;
}

/**
 * Identity (tf.clone, and the engine's copy of every tensor it saves for the backward pass)
 * sharing the input's data, as wasm's Reshape and the cpu backend's Identity do: tensors are
 * never written in place (a variable's assign swaps its data), so a shared buffer with a
 * reference count is the same tensor. wasm's own Identity copies: 2,275 copies in six
 * MobileNetV2 steps, ~4 % of a step. Strings go to `original`.
 */
export function sharedIdentity(args: KernelArguments, original: KernelConfig): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string' || !('incRef' in args.backend)) {
    return original.kernelFunc(args) as TensorInfo;
  }
  (args.backend as CountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Cast to the dtype the tensor already has (tfjs's square and ReLU gradients cast float32 to
 * float32) shares the data as Identity does; wasm's Cast copies whatever the dtypes. Real
 * conversions go to `original`.
 */
export function castSharingSameType(args: KernelArguments, original: KernelConfig): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if ((args.attrs as { dtype?: string } | undefined)?.dtype !== x.dtype) {
    return original.kernelFunc(args) as TensorInfo;
  }
  return sharedIdentity(args, original);
}
