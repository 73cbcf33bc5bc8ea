import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';

/**
 * The depthwise-convolution input gradient (multiplier 1, every MobileNet) as a forward
 * depthwise convolution, which XNNPACK runs vectorised where our loop in depthwise-conv2d.ts is
 * scalar JavaScript (8×7×7×960, 3×3: 2.3 ms against ~10 ms). Returns undefined when the case
 * does not apply (the caller then takes the loop). NHWC; filter [kH, kW, channels, 1].
 * (The filter gradient as a forward convolution, x by dy dilated by the stride with the
 * samples beside the channels, was measured no faster than the loop: 7.6 against ~9 ms.)
 */

type Padding = [[number, number], [number, number], [number, number], [number, number]];

function attributes(args: KernelArguments) {
  const attrs = args.attrs ?? {};
  const pair = (value: unknown, fallback: number): [number, number] =>
    value === undefined
      ? [fallback, fallback]
      : typeof value === 'number'
        ? [value, value]
        : (value as [number, number]);
  return {
    strides: pair(attrs.strides, 1),
    dilations: pair(attrs.dilations, 1),
    nchw: attrs.dataFormat === 'NCHW',
  };
}

function depthwise(
  backendName: string,
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  padding: Padding,
  dilations: [number, number],
): TensorInfo {
  return runBackendKernel(
    'DepthwiseConv2dNative',
    backendName,
    backend,
    { x, filter },
    {
      strides: [1, 1],
      pad: padding as unknown as number,
      dilations,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined as unknown as string,
    },
  );
}

/**
 * Stride 1: dx = dy, padded by kH−1−top above (and what makes H rows below), convolved with
 * the filter flipped in space. Square filters only: the backend's kernel is wrong for some
 * others (tfjs#6629).
 */
export function depthwiseInputGradientAsForward(
  args: KernelArguments,
  backendName: string,
): TensorInfo | undefined {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = (args.attrs as { inputShape: number[] }).inputShape;
  const { strides, dilations, nchw } = attributes(args);
  const [kernelHeight, kernelWidth, , multiplier] = filter.shape;
  if (
    nchw ||
    multiplier !== 1 ||
    kernelHeight !== kernelWidth ||
    strides.some((value) => value !== 1) ||
    dilations.some((value) => value !== 1)
  ) {
    return undefined;
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    [1, 1],
    [1, 1],
    (args.attrs as { pad: 'same' }).pad,
    (args.attrs as { dimRoundingMode?: 'floor' }).dimRoundingMode,
    true,
  );
  const [, height, width] = inputShape;
  const [, outHeight, outWidth] = dy.shape;
  const top = kernelHeight - 1 - info.padInfo.top;
  const left = kernelWidth - 1 - info.padInfo.left;
  const bottom = height + kernelHeight - 1 - outHeight - top;
  const right = width + kernelWidth - 1 - outWidth - left;
  if (Math.min(top, left, bottom, right) < 0) {
    return undefined;
  }
  const { backend } = args;
  const flipped = runBackendKernel(
    'Reverse',
    backendName,
    backend,
    { x: filter },
    { dims: [0, 1] },
  );
  const padding: Padding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const dx = depthwise(backendName, backend, dy, flipped, padding, [1, 1]);
  backend.disposeData(flipped.dataId);
  return dx;
}
