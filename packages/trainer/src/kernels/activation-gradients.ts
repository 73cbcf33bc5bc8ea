import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { heapOutputs } from './heap-buffers.js';
import type { KernelArguments } from './kernel-composition.js';
import { simdKernels } from './simd-module.js';

/**
 * ReLU and clip (ReLU6 is ReLU then clip to [0, 6] in tfjs-layers) gradients on wasm as one
 * masked copy of dy. tfjs builds the clip gradient from five full-size kernels (two
 * comparisons, logical and, zeros, select) and the ReLU gradient from three (step, cast,
 * multiply); on MobileNetV2 from block_13 these were ~7 % of a step.
 */
export const MASKED_GRADIENT = 'FinetrackMaskedGradient';

/**
 * FinetrackMaskedGradient: inputs x, dy (same shape, float32); attrs low, high, lowInclusive.
 * dx = dy where low < x (low ≤ x when lowInclusive) and x ≤ high, else 0 (also for NaN x).
 */
export function maskedGradientKernel(args: KernelArguments): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { low, high, lowInclusive } = args.attrs as {
    low: number;
    high: number;
    lowInclusive: boolean;
  };
  const { outputs, outs, views } = heapOutputs(args.backend, [x.shape], [x, dy], false);
  const [input, upstream] = views;
  const dx = outs[0];
  const length = input.length;
  // Four at a time in our SIMD loop (dy and-ed with the comparisons' mask), the tail here.
  const simd = simdKernels(args.backend);
  const vectorised = simd === undefined ? 0 : length - (length % 4);
  if (simd !== undefined) {
    const loop = lowInclusive ? simd.mask : simd.maskExclusive;
    loop(input.byteOffset, upstream.byteOffset, dx.byteOffset, vectorised * 4, low, high);
  }
  // The mask as a 0/1 factor, not a branch: 4× faster on random signs (where a branch
  // mispredicts). An infinite dy where the mask is 0 gives NaN here, 0 in tfjs's clip gradient.
  if (lowInclusive) {
    for (let i = vectorised; i < length; i += 1) {
      const value = input[i];
      dx[i] = upstream[i] * (Number(value >= low) & Number(value <= high));
    }
  } else {
    for (let i = vectorised; i < length; i += 1) {
      const value = input[i];
      dx[i] = upstream[i] * (Number(value > low) & Number(value <= high));
    }
  }
  return outputs[0];
}

function masked(
  original: GradConfig,
  bounds: (attrs: NamedAttrMap) => { low: number; high: number; lowInclusive: boolean },
): GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const single = dy as tf.Tensor;
      if (
        tf.getBackend() !== 'wasm' ||
        x.dtype !== 'float32' ||
        single.dtype !== 'float32' ||
        !tf.util.arraysEqual(x.shape, single.shape)
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      return {
        x: () =>
          tf.engine().runKernel(MASKED_GRADIENT, { x, dy: single }, {
            ...bounds(attrs),
          } as unknown as NamedAttrMap) as tf.Tensor,
      };
    },
  };
}

/**
 * Relu's gradient: dy where x > 0. (tfjs's gives NaN for a NaN x, this gives 0, as clip's
 * gradient does.)
 */
export function reluGradient(original: GradConfig): GradConfig {
  return masked(original, () => ({ low: 0, high: Number.POSITIVE_INFINITY, lowInclusive: false }));
}

/** ClipByValue's gradient: dy where clipValueMin ≤ x ≤ clipValueMax (tfjs's rule). */
export function clipGradient(original: GradConfig): GradConfig {
  return masked(original, (attrs) => ({
    low: attrs.clipValueMin as number,
    high: attrs.clipValueMax as number,
    lowInclusive: true,
  }));
}
