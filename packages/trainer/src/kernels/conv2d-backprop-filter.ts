import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { DataType, KernelBackend } from '@tensorflow/tfjs';
import { runBackendKernel, type KernelArguments } from './kernel-composition.js';
import { simdKernels } from './simd-module.js';

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
  if (isHeapBackend(backend)) {
    const rows = kernelHeight * kernelWidth * inChannels;
    const viaMatMul =
      rows < MATMUL_MIN_ROWS && rows < outChannels
        ? thinFilterGradient(x, dy, attrs.filterShape, info, backendName, backend)
        : strideHeight === 1 && strideWidth === 1
          ? filterGradientAsMatMul(x, dy, attrs.filterShape, top, left, backendName, backend)
          : undefined;
    if (viaMatMul !== undefined) {
      return viaMatMul;
    }
  }
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

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
}

function isHeapBackend(backend: KernelBackend): backend is HeapBackend {
  return 'makeOutput' in backend && 'typedArrayFromHeap' in backend;
}

/**
 * Fewest product rows (kH·kW·inChannels) for the shifted-runs matMul: below it (a first layer on
 * one channel, 9 rows) that product is too thin to pay for packing dy, and the thin path packs
 * the patches instead (batch 64, 28×28×1 → 32: convolution 7.4 ms, shifted runs 8.1 ms).
 */
const MATMUL_MIN_ROWS = 32;

/**
 * Samples per chunk of the stride-1 filter gradient's product (see filterGradientAsMatMul):
 * small-cnn's second conv at batch 64, medians of five steps, 8 samples (5.7 MB of patches a
 * chunk) ~143 ms a step against ~152 ms for the whole 46 MB matrix at once; 2 and 16 no better.
 */
const CHUNK_SAMPLES = 8;

/**
 * Largest patch matrix, in floats (128 MB; small-cnn's second conv at batch 128 needs 92 MB):
 * for the thin path, and for one chunk of the stride-1 path. Larger ones use the convolution.
 */
const PATCH_FLOATS_LIMIT = 32 * 1024 * 1024;

/**
 * Stride-1 filter gradient as one plain matMul, on a heap backend (wasm):
 * dW[(r, c, i), o] = Σ_{n, p} X[i, n, p + r·W' + c] · dy'[n, p, o], where X is x padded to
 * [inChannels, batch, H', W'] (H' = outH + kH − 1, W' = outW + kW − 1) and dy' is dy padded on
 * the right to width W' (the extra columns are zero, so the positions they pair with, which wrap
 * into the next row, add nothing). Every row of the left operand is then a contiguous run of
 * X, copied with one memmove, and the right operand dy' [batch·outH·W', outChannels] is packed
 * in its natural layout; the product [kH·kW·inChannels, outChannels] is already HWIO. The forward
 * convolution instead transposes dy into a filter and repacks it on every call (a third of its
 * time). Returns undefined when the padding does not fit or a chunk's patch matrix would be too
 * large (the caller then uses the convolution).
 */
