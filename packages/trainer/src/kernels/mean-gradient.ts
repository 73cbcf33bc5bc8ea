import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { heapOutputs } from './heap-buffers.js';
import type { KernelArguments } from './kernel-composition.js';

/**
 * The gradient of a mean over every axis but the last (batch-norm moments in training mode:
 * both the mean and the variance are such means) on wasm: dy / count repeated over the rows,
 * written as one row and then doubled with memmoves. tfjs's gradient materialises ones of x's
 * shape, multiplies and divides: three full-size kernels per mean (full MobileNetV2
 * fine-tuning: ~2,000 RealDiv and Multiply calls a step between them).
 */
export const MEAN_GRADIENT = 'FinetrackMeanGradient';

/** FinetrackMeanGradient: input dy (C values); attrs shape (x's, channels last), count. */
export function meanGradientKernel(args: KernelArguments): TensorInfo {
  const { dy } = args.inputs as { dy: TensorInfo };
  const { shape, count } = args.attrs as unknown as { shape: number[]; count: number };
  const { outputs, outs, views } = heapOutputs(args.backend, [shape], [dy], false);
  const [upstream] = views;
  const dx = outs[0];
  const channels = upstream.length;
  for (let c = 0; c < channels; c += 1) {
    dx[c] = upstream[c] / count;
  }
  // Double the filled prefix until it covers dx: log2(rows) memmoves.
  const heap = new Float32Array(dx.buffer);
  const start = dx.byteOffset / 4;
  for (let filled = channels; filled < dx.length; filled *= 2) {
    heap.copyWithin(start + filled, start, start + Math.min(filled, dx.length - filled));
  }
  return outputs[0];
}

/** Mean's gradient through MEAN_GRADIENT on wasm for leading-axes means; `original`'s else. */
export function meanGradient(original: GradConfig): GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const single = dy as tf.Tensor;
      const rank = x.shape.length;
      const axes = tf.util
        .parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape)
        .sort((first, second) => first - second);
      const leading =
        rank >= 2 && axes.length === rank - 1 && axes.every((value, index) => value === index);
      if (tf.getBackend() !== 'wasm' || !leading || single.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      const channels = x.shape[rank - 1];
      return {
        x: () =>
          tf.engine().runKernel(MEAN_GRADIENT, { dy: single }, {
            shape: x.shape,
            count: x.size / channels,
          } as unknown as NamedAttrMap) as tf.Tensor,
      };
    },
  };
}
