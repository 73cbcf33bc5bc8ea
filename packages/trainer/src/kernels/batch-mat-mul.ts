import type { BatchMatMulAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';

/**
 * BatchMatMul with transposed operands done as explicit transposes plus the plain product.
 * wasm's transposed paths are 6–15× slower than its plain one, and dense-layer gradients use
 * exactly those (dW = xᵀ·dy, dx = dy·Wᵀ). Inputs a [(batch,) m, k] (or [(batch,) k, m] when
 * transposeA), b [(batch,) k, n] (or [(batch,) n, k]); output [(batch,) m, n].
 */
export function batchMatMulWithExplicitTransposes(
  args: KernelArguments,
  backendName: string,
  original: KernelConfig,
): TensorInfo {
  const attrs = args.attrs as unknown as BatchMatMulAttrs;
  if (!attrs.transposeA && !attrs.transposeB) {
    return original.kernelFunc(args) as TensorInfo;
  }
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  // Swap the last two axes, whatever the rank (tfjs passes rank 2 or 3 here).
  const transpose = (x: TensorInfo) => {
    const perm = x.shape.map((_, axis) => axis);
    perm.splice(-2, 2, perm.length - 1, perm.length - 2);
    return runBackendKernel('Transpose', backendName, args.backend, { x }, { perm });
  };
  const left = attrs.transposeA ? transpose(a) : a;
  const right = attrs.transposeB ? transpose(b) : b;
  const product = original.kernelFunc({
    inputs: { a: left, b: right },
    backend: args.backend,
    attrs: { ...args.attrs, transposeA: false, transposeB: false },
  }) as TensorInfo;
  if (left !== a) {
    args.backend.disposeData(left.dataId);
  }
  if (right !== b) {
    args.backend.disposeData(right.dataId);
  }
  return product;
}
