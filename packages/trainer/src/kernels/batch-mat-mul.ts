import type { BatchMatMulAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';

const size = (tensor: TensorInfo) =>
  tensor.shape.reduce((product, dimension) => product * dimension, 1);

/**
 * BatchMatMul with transposed operands done as explicit transposes plus the plain product.
 * wasm's transposed paths are 10–20× slower than its plain one, and dense-layer gradients use
 * exactly those (dW = xᵀ·dy, dx = dy·Wᵀ). The right operand is packed afresh on every call, so
 * a·bᵀ with a large b (dx = dy·Wᵀ) is computed as (b·aᵀ)ᵀ instead, which transposes and packs
 * only the small operand plus the output. Inputs a [(batch,) m, k] (or [(batch,) k, m] when
 * transposeA), b [(batch,) k, n] (or [(batch,) n, k] when transposeB); output [(batch,) m, n].
 */
export function batchMatMulWithExplicitTransposes(
  args: KernelArguments,
  backendName: string,
  original: KernelConfig,
): TensorInfo {
  const attrs = args.attrs as unknown as BatchMatMulAttrs;
  const { transposeA, transposeB } = attrs;
  if (!transposeA && !transposeB) {
    return original.kernelFunc(args) as TensorInfo;
  }
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const temporaries: TensorInfo[] = [];
  // Swap the last two axes, whatever the rank (tfjs passes rank 2 or 3 here).
  const transpose = (x: TensorInfo) => {
    const perm = x.shape.map((_, axis) => axis);
    perm.splice(-2, 2, perm.length - 1, perm.length - 2);
    const result = runBackendKernel('Transpose', backendName, args.backend, { x }, { perm });
    temporaries.push(result);
    return result;
  };
  const multiply = (left: TensorInfo, right: TensorInfo) =>
    original.kernelFunc({
      inputs: { a: left, b: right },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
  let result: TensorInfo;
  // Elements of a·bᵀ: rows of a (batch·m) times rows of b (n).
  const outputElements = (size(a) / a.shape[a.shape.length - 1]) * b.shape[b.shape.length - 2];
  if (transposeB && !transposeA && 2 * size(a) + outputElements < 2 * size(b)) {
    // a·bᵀ = (b·aᵀ)ᵀ: transpose and pack the small a instead of the large b.
    const swapped = multiply(b, transpose(a));
    result = transpose(swapped);
    args.backend.disposeData(swapped.dataId);
    temporaries.pop();
  } else {
    result = multiply(transposeA ? transpose(a) : a, transposeB ? transpose(b) : b);
  }
  temporaries.forEach((temporary) => args.backend.disposeData(temporary.dataId));
  return result;
}
