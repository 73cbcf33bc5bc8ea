import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { heapOutputs } from './heap-buffers.js';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';
import { simdKernels } from './simd-module.js';

/**
 * Batch normalisation on wasm in one pass each way, channels last (x [..., C]; mean, variance,
 * offset and scale C values each, any shape of that size). tfjs-backend-wasm's FusedBatchNorm
 * takes a square root and a division per element, and tfjs's gradient tiles 1/√(var + ε) to
 * the full size of x and makes a dozen full-size passes more (MobileNetV2 fine-tuned from
 * block_13: Tile alone was 13 % of a step). Other layouts go to the original kernel/gradient.
 */
export const BATCH_NORM_GRADIENT = 'FinetrackBatchNormGradient';

function channelwise(x: TensorInfo, parameters: (TensorInfo | undefined)[]): number | undefined {
  const channels = x.shape[x.shape.length - 1];
  const size = (tensor: TensorInfo) => tensor.shape.reduce((product, value) => product * value, 1);
  const fits =
    x.dtype === 'float32' &&
    x.shape.length >= 1 &&
    parameters.every((parameter) => parameter === undefined || size(parameter) === channels);
  return fits ? channels : undefined;
}

/**
 * FusedBatchNorm: y = (x − mean) · scale / √(variance + ε) + offset, as y = x·a[c] + b[c]. On
 * images that is a 1×1 depthwise convolution with bias, which XNNPACK runs vectorised
 * (8×112×112×96: 14 ms, against 37 ms for the backend's kernel and 30 ms for a JavaScript
 * loop); other ranks take the loop.
 */
export function batchNormForward(
  args: KernelArguments,
  backendName: string,
  original: KernelConfig,
): TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo>;
  const channels = channelwise(x, [mean, variance, offset, scale]);
  if (channels === undefined) {
    return original.kernelFunc(args) as TensorInfo;
  }
  const epsilon = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const present = [mean, variance, offset ?? mean, scale ?? mean];
  const image = x.shape.length === 4;
  const { outputs, outs, views } = heapOutputs(
    args.backend,
    [[1, 1, channels, 1], [channels], ...(image ? [] : [x.shape])],
    [...present, x],
    false,
  );
  const [factorTensor, shiftTensor] = outputs;
  const [factor, shift] = outs;
  const [means, variances, offsets, scales, input] = views;
  for (let c = 0; c < channels; c += 1) {
    factor[c] = (scale === undefined ? 1 : scales[c]) / Math.sqrt(variances[c] + epsilon);
    shift[c] = (offset === undefined ? 0 : offsets[c]) - means[c] * factor[c];
  }
  if (image) {
    const y = runBackendKernel(
      'FusedDepthwiseConv2D',
      backendName,
      args.backend,
      { x, filter: factorTensor, bias: shiftTensor },
      {
        strides: [1, 1],
        pad: 'valid',
        dilations: [1, 1],
        dataFormat: 'NHWC',
        activation: 'linear',
      } as never,
    );
    args.backend.disposeData(factorTensor.dataId);
    args.backend.disposeData(shiftTensor.dataId);
    return y;
  }
  const y = outs[2];
  for (let row = 0; row < input.length; row += channels) {
    for (let c = 0, index = row; c < channels; c += 1, index += 1) {
      y[index] = input[index] * factor[c] + shift[c];
    }
  }
  args.backend.disposeData(factorTensor.dataId);
  args.backend.disposeData(shiftTensor.dataId);
  return outputs[2];
}

/**
 * FinetrackBatchNormGradient: inputs x, dy, mean, variance, scale (optional); attrs
 * varianceEpsilon. Outputs dx = dy · scale / √(variance + ε) (shaped like x) and sums [2, C]:
 * Σ dy and Σ (x − mean) · dy over every axis but the last, from which the gradients of mean,
 * variance, scale and offset follow per channel.
 */
