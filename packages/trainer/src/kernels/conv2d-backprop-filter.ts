import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';

type Padding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The filter gradient of a 2-D convolution, written as one forward convolution.
 *
 * dW[r, c, i, o] = Σ_{n, y, x} xPadded[n, y·s + r, x·s + c, i] · dy[n, y, x, o]. Read with the
 * input channels i as the batch, the samples n as the channels and dy as a filter dilated by the
 * stride s, that is a stride-1 forward conv: x → [inChannels, H, W, batch],
 * dy → [outH, outW, batch, outChannels]. The result [inChannels, kH', kW', outChannels] is
 * sliced to kH×kW (it can be larger when the padding leaves rows unused) and transposed to
 * [kH, kW, inChannels, outChannels]. It costs what the forward conv costs, where the cpu
 * backend's reference kernel is ~100× slower and wasm has none.
 *
 * Inputs: x [batch, H, W, inChannels], dy [batch, outH, outW, outChannels] (NHWC only).
 */
export function conv2dBackpropFilterAsForwardConv(
  args: KernelArguments,
  backendName: string,
  fallback?: KernelConfig,
): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  if (attrs.dataFormat === 'NCHW') {
    if (fallback === undefined) {
      throw new Error('Conv2DBackpropFilter: NCHW is not supported on this backend');
    }
    return fallback.kernelFunc(args) as TensorInfo;
  }
  const [kernelHeight, kernelWidth, inChannels, outChannels] = attrs.filterShape;
  const [strideHeight, strideWidth] =
    typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    [strideHeight, strideWidth],
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [, height, width] = x.shape;
  const [, outHeight, outWidth] = dy.shape;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows read by output row r: top-padded x rows r, r+s, …, r+(outH−1)s; r runs to kH−1.
  const bottom = Math.max(0, kernelHeight + (outHeight - 1) * strideHeight - height - top);
  const right = Math.max(0, kernelWidth + (outWidth - 1) * strideWidth - width - left);

  const transposedX = runBackendKernel(
    'Transpose',
    backendName,
    backend,
    { x },
    { perm: [3, 1, 2, 0] },
  );
  const transposedDy = runBackendKernel(
    'Transpose',
    backendName,
    backend,
    { x: dy },
    { perm: [1, 2, 0, 3] },
  );
  const padding: Padding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const convolved = runBackendKernel(
    'Conv2D',
    backendName,
    backend,
    { x: transposedX, filter: transposedDy },
    {
      strides: [1, 1],
      pad: padding as unknown as number,
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
      dimRoundingMode: undefined as unknown as string,
    },
  );
  backend.disposeData(transposedX.dataId);
  backend.disposeData(transposedDy.dataId);

  let cropped = convolved;
  if (convolved.shape[1] !== kernelHeight || convolved.shape[2] !== kernelWidth) {
    cropped = runBackendKernel(
      'Slice',
      backendName,
      backend,
      { x: convolved },
      { begin: [0, 0, 0, 0], size: [inChannels, kernelHeight, kernelWidth, outChannels] },
    );
    backend.disposeData(convolved.dataId);
  }
  const gradient = runBackendKernel(
    'Transpose',
    backendName,
    backend,
    { x: cropped },
    { perm: [1, 2, 0, 3] },
  );
  backend.disposeData(cropped.dataId);
  return gradient;
}
