import type { DataType, KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArguments } from './kernel-composition.js';
import { simdKernels } from './simd-module.js';

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array | Int32Array;
}

/**
 * Transpose that swaps the last two axes (a matrix or a batch of them: dense-layer gradients'
 * xᵀ, the explicit transposes of batch-mat-mul.ts) in 4×4 blocks in the SIMD module, when both
 * sides are multiples of 4. wasm's kernel moves one value at a time (~4 ns each). Size-1 axes
 * are ignored, as the backend ignores them; every other permutation goes to `original`.
 */
export function transposeMatrices(args: KernelArguments, original: KernelConfig): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const perm = (args.attrs as { perm: number[] }).perm;
  const { backend } = args;
  const kept = perm.filter((axis) => x.shape[axis] !== 1);
  const order = [...kept].sort((first, second) => first - second);
  const rank = kept.length;
  const swapsLastTwo =
    rank >= 2 &&
    kept.slice(0, -2).every((axis, index) => axis === order[index]) &&
    kept[rank - 2] === order[rank - 1] &&
    kept[rank - 1] === order[rank - 2];
  const rows = x.shape[order[rank - 2]];
  const columns = x.shape[order[rank - 1]];
  const simd =
    swapsLastTwo &&
    (x.dtype === 'float32' || x.dtype === 'int32') &&
    rows % 4 === 0 &&
    columns % 4 === 0 &&
    'makeOutput' in backend
      ? simdKernels(backend)
      : undefined;
  if (simd === undefined) {
    return original.kernelFunc(args) as TensorInfo;
  }
  const heap = backend as HeapBackend;
  const output = heap.makeOutput(
    perm.map((axis) => x.shape[axis]),
    x.dtype,
  );
  // Offsets only after allocating (growing the heap moves nothing, but detaches views).
  const source = heap.typedArrayFromHeap(x).byteOffset;
  const target = heap.typedArrayFromHeap(output).byteOffset;
  const matrixBytes = rows * columns * 4;
  const matrices = x.shape.reduce((product, size) => product * size, 1) / (rows * columns);
  for (let matrix = 0; matrix < matrices; matrix += 1) {
    simd.transpose(source + matrix * matrixBytes, target + matrix * matrixBytes, rows, columns);
  }
  return output;
}
