import * as tf from '@tensorflow/tfjs';

/** One inverted-residual block of MobileNetV2: expansion factor t, output channels c, stride s. */
interface BlockSpec {
  expansion: number;
  channels: number;
  stride: 1 | 2;
}

/** The (t, c, n, s) table of the MobileNetV2 paper, expanded to one entry per block. */
function blockSpecs(): BlockSpec[] {
  const table: [number, number, number, 1 | 2][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  return table.flatMap(([expansion, channels, repeats, stride]) =>
    Array.from({ length: repeats }, (_, index) => ({
      expansion,
      channels,
      stride: index === 0 ? stride : 1,
    })),
  );
}

function batchNormRelu6(x: tf.SymbolicTensor, name: string, relu: boolean): tf.SymbolicTensor {
  const normalised = tf.layers
    .batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name: `${name}_BN` })
    .apply(x) as tf.SymbolicTensor;
  return relu
    ? (tf.layers.reLU({ maxValue: 6, name: `${name}_relu` }).apply(normalised) as tf.SymbolicTensor)
    : normalised;
}

/**
 * MobileNetV2 (α = 1.0) built from the layer classes Keras' `applications.MobileNetV2` uses and
 * named as it names them (`Conv1`, `block_13_expand`, `block_13_depthwise`, `Conv_1`, …), so the
 * layer names a user sees on a converted Keras model work here too. Weights are random: the
 * benchmark and the kernel tests only need the architecture. `inputSize` below 224 gives the
 * same graph on smaller images (tests).
 */
export function buildMobileNetV2(options: {
  inputSize: number;
  classes: number;
  /** Blocks to build (all 16 by default); fewer gives a small MobileNetV2-like network. */
  blocks?: number;
}): tf.LayersModel {
  const input = tf.input({ shape: [options.inputSize, options.inputSize, 3], name: 'input_1' });
  let x = tf.layers
    .conv2d({
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      name: 'Conv1',
    })
    .apply(input) as tf.SymbolicTensor;
  x = batchNormRelu6(x, 'bn_Conv1', true);
  let channels = 32;
  const specs = blockSpecs().slice(0, options.blocks ?? 16);
  specs.forEach((spec, index) => {
    const prefix = index === 0 ? 'expanded_conv' : `block_${index}`;
    const blockInput = x;
    let y = x;
    if (spec.expansion !== 1) {
      y = tf.layers
        .conv2d({
          filters: channels * spec.expansion,
          kernelSize: 1,
          padding: 'same',
          useBias: false,
          name: `${prefix}_expand`,
        })
        .apply(y) as tf.SymbolicTensor;
      y = batchNormRelu6(y, `${prefix}_expand`, true);
    }
    if (spec.stride === 2) {
      // Keras pads explicitly ("correct_pad") and then convolves without padding.
      y = tf.layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
          name: `${prefix}_pad`,
        })
        .apply(y) as tf.SymbolicTensor;
    }
    y = tf.layers
      .depthwiseConv2d({
        kernelSize: 3,
        strides: spec.stride,
        padding: spec.stride === 2 ? 'valid' : 'same',
        useBias: false,
        name: `${prefix}_depthwise`,
      })
      .apply(y) as tf.SymbolicTensor;
    y = batchNormRelu6(y, `${prefix}_depthwise`, true);
    y = tf.layers
      .conv2d({
        filters: spec.channels,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        name: `${prefix}_project`,
      })
      .apply(y) as tf.SymbolicTensor;
    y = batchNormRelu6(y, `${prefix}_project`, false);
    if (spec.stride === 1 && channels === spec.channels) {
      y = tf.layers.add({ name: `${prefix}_add` }).apply([blockInput, y]) as tf.SymbolicTensor;
    }
    channels = spec.channels;
    x = y;
  });
  const lastChannels = options.blocks === undefined || options.blocks >= 16 ? 1280 : channels * 4;
  x = tf.layers
    .conv2d({ filters: lastChannels, kernelSize: 1, useBias: false, name: 'Conv_1' })
    .apply(x) as tf.SymbolicTensor;
  x = batchNormRelu6(x, 'Conv_1', true);
  x = tf.layers
    .globalAveragePooling2d({ name: 'global_average_pooling2d' })
    .apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: options.classes, activation: 'softmax', name: 'predictions' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'mobilenetv2_1.00' });
}
