import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { heapOutputs, isHeapBackend } from './heap-buffers.js';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';

/**
 * The depthwise-convolution input gradient (multiplier 1, every MobileNet) as a forward
 * depthwise convolution, which XNNPACK runs vectorised where our loop in depthwise-conv2d.ts is
 * scalar JavaScript (8×7×7×960, 3×3: 2.3 ms against ~10 ms; 8×14×14×576, stride 2: see the benchmark). Returns undefined when the case
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
 * dx = dy, dilated by the stride (s − 1 zeros between values), padded by kH−1−top above (and
 * what makes H rows below), convolved with the filter flipped in space. At stride 1 the
 * backend pads; at larger strides we write the dilated, padded dy ourselves (zeros, then one
 * run of channels per value). Square filters only: the backend's kernel is wrong for some
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
    dilations.some((value) => value !== 1) ||
    dy.dtype !== 'float32'
  ) {
    return undefined;
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    [1, 1],
    (args.attrs as { pad: 'same' }).pad,
    (args.attrs as { dimRoundingMode?: 'floor' }).dimRoundingMode,
    true,
  );
  const [batch, height, width, channels] = inputShape;
  const [strideHeight, strideWidth] = strides;
  const [, outHeight, outWidth] = dy.shape;
  const dilatedHeight = (outHeight - 1) * strideHeight + 1;
  const dilatedWidth = (outWidth - 1) * strideWidth + 1;
  const top = kernelHeight - 1 - info.padInfo.top;
  const left = kernelWidth - 1 - info.padInfo.left;
  const bottom = height + kernelHeight - 1 - dilatedHeight - top;
  const right = width + kernelWidth - 1 - dilatedWidth - left;
  const { backend } = args;
  if (Math.min(top, left, bottom, right) < 0 || !isHeapBackend(backend)) {
    return undefined;
  }
  let upstream = dy;
  let padding: Padding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  if (strideHeight !== 1 || strideWidth !== 1) {
    const paddedHeight = height + kernelHeight - 1;
    const paddedWidth = width + kernelWidth - 1;
    const { outputs, outs, views } = heapOutputs(
      backend,
      [[batch, paddedHeight, paddedWidth, channels]],
      [dy],
    );
    const [source, target] = [views[0], outs[0]];
    for (let n = 0; n < batch; n += 1) {
      for (let row = 0; row < outHeight; row += 1) {
        const targetRow = (n * paddedHeight + top + row * strideHeight) * paddedWidth + left;
        for (let column = 0; column < outWidth; column += 1) {
          const from = ((n * outHeight + row) * outWidth + column) * channels;
          target.set(
            source.subarray(from, from + channels),
            (targetRow + column * strideWidth) * channels,
          );
        }
      }
    }
    upstream = outputs[0];
    padding = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
  }
  const flipped = runBackendKernel(
    'Reverse',
    backendName,
    backend,
    { x: filter },
    { dims: [0, 1] },
  );
  const dx = depthwise(backendName, backend, upstream, flipped, padding, [1, 1]);
  backend.disposeData(flipped.dataId);
  if (upstream !== dy) {
    backend.disposeData(upstream.dataId);
  }
  return dx;
}
