import * as tf from '@tensorflow/tfjs';
import {
  checkLayersManifest,
  describeLayersTopology,
  KNOWN_LAYER_CLASSES,
  ModelImportError,
} from '@finetrack/shared';
import { describe, expect, it } from 'vitest';
import { describeModel } from '../model/surgery.js';
import { finetune } from './index.js';
import { makeSyntheticDataset } from './synthetic-dataset.js';

// The Keras applications people fine-tune, each as a miniature built from exactly the layer
// classes (and the layer arrangement) that tensorflowjs_converter writes for it: every one is
// read by the import check, loaded by tfjs from its model.json, cut, given a new head, frozen,
// trained on the wasm backend, saved and reloaded. The ones tfjs-layers cannot load are refused
// with the exact reason.

const INPUT: [number, number, number] = [16, 16, 3];
const data = makeSyntheticDataset({
  trainCount: 24,
  validationCount: 8,
  classes: 3,
  inputShape: INPUT,
  seed: 5,
});

type Tensor = tf.SymbolicTensor;
const L = tf.layers;
const apply = (layer: tf.layers.Layer, x: Tensor | Tensor[]) => layer.apply(x) as Tensor;
const bn = (name: string, x: Tensor) => apply(L.batchNormalization({ name }), x);
const relu6 = (name: string, x: Tensor) => apply(L.reLU({ maxValue: 6, name }), x);
const act = (name: string, activation: string, x: Tensor) =>
  apply(L.activation({ activation: activation as 'relu', name }), x);
const conv = (name: string, filters: number, kernelSize: number, x: Tensor, more = {}) =>
  apply(L.conv2d({ name, filters, kernelSize, padding: 'same', ...more }), x);

/**
 * A squeeze-excite gate as Keras writes it: global pool, reshape to 1×1, a reducing and an
 * expanding 1×1 conv, and a Multiply with the block's activations. `names` are the five layers'.
 */
function squeezeExcite(
  x: Tensor,
  channels: number,
  reduced: number,
  activations: [string, string],
  names: [string, string, string, string, string],
): Tensor {
  let s = apply(L.globalAveragePooling2d({ name: names[0] }), x);
  s = apply(L.reshape({ name: names[1], targetShape: [1, 1, channels] }), s);
  s = conv(names[2], reduced, 1, s, { activation: activations[0] });
  s = conv(names[3], channels, 1, s, { activation: activations[1] });
  return apply(L.multiply({ name: names[4] }), [x, s]);
}

