import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';

type Padding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The input gradient of a stride-1 2-D convolution as one forward convolution of dy with the
 * filter flipped in space and its channel axes swapped ("full" correlation):
 * dx[n, i, j, c] = Σ dyPadded[n, i + u, j + v, o] · W[kH−1−u, kW−1−v, c, o], with dy padded by
 * kH−1−padTop above and what makes the output H rows below (likewise for columns).
 * wasm's own Conv2DBackpropInput is a naive loop about 8× slower than its forward conv.
 * Strided convolutions (which would need dy dilated with zeros) and NCHW go to `fallback`.
 *
 * Inputs: dy [batch, outH, outW, outChannels], filter [kH, kW, inChannels, outChannels];
 * output [batch, H, W, inChannels] = attrs.inputShape.
 */
export function conv2dBackpropInputAsForwardConv(
  args: KernelArguments,
  backendName: string,
  fallback: KernelConfig,
): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const strides =
    typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  if (attrs.dataFormat === 'NCHW' || strides[0] !== 1 || strides[1] !== 1) {
    return fallback.kernelFunc(args) as TensorInfo;
  }
  const [kernelHeight, kernelWidth] = filter.shape;
  const [, height, width] = attrs.inputShape;
  const [, outHeight, outWidth] = dy.shape;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    [1, 1],
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const top = kernelHeight - 1 - info.padInfo.top;
  const left = kernelWidth - 1 - info.padInfo.left;
  const bottom = height + kernelHeight - 1 - outHeight - top;
  const right = width + kernelWidth - 1 - outWidth - left;
  if (Math.min(top, left, bottom, right) < 0) {
    return fallback.kernelFunc(args) as TensorInfo;
  }
  // A 1×1 filter (MobileNet's expand and project convolutions) has nothing to flip.
  const flipped =
    kernelHeight === 1 && kernelWidth === 1
      ? filter
      : runBackendKernel('Reverse', backendName, backend, { x: filter }, { dims: [0, 1] });
  const swapped = runBackendKernel(
    'Transpose',
    backendName,
    backend,
    { x: flipped },
    { perm: [0, 1, 3, 2] },
  );
  if (flipped !== filter) {
    backend.disposeData(flipped.dataId);
  }
  const padding: Padding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const gradient = runBackendKernel(
    'Conv2D',
    backendName,
    backend,
    { x: dy, filter: swapped },
    {
      strides: [1, 1],
      pad: padding as unknown as number,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined as unknown as string,
    },
  );
  backend.disposeData(swapped.dataId);
  return gradient;
}
