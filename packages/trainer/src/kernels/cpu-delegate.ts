import * as tf from '@tensorflow/tfjs';
import type { DataType, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArguments } from './kernel-composition.js';

interface ValueBackend extends KernelBackend {
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array | Int32Array): TensorInfo;
}
interface WasmOutputBackend extends KernelBackend {
  makeOutput(
    shape: number[],
    dtype: DataType,
    memoryOffset?: number,
    values?: ArrayLike<number>,
  ): TensorInfo;
}

const delegated = new Set<string>();

/** Names of the kernels computed through `delegateToCpu` since the last `clearCpuDelegations`. */
export function cpuDelegations(): string[] {
  return [...delegated].sort();
}

export function clearCpuDelegations(): void {
  delegated.clear();
}

/**
 * A kernel for a backend that lacks it (wasm), computed by the cpu backend's kernel on copies
 * of the inputs. For rarely used gradients only (e.g. depthwise convolutions, which MobileNet
 * sources needed before they had kernels of their own): correct, not fast. Every delegation is
 * recorded so that tests can assert which kernels a network's training leaves to the cpu.
 */
export function delegateToCpu(kernelName: string): KernelFunc {
  return (rawArguments) => {
    delegated.add(kernelName);
    const args = rawArguments as KernelArguments;
    const cpu = tf.engine().findBackend('cpu') as ValueBackend | null;
    const kernel = tf.getKernel(kernelName, 'cpu');
    if (cpu === null || kernel === undefined) {
      throw new Error(`Kernel '${kernelName}' needs the cpu backend, which is not available`);
    }
    const cpuInputs: Record<string, TensorInfo> = {};
    for (const [name, input] of Object.entries(args.inputs)) {
      if (input !== undefined) {
        const values = args.backend.readSync(input.dataId) as Float32Array | Int32Array;
        cpuInputs[name] = cpu.makeTensorInfo(input.shape, input.dtype, values);
      }
    }
    const result = kernel.kernelFunc({
      inputs: cpuInputs,
      backend: cpu,
      attrs: args.attrs,
    }) as TensorInfo;
    const values = cpu.readSync(result.dataId) as Float32Array;
    Object.values(cpuInputs).forEach((input) => cpu.disposeData(input.dataId));
    cpu.disposeData(result.dataId);
    return (args.backend as WasmOutputBackend).makeOutput(
      result.shape,
      result.dtype,
      undefined,
      values,
    );
  };
}