/** Keras MobileNet (v1): ZeroPadding before strided depthwise convs, a 1×1 conv classifier. */
function mobileNetV1(input: Tensor): Tensor {
  let x = conv('conv1', 8, 3, input, { strides: 2, useBias: false });
  x = relu6('conv1_relu', bn('conv1_bn', x));
  x = apply(
    L.depthwiseConv2d({ name: 'conv_dw_1', kernelSize: 3, padding: 'same', useBias: false }),
    x,
  );
  x = relu6('conv_dw_1_relu', bn('conv_dw_1_bn', x));
  x = relu6('conv_pw_1_relu', bn('conv_pw_1_bn', conv('conv_pw_1', 12, 1, x, { useBias: false })));
  x = apply(
    L.zeroPadding2d({
      name: 'conv_pad_2',
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    x,
  );
  x = apply(L.depthwiseConv2d({ name: 'conv_dw_2', kernelSize: 3, strides: 2, useBias: false }), x);
  x = relu6('conv_dw_2_relu', bn('conv_dw_2_bn', x));
  x = relu6('conv_pw_2_relu', bn('conv_pw_2_bn', conv('conv_pw_2', 16, 1, x, { useBias: false })));
  x = apply(L.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  x = apply(L.reshape({ name: 'reshape_1', targetShape: [1, 1, 16] }), x);
  x = apply(L.dropout({ name: 'dropout', rate: 0.001 }), x);
  x = conv('conv_preds', 5, 1, x);
  x = apply(L.reshape({ name: 'reshape_2', targetShape: [5] }), x);
  return act('predictions', 'softmax', x);
}

/** Keras MobileNetV2: inverted residual blocks with a residual Add. */
function mobileNetV2(input: Tensor): Tensor {
  let x = apply(
    L.zeroPadding2d({
      name: 'Conv1_pad',
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    input,
  );
  x = relu6(
    'Conv1_relu',
    bn('bn_Conv1', conv('Conv1', 8, 3, x, { strides: 2, padding: 'valid', useBias: false })),
  );
  const block = (id: number, x: Tensor) => {
    let y = relu6(
      `block_${id}_expand_relu`,
      bn(`block_${id}_expand_BN`, conv(`block_${id}_expand`, 24, 1, x, { useBias: false })),
    );
    y = apply(
      L.depthwiseConv2d({
        name: `block_${id}_depthwise`,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
      }),
      y,
    );
    y = relu6(`block_${id}_depthwise_relu`, bn(`block_${id}_depthwise_BN`, y));
    y = bn(`block_${id}_project_BN`, conv(`block_${id}_project`, 8, 1, y, { useBias: false }));
    return apply(L.add({ name: `block_${id}_add` }), [x, y]);
  };
  x = block(2, block(1, x));
  x = relu6('out_relu', bn('Conv_1_bn', conv('Conv_1', 16, 1, x, { useBias: false })));
  x = apply(L.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

/** MobileNetV3-style block where tfjs has the pieces: squeeze-excite with a Multiply. */
function mobileNetV3Block(input: Tensor): Tensor {
  let x = act(
    'stem_activation',
    'relu',
    bn('stem_bn', conv('stem_conv', 8, 3, input, { strides: 2, useBias: false })),
  );
  let y = apply(
    L.depthwiseConv2d({
      name: 'expanded_conv_depthwise',
      kernelSize: 3,
      padding: 'same',
      useBias: false,
    }),
    x,
  );
  y = act('expanded_conv_relu', 'relu', bn('expanded_conv_depthwise_bn', y));
  y = squeezeExcite(
    y,
    8,
    4,
    ['relu', 'hardSigmoid'],
    [
      'expanded_conv_squeeze_excite_avg_pool',
      'expanded_conv_squeeze_excite_reshape',
      'expanded_conv_squeeze_excite_conv',
      'expanded_conv_squeeze_excite_conv_1',
      'expanded_conv_squeeze_excite_mul',
    ],
  );
  y = bn('expanded_conv_project_bn', conv('expanded_conv_project', 8, 1, y, { useBias: false }));
  x = apply(L.add({ name: 'expanded_conv_add' }), [x, y]);
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

/** Keras ResNet50 (v1): a 7×7 stem, max pooling, bottleneck blocks with a projection shortcut. */
function resNet50(input: Tensor): Tensor {
  let x = apply(L.zeroPadding2d({ name: 'conv1_pad', padding: 3 }), input);
  x = act(
    'conv1_relu',
    'relu',
    bn('conv1_bn', conv('conv1_conv', 8, 7, x, { strides: 2, padding: 'valid' })),
  );
  x = apply(L.zeroPadding2d({ name: 'pool1_pad', padding: 1 }), x);
  x = apply(L.maxPooling2d({ name: 'pool1_pool', poolSize: 3, strides: 2 }), x);
  const shortcut = bn('conv2_block1_0_bn', conv('conv2_block1_0_conv', 16, 1, x));
  let y = act(
    'conv2_block1_1_relu',
    'relu',
    bn('conv2_block1_1_bn', conv('conv2_block1_1_conv', 4, 1, x)),
  );
  y = act(
    'conv2_block1_2_relu',
    'relu',
    bn('conv2_block1_2_bn', conv('conv2_block1_2_conv', 4, 3, y)),
  );
  y = bn('conv2_block1_3_bn', conv('conv2_block1_3_conv', 16, 1, y));
  x = act('conv2_block1_out', 'relu', apply(L.add({ name: 'conv2_block1_add' }), [shortcut, y]));
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

/** Keras ResNet50V2: pre-activation blocks, a 1×1 max pool on the strided shortcut. */
function resNet50V2(input: Tensor): Tensor {
  let x = apply(L.zeroPadding2d({ name: 'conv1_pad', padding: 3 }), input);
  x = conv('conv1_conv', 8, 7, x, { strides: 2, padding: 'valid' });
  x = apply(L.zeroPadding2d({ name: 'pool1_pad', padding: 1 }), x);
  x = apply(L.maxPooling2d({ name: 'pool1_pool', poolSize: 3, strides: 2 }), x);
  const pre = act('conv2_block1_preact_relu', 'relu', bn('conv2_block1_preact_bn', x));
  const shortcut = apply(
    L.maxPooling2d({ name: 'conv2_block1_0_pool', poolSize: 1, strides: 2 }),
    x,
  );
  let y = act(
    'conv2_block1_1_relu',
    'relu',
    bn('conv2_block1_1_bn', conv('conv2_block1_1_conv', 4, 1, pre, { useBias: false })),
  );
  y = apply(L.zeroPadding2d({ name: 'conv2_block1_2_pad', padding: 1 }), y);
  y = conv('conv2_block1_2_conv', 4, 3, y, { strides: 2, padding: 'valid', useBias: false });
  y = act('conv2_block1_2_relu', 'relu', bn('conv2_block1_2_bn', y));
  y = conv('conv2_block1_3_conv', 8, 1, y);
  x = apply(L.add({ name: 'conv2_block1_out' }), [shortcut, y]);
  x = act('post_relu', 'relu', bn('post_bn', x));
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

/** Keras VGG16: conv blocks, max pooling, Flatten and two fully connected layers. */
function vgg16(input: Tensor): Tensor {
  let x = conv('block1_conv1', 8, 3, input, { activation: 'relu' });
  x = conv('block1_conv2', 8, 3, x, { activation: 'relu' });
  x = apply(L.maxPooling2d({ name: 'block1_pool', poolSize: 2, strides: 2 }), x);
  x = conv('block2_conv1', 12, 3, x, { activation: 'relu' });
  x = apply(L.maxPooling2d({ name: 'block2_pool', poolSize: 2, strides: 2 }), x);
  x = apply(L.flatten({ name: 'flatten' }), x);
  x = apply(L.dense({ name: 'fc1', units: 32, activation: 'relu' }), x);
  x = apply(L.dense({ name: 'fc2', units: 32, activation: 'relu' }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

/** Keras DenseNet121: dense blocks that Concatenate, a transition with average pooling. */
function denseNet121(input: Tensor): Tensor {
  let x = apply(L.zeroPadding2d({ name: 'zero_padding2d', padding: 3 }), input);
  x = act(
    'conv1_relu',
    'relu',
    bn('conv1_bn', conv('conv1_conv', 8, 7, x, { strides: 2, padding: 'valid', useBias: false })),
  );
  x = apply(L.zeroPadding2d({ name: 'zero_padding2d_1', padding: 1 }), x);
  x = apply(L.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2 }), x);
  for (const id of [1, 2]) {
    let y = act(`conv2_block${id}_0_relu`, 'relu', bn(`conv2_block${id}_0_bn`, x));
    y = conv(`conv2_block${id}_1_conv`, 8, 1, y, { useBias: false });
    y = act(`conv2_block${id}_1_relu`, 'relu', bn(`conv2_block${id}_1_bn`, y));
    y = conv(`conv2_block${id}_2_conv`, 4, 3, y, { useBias: false });
    x = apply(L.concatenate({ name: `conv2_block${id}_concat` }), [x, y]);
  }
  x = act('pool2_relu', 'relu', bn('pool2_bn', x));
  x = conv('pool2_conv', 8, 1, x, { useBias: false });
  x = apply(L.averagePooling2d({ name: 'pool2_pool', poolSize: 2, strides: 2 }), x);
  x = act('relu', 'relu', bn('bn', x));
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

/** Keras EfficientNetB0's blocks (past its stem): swish, squeeze-excite, drop-connect dropout. */
function efficientNetB0Blocks(input: Tensor): Tensor {
  let x = act(
    'stem_activation',
    'swish',
    bn('stem_bn', conv('stem_conv', 8, 3, input, { strides: 2, useBias: false })),
  );
  let y = apply(
    L.depthwiseConv2d({ name: 'block1a_dwconv', kernelSize: 3, padding: 'same', useBias: false }),
    x,
  );
  y = act('block1a_activation', 'swish', bn('block1a_bn', y));
  y = squeezeExcite(
    y,
    8,
    2,
    ['swish', 'sigmoid'],
    [
      'block1a_se_squeeze',
      'block1a_se_reshape',
      'block1a_se_reduce',
      'block1a_se_expand',
      'block1a_se_excite',
    ],
  );
  y = bn('block1a_project_bn', conv('block1a_project_conv', 8, 1, y, { useBias: false }));
  y = apply(
    L.dropout({ name: 'block1a_drop', rate: 0.001, noiseShape: [null, 1, 1, 1] as never }),
    y,
  );
  x = apply(L.add({ name: 'block1a_add' }), [x, y]);
  x = act('top_activation', 'swish', bn('top_bn', conv('top_conv', 16, 1, x, { useBias: false })));
  x = apply(L.globalAveragePooling2d({ name: 'avg_pool' }), x);
  x = apply(L.dropout({ name: 'top_dropout', rate: 0.2 }), x);
  return apply(L.dense({ name: 'predictions', units: 5, activation: 'softmax' }), x);
}

const FAMILIES: { name: string; build: (input: Tensor) => Tensor; cutLayer?: string }[] = [
  // Its classifier is a 1×1 conv between two reshapes: cut at the global pool by name.
  { name: 'MobileNet (v1)', build: mobileNetV1, cutLayer: 'global_average_pooling2d' },
  { name: 'MobileNetV2', build: mobileNetV2 },
  { name: 'MobileNetV3-style block', build: mobileNetV3Block },
  { name: 'ResNet50 (v1)', build: resNet50 },
  { name: 'ResNet50V2', build: resNet50V2 },
  { name: 'VGG16', build: vgg16 },
  { name: 'DenseNet121', build: denseNet121 },
  { name: 'EfficientNetB0 blocks', build: efficientNetB0Blocks },
];

async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved!: tf.io.ModelArtifacts;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved;
}

/**
 * model.json as the converter writes it (one shard), through the import's manifest check: the
 * json and the manifest's weights, as the import hands them to describeLayersTopology.
 */
function checkedImport(artifacts: tf.io.ModelArtifacts) {
  const modelJson: Record<string, unknown> = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
  };
  const bytes = (artifacts.weightData as ArrayBuffer).byteLength;
  const { weights } = checkLayersManifest(modelJson, new Map([['group1-shard1of1.bin', bytes]]));
  return { modelJson, weights };
}

describe('the Keras applications, as converter outputs (wasm)', () => {
  it.each(FAMILIES)(
    '$name: imports, cuts, freezes, trains, saves and reloads',
    async ({ build, cutLayer }) => {
      const input = tf.input({ shape: INPUT, name: 'input_1' });
      const source = tf.model({ inputs: input, outputs: build(input) });
      const artifacts = await artifactsOf(source);
      const { modelJson, weights } = checkedImport(artifacts);
      const description = describeLayersTopology(modelJson, weights);
      expect(description.totalParams).toBe(source.countParams());
      expect(description.inputShape).toEqual(INPUT);

      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const weightBearing = describeModel(loaded).filter((row) => row.weightBearing);
      const frozenLayers = Math.floor(weightBearing.length / 2);
      const frozen = weightBearing.slice(0, frozenLayers).map((row) => row.name);
      const before = frozen.map((name) =>
        loaded
          .getLayer(name)
          .getWeights()
          .map((w) => w.dataSync()),
      );
      const result = await finetune({
        source: loaded,
        dataset: data,
        cutLayer,
        frozenLayers,
        initialization: 'pretrained',
        epochs: 1,
        batchSize: 8,
        learningRate: 1e-3,
        optimizer: 'adam',
        seed: 1,
        backend: 'wasm',
      });
      expect(result.summary.frozenLayerNames).toEqual(frozen);
      expect(result.history.every((record) => Number.isFinite(record.loss))).toBe(true);
      frozen.forEach((name, index) =>
        expect(
          result.model
            .getLayer(name)
            .getWeights()
            .map((w) => w.dataSync()),
        ).toEqual(before[index]),
      );
      // A new head for the 3 target classes, and the model reloads to the same predictions.
      expect(result.model.outputs[0].shape).toEqual([null, 3]);
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(result.model)));
      const probe = tf.tensor4d(data.train.images.slice(0, 2 * INPUT[0] * INPUT[1] * INPUT[2]), [
        2,
        ...INPUT,
      ]);
      const [a, b] = [result.model, reloaded].map((model) =>
        (model.predict(probe) as tf.Tensor).dataSync(),
      );
      expect(Array.from(b)).toEqual(Array.from(a));
      probe.dispose();
      for (const model of [source, loaded, reloaded, result.model]) model.dispose();
    },
  );

  // tfjs-layers 4.22 has no Normalization layer, which Keras EfficientNet (B0–B7) puts in its
  // stem, and no TFOpLambda, which Keras writes for the `x + 3` of MobileNetV3's hard-swish.
  it.each([
    {
      layer: 'Normalization',
      family: 'EfficientNetB0 stem',
      config: { axis: -1, mean: null, variance: null },
    },
    {
      layer: 'TFOpLambda',
      family: 'MobileNetV3 hard-swish',
      config: { function: '__operators__.add' },
    },
  ])(
    '$family: a $layer layer is refused with the reason, by the import and by tfjs',
    async ({ layer, config }) => {
      const input = tf.input({ shape: INPUT, name: 'input_1' });
      const source = tf.model({ inputs: input, outputs: vgg16(input) });
      const artifacts = await artifactsOf(source);
      const topology = structuredClone(artifacts.modelTopology) as {
        config: { layers: { class_name: string; config: Record<string, unknown> }[] };
      };
      const target = topology.config.layers[1];
      target.class_name = layer;
      target.config = { ...config, name: target.config.name, trainable: true };
      const { modelJson, weights } = checkedImport({ ...artifacts, modelTopology: topology });
      expect(() => describeLayersTopology(modelJson, weights)).toThrow(ModelImportError);
      expect(() => describeLayersTopology(modelJson, weights)).toThrow(
        `layer block1_conv1 is a ${layer}, a layer class Finetrack cannot fine-tune`,
      );
      await expect(
        tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology })),
      ).rejects.toThrow(`Unknown layer: ${layer}`);
    },
  );

  it('knows only layer classes that tfjs-layers can deserialize', () => {
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(KNOWN_LAYER_CLASSES.filter((name) => !(name in registered))).toEqual([]);
  });
});
