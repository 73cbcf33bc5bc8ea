import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { heapBuffers } from './heap-buffers.js';
import type { KernelArguments } from './kernel-composition.js';
import { simdKernels, type SimdKernels } from './simd-module.js';

/**
 * Depthwise 2-D convolution and both of its gradients on wasm, as loops over Float32Array views
 * of the wasm heap (NHWC; filter [kH, kW, channels, multiplier]; output channel c·M + m).
 *
 * Why a forward kernel of our own: tfjs-backend-wasm 4.22's DepthwiseConv2dNative (XNNPACK)
 * returns wrong values for 1×N and N×1 filters with stride 2 and 'same' padding on even-sized
 * inputs (tensorflow/tfjs#6629; reproduced in depthwise-conv2d.test.ts). It is several times
 * faster than these loops, so it keeps the square filters it gets right. (The "memory access out
 * of bounds" a user's MobileNetV2 probe hit in it was the 4 GiB wasm heap running out, not this
 * kernel: see the benchmark's MobileNetV2 rows.) The gradients are missing on wasm.
 * All three share one walk over (image, output row, output column, filter tap) with the
 * channels innermost, where memory is contiguous for input, output and filter alike. With
 * multiplier 1 the walk is written out once for all three (singleMultiplier), its per-tap
 * accumulation in the SIMD module; the input gradient usually goes through XNNPACK
 * instead (depthwise-input-gradient.ts), these loops being its fallback.
 */
type Visit = (xBase: number, yBase: number, fBase: number) => void;

interface DepthwiseGeometry {
  info: tf.backend_util.Conv2DInfo;
  multiplier: number;
}

function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: Record<string, unknown>,
): DepthwiseGeometry {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('Depthwise convolutions on wasm need NHWC (channelsLast) data');
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    (attrs.dilations ?? [1, 1]) as [number, number],
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    true,
  );
  return { info, multiplier: filterShape[3] };
}

/** Calls `visit` once per (image, output pixel, filter tap inside the input). */
function walk({ info }: DepthwiseGeometry, visit: Visit): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let n = 0; n < batchSize; n += 1) {
    for (let outRow = 0; outRow < outHeight; outRow += 1) {
      for (let outColumn = 0; outColumn < outWidth; outColumn += 1) {
        const yBase = ((n * outHeight + outRow) * outWidth + outColumn) * outChannels;
        for (let u = 0; u < filterHeight; u += 1) {
          const row = outRow * strideHeight - top + u * dilationHeight;
          if (row < 0 || row >= inHeight) {
            continue;
          }
          for (let v = 0; v < filterWidth; v += 1) {
            const column = outColumn * strideWidth - left + v * dilationWidth;
            if (column < 0 || column >= inWidth) {
              continue;
            }
            visit(
              ((n * inHeight + row) * inWidth + column) * inChannels,
              yBase,
              (u * filterWidth + v) * outChannels,
            );
          }
        }
      }
    }
  }
}

/** Which array a multiplier-1 kernel accumulates into, and from which two. */
type SingleRole = 'forward' | 'filterGradient' | 'inputGradient';

/**
 * The three kernels with multiplier 1 (every MobileNet), the walk written out instead of a
 * `walk` callback per tap (the call costs ~4× the tap's work). Per output pixel and tap, over the
 * channels: target[t + c] += a[i + c] · b[j + c], with
 *   forward:        y[yBase]  += x[xBase]  · W[fBase]
 *   filterGradient: dW[fBase] += x[xBase]  · dy[yBase]
 *   inputGradient:  dx[xBase] += dy[yBase] · W[fBase]
 * Whole rows of channels go four at a time through the SIMD module when it is there.
 */
