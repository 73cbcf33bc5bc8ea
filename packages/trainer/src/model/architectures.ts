import * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES, type Architecture } from '@finetrack/shared';

export interface ArchitectureOptions {
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  /** Units of the softmax output layer. */
  numClasses: number;
  /** Drives every initialiser; same seed → same initial weights. */
  seed: number;
}

/** Thrown for an unknown architecture name or impossible options. */
export class ArchitectureError extends Error {
  override readonly name = 'ArchitectureError';
}

/** Name of the output layer in every architecture built here (and of heads attached by surgery). */
export const OUTPUT_LAYER_NAME = 'output';

/** Hands out a distinct, reproducible initialiser seed per layer. */
class SeedSequence {
  private next: number;
  constructor(seed: number) {
    this.next = seed >>> 0;
  }
  kernel(): ReturnType<typeof tf.initializers.glorotUniform> {
    this.next = (Math.imul(this.next, 1664525) + 1013904223) >>> 0;
    return tf.initializers.glorotUniform({ seed: this.next });
  }
}

/**
 * Builds a fresh functional model with seeded initial weights.
 * Input [batch, …inputShape] floats in [0, 1]; output [batch, numClasses] class probabilities.
 */
export function buildArchitecture(
  architecture: Architecture,
  options: ArchitectureOptions,
): tf.LayersModel {
  if (!Number.isInteger(options.numClasses) || options.numClasses < 2) {
    throw new ArchitectureError(`numClasses must be an integer ≥ 2 (got ${options.numClasses})`);
  }
  const seeds = new SeedSequence(options.seed);
  switch (architecture) {
    case 'small-cnn':
      return smallCnn(options, seeds);
    case 'vgg-mini':
      return vggMini(options, seeds);
    case 'resnet-mini':
      return resnetMini(options, seeds);
    default:
      throw new ArchitectureError(
        `Unknown architecture '${String(architecture)}': expected one of ${ARCHITECTURES.join(', ')}`,
      );
  }
}

function conv(
  seeds: SeedSequence,
  name: string,
  filters: number,
  options: {
    kernelSize?: number;
    strides?: number;
    padding?: 'same' | 'valid';
    activation?: 'relu' | 'linear';
    useBias?: boolean;
  } = {},
): tf.layers.Layer {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize: options.kernelSize ?? 3,
    strides: options.strides ?? 1,
    padding: options.padding ?? 'valid',
    activation: options.activation ?? 'relu',
    useBias: options.useBias ?? true,
    kernelInitializer: seeds.kernel(),
  });
}

function dense(
  seeds: SeedSequence,
  name: string,
  units: number,
  activation: 'relu' | 'softmax',
): tf.layers.Layer {
  return tf.layers.dense({ name, units, activation, kernelInitializer: seeds.kernel() });
}

function apply(
  layer: tf.layers.Layer,
  input: tf.SymbolicTensor | tf.SymbolicTensor[],
): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}

/** The Keras mnist transfer example: conv 32 → conv 32 → max-pool → dropout → dense 128 → dropout → dense. */
function smallCnn(options: ArchitectureOptions, seeds: SeedSequence): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape, name: 'input' });
  let x = apply(conv(seeds, 'conv1', 32), input);
  x = apply(conv(seeds, 'conv2', 32), x);
  x = apply(tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }), x);
  x = apply(tf.layers.dropout({ name: 'dropout1', rate: 0.25 }), x);
  x = apply(tf.layers.flatten({ name: 'flatten' }), x);
  x = apply(dense(seeds, 'dense1', 128, 'relu'), x);
  x = apply(tf.layers.dropout({ name: 'dropout2', rate: 0.5 }), x);
  const output = apply(dense(seeds, OUTPUT_LAYER_NAME, options.numClasses, 'softmax'), x);
  return tf.model({ inputs: input, outputs: output, name: 'small-cnn' });
}

/** Two VGG blocks (two same-padded 3×3 convs, then 2×2 max-pool), dense 64, dropout, dense. */
function vggMini(options: ArchitectureOptions, seeds: SeedSequence): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape, name: 'input' });
  let x = input;
  for (const [block, filters] of [
    [1, 16],
    [2, 32],
  ] as const) {
    x = apply(conv(seeds, `block${block}_conv1`, filters, { padding: 'same' }), x);
    x = apply(conv(seeds, `block${block}_conv2`, filters, { padding: 'same' }), x);
    x = apply(tf.layers.maxPooling2d({ name: `block${block}_pool`, poolSize: 2 }), x);
  }
  x = apply(tf.layers.flatten({ name: 'flatten' }), x);
  x = apply(dense(seeds, 'fc1', 64, 'relu'), x);
  x = apply(tf.layers.dropout({ name: 'fc1_dropout', rate: 0.5 }), x);
  const output = apply(dense(seeds, OUTPUT_LAYER_NAME, options.numClasses, 'softmax'), x);
  return tf.model({ inputs: input, outputs: output, name: 'vgg-mini' });
}

function batchNorm(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ name, axis: -1 });
}

/** Stem conv, two residual blocks (the second downsamples with a 1×1 projection), global pool, dense. */
function resnetMini(options: ArchitectureOptions, seeds: SeedSequence): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape, name: 'input' });
  let x = apply(
    conv(seeds, 'stem_conv', 16, { padding: 'same', activation: 'linear', useBias: false }),
    input,
  );
  x = apply(batchNorm('stem_bn'), x);
  x = apply(tf.layers.reLU({ name: 'stem_relu' }), x);
  for (const [block, filters, strides] of [
    [1, 16, 1],
    [2, 32, 2],
  ] as const) {
    const prefix = `block${block}`;
    let shortcut = x;
    let y = apply(
      conv(seeds, `${prefix}_conv1`, filters, {
        padding: 'same',
        strides,
        activation: 'linear',
        useBias: false,
      }),
      x,
    );
    y = apply(batchNorm(`${prefix}_bn1`), y);
    y = apply(tf.layers.reLU({ name: `${prefix}_relu1` }), y);
    y = apply(
      conv(seeds, `${prefix}_conv2`, filters, {
        padding: 'same',
        activation: 'linear',
        useBias: false,
      }),
      y,
    );
    y = apply(batchNorm(`${prefix}_bn2`), y);
    if (strides !== 1) {
      shortcut = apply(
        conv(seeds, `${prefix}_shortcut`, filters, {
          kernelSize: 1,
          strides,
          activation: 'linear',
          useBias: false,
        }),
        x,
      );
    }
    x = apply(tf.layers.add({ name: `${prefix}_add` }), [y, shortcut]);
    x = apply(tf.layers.reLU({ name: `${prefix}_relu2` }), x);
  }
  x = apply(tf.layers.globalAveragePooling2d({ name: 'global_pool' }), x);
  const output = apply(dense(seeds, OUTPUT_LAYER_NAME, options.numClasses, 'softmax'), x);
  return tf.model({ inputs: input, outputs: output, name: 'resnet-mini' });
}