function filterGradientAsMatMul(
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  top: number,
  left: number,
  backendName: string,
  backend: HeapBackend,
): TensorInfo | undefined {
  const [kernelHeight, kernelWidth, inChannels, outChannels] = filterShape;
  const [batch, height, width] = x.shape;
  const [, outHeight, outWidth] = dy.shape;
  const paddedHeight = outHeight + kernelHeight - 1;
  const paddedWidth = outWidth + kernelWidth - 1;
  const bottom = paddedHeight - height - top;
  const right = paddedWidth - width - left;
  const patchFloats =
    kernelHeight *
    kernelWidth *
    inChannels *
    Math.min(batch, CHUNK_SAMPLES) *
    outHeight *
    paddedWidth;
  if (Math.min(top, left, bottom, right) < 0 || patchFloats > PATCH_FLOATS_LIMIT) {
    return undefined;
  }
  const temporaries: TensorInfo[] = [];
  const run = (kernelName: string, inputs: Record<string, TensorInfo>, attrs: object) => {
    const result = runBackendKernel(kernelName, backendName, backend, inputs, attrs as never);
    temporaries.push(result);
    return result;
  };
  // [inChannels, batch, H', W']: each (channel, sample) image is one contiguous run.
  const channelMajor = paddedChannelMajor(x, [top, bottom, left, right], backend);
  temporaries.push(channelMajor);
  const paddedDy =
    kernelWidth === 1
      ? dy
      : run(
          'PadV2',
          { x: dy },
          {
            paddings: [
              [0, 0],
              [0, 0],
              [0, kernelWidth - 1],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
  const positions = outHeight * paddedWidth;
  const imageSize = paddedHeight * paddedWidth;
  const rows = kernelHeight * kernelWidth * inChannels;
  if (kernelHeight === 1 && kernelWidth === 1) {
    // A 1×1 filter has one shift, zero: the channel-major x is the patch matrix already.
    const product = runBackendKernel(
      'BatchMatMul',
      backendName,
      backend,
      {
        a: { ...channelMajor, shape: [1, rows, batch * positions] },
        b: { ...paddedDy, shape: [1, batch * positions, outChannels] },
      },
      { transposeA: false, transposeB: false } as never,
    );
    temporaries.forEach((temporary) => backend.disposeData(temporary.dataId));
    return { ...product, shape: [...filterShape] };
  }
  // The product in chunks of samples, summed: each chunk's patch matrix is written and then
  // read while it is still in cache, where the whole matrix (46 MB for small-cnn's second conv
  // at batch 64) went out to memory and came back.
  const chunkSamples = CHUNK_SAMPLES;
  const sums = new Float64Array(rows * outChannels);
  for (let first = 0; first < batch; first += chunkSamples) {
    const samples = Math.min(chunkSamples, batch - first);
    const patches = backend.makeOutput([1, rows, samples * positions], 'float32');
    const chunkDy = backend.makeOutput([1, samples * positions, outChannels], 'float32');
    // Views only after allocating: growing the heap detaches older views. The runs are copied
    // within one view of the whole heap (copyWithin: a memmove, half the time of
    // set(subarray) between two views of the same buffer, and no view object per run).
    const target = backend.typedArrayFromHeap(patches);
    const heap = new Float32Array(target.buffer);
    const targetStart = target.byteOffset / 4;
    const sourceStart = backend.typedArrayFromHeap(channelMajor).byteOffset / 4;
    const dyStart = backend.typedArrayFromHeap(paddedDy).byteOffset / 4;
    const dyRun = positions * outChannels;
    heap.copyWithin(
      backend.typedArrayFromHeap(chunkDy).byteOffset / 4,
      dyStart + first * dyRun,
      dyStart + (first + samples) * dyRun,
    );
    let row = 0;
    for (let kernelRow = 0; kernelRow < kernelHeight; kernelRow += 1) {
      for (let kernelColumn = 0; kernelColumn < kernelWidth; kernelColumn += 1) {
        const shift = kernelRow * paddedWidth + kernelColumn;
        // The last positions of a shifted run can pass the image's end; dy' is zero there.
        const length = Math.min(positions, imageSize - shift);
        for (let channel = 0; channel < inChannels; channel += 1, row += 1) {
          for (let sample = 0; sample < samples; sample += 1) {
            const from = sourceStart + (channel * batch + first + sample) * imageSize + shift;
            const to = (row * samples + sample) * positions;
            heap.copyWithin(targetStart + to, from, from + length);
            if (length < positions) {
              target.fill(0, to + length, to + positions);
            }
          }
        }
      }
    }
    const product = runBackendKernel(
      'BatchMatMul',
      backendName,
      backend,
      { a: patches, b: chunkDy },
      { transposeA: false, transposeB: false } as never,
    );
    backend.typedArrayFromHeap(product).forEach((value, index) => (sums[index] += value));
    [patches, chunkDy, product].forEach((tensor) => backend.disposeData(tensor.dataId));
  }
  temporaries.forEach((temporary) => backend.disposeData(temporary.dataId));
  const gradient = backend.makeOutput([...filterShape], 'float32');
  backend.typedArrayFromHeap(gradient).set(sums);
  return gradient;
}

/**
 * x [batch, H, W, inChannels] zero-padded by [top, bottom, left, right] and moved channels
 * first, [inChannels, batch, H', W'], in one pass (the backend's PadV2 and Transpose made two,
 * and its 4-D transpose costs ~4 ns a value).
 */
function paddedChannelMajor(
  x: TensorInfo,
  [top, bottom, left, right]: [number, number, number, number],
  backend: HeapBackend,
): TensorInfo {
  const [batch, height, width, channels] = x.shape;
  const paddedHeight = top + height + bottom;
  const paddedWidth = left + width + right;
  const output = backend.makeOutput([channels, batch, paddedHeight, paddedWidth], 'float32');
  // Views only after allocating: growing the heap detaches older views.
  const target = backend.typedArrayFromHeap(output);
  const source = backend.typedArrayFromHeap(x);
  const positions = batch * height * width;
  const simd = simdKernels(backend);
  if (top + bottom + left + right === 0 && positions % 4 === 0 && channels % 4 === 0 && simd) {
    // Unpadded, this is the transpose of x as a [positions, channels] matrix.
    simd.transpose(source.byteOffset, target.byteOffset, positions, channels);
    return output;
  }
  if (top + bottom + left + right > 0) {
    target.fill(0);
  }
  const channelStride = batch * paddedHeight * paddedWidth;
  let from = 0;
  for (let n = 0; n < batch; n += 1) {
    for (let row = 0; row < height; row += 1) {
      let to = (n * paddedHeight + row + top) * paddedWidth + left;
      for (let column = 0; column < width; column += 1, to += 1) {
        for (let channel = 0, index = to; channel < channels; channel += 1) {
          target[index] = source[from];
          from += 1;
          index += channelStride;
        }
      }
    }
  }
  return output;
}

/**
 * Thin filter gradients (kH·kW·inChannels below both MATMUL_MIN_ROWS and outChannels, e.g. a
 * first layer on one channel), any stride: dWᵀ [outChannels, kH·kW·inChannels] = dyᵀ · P, with
 * P the patch matrix of x, [batch·outH·outW, kH·kW·inChannels], built in one pass (zeros where
 * a patch reads padding).
 * The operand XNNPACK packs is then P, smaller than dy when kH·kW·inChannels < outChannels; dy
 * needs one transpose, and so does the small product (to HWIO). Measured at 28×28×1 → 32:
 * batch 64 7.2 → 5.8 ms, batch 128 30.7 → 23.0 ms against the convolution; at 28×28×3 → 16
 * (27 patch columns, 16 output channels) the convolution stays faster, 3.3 against 5.8 ms.
 */
function thinFilterGradient(
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  info: ReturnType<typeof tf.backend_util.computeConv2DInfo>,
  backendName: string,
  backend: HeapBackend,
): TensorInfo | undefined {
  const [kernelHeight, kernelWidth, inChannels, outChannels] = filterShape;
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const rows = kernelHeight * kernelWidth * inChannels;
  const positions = batchSize * outHeight * outWidth;
  if (positions * rows > PATCH_FLOATS_LIMIT) {
    return undefined;
  }
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const patches = backend.makeOutput([1, positions, rows], 'float32');
  // Views only after allocating: growing the heap detaches older views.
  const target = backend.typedArrayFromHeap(patches);
  const source = backend.typedArrayFromHeap(x);
  let to = 0;
  for (let sample = 0; sample < batchSize; sample += 1) {
    for (let outRow = 0; outRow < outHeight; outRow += 1) {
      for (let outColumn = 0; outColumn < outWidth; outColumn += 1) {
        for (let kernelRow = 0; kernelRow < kernelHeight; kernelRow += 1) {
          const row = outRow * strideHeight + kernelRow - top;
          for (let kernelColumn = 0; kernelColumn < kernelWidth; kernelColumn += 1) {
            const column = outColumn * strideWidth + kernelColumn - left;
            if (row < 0 || row >= inHeight || column < 0 || column >= inWidth) {
              target.fill(0, to, to + inChannels);
            } else {
              const from = ((sample * inHeight + row) * inWidth + column) * inChannels;
              for (let channel = 0; channel < inChannels; channel += 1) {
                target[to + channel] = source[from + channel];
              }
            }
            to += inChannels;
          }
        }
      }
    }
  }
  const transposedDy = runBackendKernel(
    'Transpose',
    backendName,
    backend,
    { x: { ...dy, shape: [positions, outChannels] } },
    { perm: [1, 0] },
  );
  const product = runBackendKernel(
    'BatchMatMul',
    backendName,
    backend,
    { a: { ...transposedDy, shape: [1, outChannels, positions] }, b: patches },
    { transposeA: false, transposeB: false } as never,
  );
  backend.disposeData(transposedDy.dataId);
  backend.disposeData(patches.dataId);
  const gradient = runBackendKernel(
    'Transpose',
    backendName,
    backend,
    { x: { ...product, shape: [outChannels, rows] } },
    { perm: [1, 0] },
  );
  backend.disposeData(product.dataId);
  return { ...gradient, shape: [...filterShape] };
}