function singleMultiplier(
  info: tf.backend_util.Conv2DInfo,
  role: SingleRole,
  target: Float32Array,
  a: Float32Array,
  b: Float32Array,
  simd: SimdKernels | undefined,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const vectorised = simd !== undefined && channels % 4 === 0;
  for (let n = 0; n < batchSize; n += 1) {
    for (let outRow = 0; outRow < outHeight; outRow += 1) {
      for (let outColumn = 0; outColumn < outWidth; outColumn += 1) {
        const yBase = ((n * outHeight + outRow) * outWidth + outColumn) * channels;
        for (let u = 0; u < filterHeight; u += 1) {
          const row = outRow * strideHeight - top + u * dilationHeight;
          if (row < 0 || row >= inHeight) {
            continue;
          }
          const rowBase = (n * inHeight + row) * inWidth;
          for (let v = 0; v < filterWidth; v += 1) {
            const column = outColumn * strideWidth - left + v * dilationWidth;
            if (column < 0 || column >= inWidth) {
              continue;
            }
            const xBase = (rowBase + column) * channels;
            const fBase = (u * filterWidth + v) * channels;
            const t = role === 'forward' ? yBase : role === 'filterGradient' ? fBase : xBase;
            const i = role === 'inputGradient' ? yBase : xBase;
            const j = role === 'filterGradient' ? yBase : fBase;
            if (vectorised) {
              simd.productAccumulate(
                target.byteOffset + t * 4,
                a.byteOffset + i * 4,
                b.byteOffset + j * 4,
                channels * 4,
              );
              continue;
            }
            for (let c = 0; c < channels; c += 1) {
              target[t + c] += a[i + c] * b[j + c];
            }
          }
        }
      }
    }
  }
}

/** The backend's kernel for square filters (correct there), ours for the shapes of tfjs#6629. */
export function depthwiseForwardAvoidingTfjs6629(
  args: KernelArguments,
  original: KernelConfig,
): TensorInfo {
  const { filter } = args.inputs as { filter: TensorInfo };
  const strides = (args.attrs ?? {}).strides as number | [number, number];
  const strided = typeof strides === 'number' ? strides !== 1 : strides.some((s) => s !== 1);
  if (filter.shape[0] === filter.shape[1] || !strided) {
    return original.kernelFunc(args) as TensorInfo;
  }
  return depthwiseConv2dForward(args);
}

/** DepthwiseConv2dNative: inputs x, filter. */
export function depthwiseConv2dForward(args: KernelArguments): TensorInfo {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const shape = geometry(x.shape, filter.shape, args.attrs ?? {});
  const channels = shape.info.inChannels;
  const { output, out: y, views } = heapBuffers(args.backend, shape.info.outShape, [x, filter]);
  const [input, weights] = views;
  if (shape.multiplier === 1) {
    singleMultiplier(shape.info, 'forward', y, input, weights, simdKernels(args.backend));
  } else {
    const multiplier = shape.multiplier;
    walk(shape, (xBase, yBase, fBase) => {
      for (let c = 0, o = 0; c < channels; c += 1) {
        const value = input[xBase + c];
        for (let m = 0; m < multiplier; m += 1, o += 1) {
          y[yBase + o] += value * weights[fBase + o];
        }
      }
    });
  }
  return output;
}

/** DepthwiseConv2dNativeBackpropFilter: inputs x, dy; attrs.filterShape. */
export function depthwiseConv2dBackpropFilter(args: KernelArguments): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = (args.attrs as { filterShape: number[] }).filterShape;
  const shape = geometry(x.shape, filterShape, args.attrs ?? {});
  const channels = shape.info.inChannels;
  const { output, out: gradient, views } = heapBuffers(args.backend, filterShape, [x, dy]);
  const [input, upstream] = views;
  const multiplier = shape.multiplier;
  if (multiplier === 1) {
    singleMultiplier(
      shape.info,
      'filterGradient',
      gradient,
      input,
      upstream,
      simdKernels(args.backend),
    );
    return output;
  }
  walk(shape, (xBase, yBase, fBase) => {
    for (let c = 0, o = 0; c < channels; c += 1) {
      const value = input[xBase + c];
      for (let m = 0; m < multiplier; m += 1, o += 1) {
        gradient[fBase + o] += value * upstream[yBase + o];
      }
    }
  });
  return output;
}

/** DepthwiseConv2dNativeBackpropInput: inputs dy, filter; attrs.inputShape. */
export function depthwiseConv2dBackpropInput(args: KernelArguments): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = (args.attrs as { inputShape: number[] }).inputShape;
  const shape = geometry(inputShape, filter.shape, args.attrs ?? {});
  const channels = shape.info.inChannels;
  const { output, out: dx, views } = heapBuffers(args.backend, inputShape, [dy, filter]);
  const [upstream, weights] = views;
  const multiplier = shape.multiplier;
  if (multiplier === 1) {
    singleMultiplier(shape.info, 'inputGradient', dx, upstream, weights, simdKernels(args.backend));
    return output;
  }
  walk(shape, (xBase, yBase, fBase) => {
    for (let c = 0, o = 0; c < channels; c += 1) {
      let sum = 0;
      for (let m = 0; m < multiplier; m += 1, o += 1) {
        sum += upstream[yBase + o] * weights[fBase + o];
      }
      dx[xBase + c] += sum;
    }
  });
  return output;
}
