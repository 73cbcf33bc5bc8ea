import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import {
  clipGradient,
  MASKED_GRADIENT,
  maskedGradientKernel,
  reluGradient,
} from './activation-gradients.js';
import { batchMatMulWithExplicitTransposes } from './batch-mat-mul.js';
import {
  BATCH_NORM_GRADIENT,
  batchNormForward,
  batchNormGradient,
  batchNormGradientKernel,
} from './batch-norm.js';
import { conv2dBackpropFilterAsForwardConv } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputAsForwardConv } from './conv2d-backprop-input.js';
import {
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  depthwiseForwardAvoidingTfjs6629,
} from './depthwise-conv2d.js';
import { depthwiseInputGradientAsForward } from './depthwise-input-gradient.js';
import { gatherRows } from './gather-rows.js';
import type { KernelArguments } from './kernel-composition.js';
import { maxPoolGradInOnePass } from './max-pool-grad.js';
import { MEAN_GRADIENT, meanGradient, meanGradientKernel } from './mean-gradient.js';
import { castSharingSameType, sharedIdentity } from './shared-identity.js';
import { sliceRuns } from './slice-runs.js';
import { sumLeadingAxes } from './sum-leading-axes.js';
import { transposeMatrices } from './transpose-matrices.js';

/** Backends whose training kernels we replace: wasm lacks or crawls, cpu's filter gradient crawls. */
export const PATCHED_BACKENDS = ['wasm', 'cpu'] as const;

interface Replacement {
  kernelName: string;
  backends: readonly string[];
  make: (backendName: string, original: KernelConfig | undefined) => KernelFunc;
  /** Falls back to the kernel it replaces, so it is only registered where one exists. */
  wrapsOriginal?: boolean;
}

/** Ours alone on wasm (the backend has none, or none worth calling). */
const onWasm = (
  kernelName: string,
  kernel: (args: KernelArguments) => TensorInfo | TensorInfo[],
): Replacement => ({
  kernelName,
  backends: ['wasm'],
  make: () => (args) => kernel(args as KernelArguments),
});

/** Ours on wasm for the cases it speeds up, the backend's own (`original`) for the rest. */
const wrappingOnWasm = (
  kernelName: string,
  kernel: (args: KernelArguments, original: KernelConfig) => TensorInfo,
): Replacement => ({
  kernelName,
  backends: ['wasm'],
  wrapsOriginal: true,
  make: (_backendName, original) => (args) => kernel(args as KernelArguments, original!),
});

/** Which kernels are replaced on which backend (measured: see the benchmark). */
const REPLACEMENTS: Replacement[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backends: ['wasm', 'cpu'],
    make: (backendName, original) => (args) =>
      conv2dBackpropFilterAsForwardConv(args as KernelArguments, backendName, original),
  },
  {
    kernelName: 'Conv2DBackpropInput',
    backends: ['wasm'],
    wrapsOriginal: true,
    make: (backendName, original) => (args) =>
      conv2dBackpropInputAsForwardConv(args as KernelArguments, backendName, original!),
  },
  {
    kernelName: 'BatchMatMul',
    backends: ['wasm'],
    wrapsOriginal: true,
    make: (backendName, original) => (args) =>
      batchMatMulWithExplicitTransposes(args as KernelArguments, backendName, original!),
  },
  onWasm('MaxPoolGrad', maxPoolGradInOnePass),
  wrappingOnWasm('Identity', sharedIdentity),
  wrappingOnWasm('Transpose', transposeMatrices),
  wrappingOnWasm('Cast', castSharingSameType),
  onWasm(MEAN_GRADIENT, meanGradientKernel),
  wrappingOnWasm('Slice', sliceRuns),
  wrappingOnWasm('GatherV2', gatherRows),
  wrappingOnWasm('Mean', (args, original) => sumLeadingAxes(args, original, 'mean')),
  wrappingOnWasm('Sum', (args, original) => sumLeadingAxes(args, original)),
  // Ours on wasm: the backend's forward kernel is wrong for some shapes and its gradients are
  // missing (see depthwise-conv2d.ts).
  wrappingOnWasm('DepthwiseConv2dNative', depthwiseForwardAvoidingTfjs6629),
  {
    kernelName: 'FusedBatchNorm',
    backends: ['wasm'],
    wrapsOriginal: true,
    make: (backendName, original) => (args) =>
      batchNormForward(args as KernelArguments, backendName, original!),
  },
  onWasm(BATCH_NORM_GRADIENT, batchNormGradientKernel),
  onWasm(MASKED_GRADIENT, maskedGradientKernel),
  onWasm('DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dBackpropFilter),
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backends: ['wasm'],
    make: (backendName) => (args) =>
      depthwiseInputGradientAsForward(args as KernelArguments, backendName) ??
      depthwiseConv2dBackpropInput(args as KernelArguments),
  },
];

/**
 * Gradients we replace for every backend (gradients are not per backend in tfjs): each new one
 * takes its fast path on wasm and calls the original elsewhere.
 */
const GRADIENT_REPLACEMENTS: { kernelName: string; make: (original: GradConfig) => GradConfig }[] =
  [
    { kernelName: 'FusedBatchNorm', make: batchNormGradient },
    { kernelName: 'Relu', make: reluGradient },
    { kernelName: 'ClipByValue', make: clipGradient },
    { kernelName: 'Mean', make: meanGradient },
  ];

/** `${kernelName}/${backendName}` → the kernel we replaced (undefined when there was none). */
const originals = new Map<string, KernelConfig | undefined>();
/** kernelName → the gradient we replaced. */
const originalGradients = new Map<string, GradConfig>();

/**
 * Registers the trainer's kernels on every patched backend registered now. Idempotent.
 * The replaced kernels stay reachable through `originalKernel` (tests use them as references).
 */
export function registerTrainingKernels(): void {
  for (const replacement of REPLACEMENTS) {
    for (const backendName of replacement.backends) {
      const key = `${replacement.kernelName}/${backendName}`;
      if (tf.findBackendFactory(backendName) === null || originals.has(key)) {
        continue;
      }
      const original = tf.getKernel(replacement.kernelName, backendName);
      if (original === undefined && replacement.wrapsOriginal === true) {
        continue;
      }
      originals.set(key, original);
      if (original !== undefined) {
        tf.unregisterKernel(replacement.kernelName, backendName);
      }
      // Keep the original's setupFunc: wasm kernels bind their C functions there when the
      // backend initialises, which may happen after this registration.
      tf.registerKernel({
        ...original,
        kernelName: replacement.kernelName,
        backendName,
        kernelFunc: replacement.make(backendName, original),
      });
    }
  }
  for (const { kernelName, make } of GRADIENT_REPLACEMENTS) {
    const original = tf.getGradient(kernelName);
    if (original === undefined || originalGradients.has(kernelName)) {
      continue;
    }
    originalGradients.set(kernelName, original);
    tf.registerGradient(make(original));
  }
}

/** The kernel registerTrainingKernels replaced, if any. */
export function originalKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return originals.get(`${kernelName}/${backendName}`);
}

/** Puts the replaced kernels back (reference measurements and tests). */
export function unregisterTrainingKernels(): void {
  for (const [key, original] of originals) {
    const [kernelName, backendName] = key.split('/');
    tf.unregisterKernel(kernelName, backendName);
    if (original !== undefined) {
      tf.registerKernel(original);
    }
  }
  originals.clear();
  for (const original of originalGradients.values()) {
    tf.registerGradient(original);
  }
  originalGradients.clear();
}
