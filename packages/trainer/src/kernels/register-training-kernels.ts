import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterAsForwardConv } from './conv2d-backprop-filter.js';

/** Backends whose Conv2DBackpropFilter we replace: wasm has none, cpu's is ~100× too slow. */
export const PATCHED_BACKENDS = ['wasm', 'cpu'] as const;

const originals = new Map<string, KernelConfig | undefined>();

/**
 * Registers the fast Conv2DBackpropFilter on every patched backend that is registered now.
 * Idempotent. The replaced kernel stays reachable through `originalKernel` (tests use it as
 * the reference).
 */
export function registerTrainingKernels(): void {
  for (const backendName of PATCHED_BACKENDS) {
    if (tf.findBackendFactory(backendName) === null || originals.has(backendName)) {
      continue;
    }
    const original = tf.getKernel('Conv2DBackpropFilter', backendName);
    originals.set(backendName, original);
    if (original !== undefined) {
      tf.unregisterKernel('Conv2DBackpropFilter', backendName);
    }
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName,
      kernelFunc: (args) =>
        conv2dBackpropFilterAsForwardConv(
          args as Parameters<typeof conv2dBackpropFilterAsForwardConv>[0],
          backendName,
          original,
        ),
    });
  }
}

/** The Conv2DBackpropFilter that registerTrainingKernels replaced on `backendName`, if any. */
export function originalConv2dBackpropFilter(backendName: string): KernelConfig | undefined {
  return originals.get(backendName);
}

/** Puts the replaced kernels back (for reference measurements). */
export function unregisterTrainingKernels(): void {
  for (const [backendName, original] of originals) {
    tf.unregisterKernel('Conv2DBackpropFilter', backendName);
    if (original !== undefined) {
      tf.registerKernel(original);
    }
  }
  originals.clear();
}
