import * as tf from '@tensorflow/tfjs';
import { buildMobileNetV2 } from '../../src/bench/mobilenet-v2.js';
import { SeededRandom } from '../../src/random/seeded-random.js';

/** 32×32 RGB: Conv1 and blocks 1 and 3 each halve it (16, 8, 4). */
export const MOBILENET_LIKE_INPUT: [number, number, number] = [32, 32, 3];

/**
 * The first four blocks of Keras' MobileNetV2, named as Keras names them: Conv1 (stride 2),
 * batch norm, ReLU6, `expanded_conv`, `block_1` (zero padding, strided depthwise), `block_2`
 * (stride-1 depthwise and the residual `block_2_add`), `block_3`, `Conv_1`, global average
 * pooling and a Dense softmax. Every weight is set from one seed, batch-norm moving statistics
 * well away from their 0/1 defaults, so a layer run in training mode would visibly move them.
 */
export function makeMobileNetLike(seed: number, classes = 5): tf.LayersModel {
  const model = buildMobileNetV2({ inputSize: MOBILENET_LIKE_INPUT[0], classes, blocks: 4 });
  const random = new SeededRandom(seed);
  const uniform = (low: number, high: number) => low + (high - low) * random.nextFloat();
  for (const weight of model.weights) {
    const shape = weight.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const role = weight.originalName.split('/').pop();
    // He-uniform-like bounds from the fan-in, so activations keep their scale through the blocks.
    const fanIn =
      role === 'depthwise_kernel' ? shape[0] * shape[1] : size / (shape[shape.length - 1] ?? 1);
    const limit = Math.sqrt(6 / Math.max(1, fanIn));
    const [low, high] =
      role === 'gamma'
        ? [0.7, 1.3]
        : role === 'beta' || role === 'bias'
          ? [-0.2, 0.2]
          : role === 'moving_mean'
            ? [-0.3, 0.3]
            : role === 'moving_variance'
              ? [0.5, 1.8]
              : [-limit, limit];
    const values = Float32Array.from({ length: size }, () => uniform(low, high));
    const tensor = tf.tensor(values, shape);
    weight.write(tensor);
    tensor.dispose();
  }
  return model;
}

/** Every weight's values by its name (`block_2_depthwise_BN/moving_mean`, …). */
export function weightsByName(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(
    model.weights.map((weight) => [weight.originalName, weight.read().dataSync() as Float32Array]),
  );
}

/** Whether two weights hold the same bits (faster than a deep equality over millions of values). */
export function sameBits(
  actual: Float32Array | undefined,
  expected: Float32Array | undefined,
): boolean {
  if (actual === undefined || expected === undefined) return false;
  const bytes = (values: Float32Array) =>
    Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return bytes(actual).equals(bytes(expected));
}