export function batchNormGradientKernel(args: KernelArguments): TensorInfo[] {
  const { x, dy, mean, variance, scale } = args.inputs as Record<string, TensorInfo>;
  const channels = x.shape[x.shape.length - 1];
  const epsilon = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const simd = channels % 4 === 0 ? simdKernels(args.backend) : undefined;
  // With the SIMD loop the per-channel factors live in the heap too (a third output, dropped).
  const { outputs, outs, views } = heapOutputs(
    args.backend,
    [x.shape, [2, channels], ...(simd === undefined ? [] : [[channels]])],
    [x, dy, mean, variance, scale ?? mean],
    false,
  );
  const [input, upstream, means, variances, scales] = views;
  const [dx, sums] = outs;
  const factor = outs[2] ?? new Float32Array(channels);
  for (let c = 0; c < channels; c += 1) {
    factor[c] = (scale === undefined ? 1 : scales[c]) / Math.sqrt(variances[c] + epsilon);
  }
  if (simd !== undefined) {
    // Float32 sums, four channels at a time, as the backend's own Sum accumulates.
    sums.fill(0);
    const rowBytes = channels * 4;
    const [sumDyOffset, sumCenteredOffset] = [sums.byteOffset, sums.byteOffset + rowBytes];
    simd.batchNormGradientRows(
      input.byteOffset,
      upstream.byteOffset,
      dx.byteOffset,
      means.byteOffset,
      factor.byteOffset,
      sumDyOffset,
      sumCenteredOffset,
      rowBytes,
      input.length * 4,
    );
    args.backend.disposeData(outputs[2].dataId);
    return outputs.slice(0, 2);
  }
  // Float64 accumulators: these sums run over batch × height × width values.
  const sumDy = new Float64Array(channels);
  const sumCenteredDy = new Float64Array(channels);
  for (let row = 0; row < input.length; row += channels) {
    for (let c = 0, index = row; c < channels; c += 1, index += 1) {
      const gradient = upstream[index];
      sumDy[c] += gradient;
      sumCenteredDy[c] += (input[index] - means[c]) * gradient;
      dx[index] = gradient * factor[c];
    }
  }
  sums.set(sumDy);
  sums.set(sumCenteredDy, channels);
  return outputs;
}

/**
 * The gradient of FusedBatchNorm through BATCH_NORM_GRADIENT on wasm (one pass over x and dy),
 * and `original`'s everywhere else. Same formulas as tfjs's: with r = 1/√(variance + ε) and
 * g = scale (1 when absent), dmean = −r·g·Σdy, dvariance = −½·r³·g·Σ(x − mean)dy,
 * dscale = r·Σ(x − mean)dy, doffset = Σdy.
 */
export function batchNormGradient(original: GradConfig): GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as tf.Tensor[];
      const epsilon = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
      const single = dy as tf.Tensor;
      if (
        tf.getBackend() !== 'wasm' ||
        single.dtype !== 'float32' ||
        channelwise(x, [mean, variance, scale ?? undefined]) === undefined ||
        !tf.util.arraysEqual(single.shape, x.shape)
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      const inputs: tf.NamedTensorMap = { x, dy: single, mean, variance };
      if (scale != null) {
        inputs.scale = scale;
      }
      const [dx, sums] = tf
        .engine()
        .runKernel(BATCH_NORM_GRADIENT, inputs, attrs as NamedAttrMap) as tf.Tensor[];
      const channels = x.shape[x.shape.length - 1];
      const [sumDy, sumCenteredDy] = tf.split(tf.reshape(sums, [2 * channels]), 2);
      sums.dispose();
      const gain = scale == null ? tf.scalar(1) : tf.reshape(scale, [channels]);
      const reciprocal = tf.rsqrt(tf.add(tf.reshape(variance, [channels]), epsilon));
      const toMeanShape = (value: tf.Tensor) => tf.reshape(value, mean.shape);
      return {
        x: () => dx,
        mean: () => toMeanShape(tf.mul(tf.neg(tf.mul(reciprocal, gain)), sumDy)),
        variance: () =>
          toMeanShape(tf.mul(tf.mul(tf.pow(reciprocal, 3), gain), tf.mul(sumCenteredDy, -0.5))),
        scale: () => toMeanShape(tf.mul(reciprocal, sumCenteredDy)),
        offset: () => toMeanShape(sumDy),
      };
    },
  };
}
