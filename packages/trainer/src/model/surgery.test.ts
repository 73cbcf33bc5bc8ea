import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { buildArchitecture } from './architectures.js';
import { describeModel, performSurgery, SurgeryError, SurgeryErrorCode } from './surgery.js';

function weightsOf(model: tf.LayersModel, layerName: string): Float32Array[] {
  return model
    .getLayer(layerName)
    .getWeights()
    .map((tensor) => tensor.dataSync() as Float32Array);
}

describe('performSurgery', () => {
  let smallCnn: tf.LayersModel;
  let resnetMini: tf.LayersModel;

  beforeAll(async () => {
    await selectBackend('wasm');
    smallCnn = buildArchitecture('small-cnn', { inputShape: [12, 12, 1], numClasses: 5, seed: 1 });
    resnetMini = buildArchitecture('resnet-mini', {
      inputShape: [8, 8, 1],
      numClasses: 5,
      seed: 1,
    });
  });

  it('cuts small-cnn below the output, attaches a head with one unit per class, freezes by count', () => {
    const sut = performSurgery(smallCnn, {
      numClasses: 3,
      frozenLayers: 2,
      seed: 7,
      initialization: 'pretrained',
    });
    expect(sut.record.cutLayer).toBe('dropout2');
    expect(sut.record.headUnits).toBe(3);
    expect(sut.model.outputs[0].shape).toEqual([null, 3]);
    expect(sut.weightBearingLayerNames).toEqual(['conv1', 'conv2', 'dense1']);
    expect(sut.frozenLayerNames).toEqual(['conv1', 'conv2']);
    expect(sut.trainableLayerNames).toEqual(['dense1', 'output']);
    // conv1 3·3·1·32+32, conv2 3·3·32·32+32; dense1 (4·4·32)·128+128, head 128·3+3.
    expect(sut.nonTrainableParams).toBe(320 + 9248);
    expect(sut.trainableParams).toBe(65664 + 387);
    expect(sut.model.predict(tf.zeros([2, 12, 12, 1])) as tf.Tensor).toHaveProperty(
      'shape',
      [2, 3],
    );
  });

  it('copies pretrained weights and leaves the source untouched and unshared', () => {
    const sut = performSurgery(smallCnn, {
      numClasses: 3,
      frozenLayers: 0,
      seed: 7,
      initialization: 'pretrained',
    });
    expect(weightsOf(sut.model, 'conv2')).toEqual(weightsOf(smallCnn, 'conv2'));
    const sourceVariables = new Set(smallCnn.weights.map((weight) => weight.read().id));
    expect(sut.model.weights.some((weight) => sourceVariables.has(weight.read().id))).toBe(false);
    expect(smallCnn.getLayer('output').getWeights()[0].shape).toEqual([128, 5]);
  });

  it('scratch initialisation differs from the pretrained weights and is seeded', () => {
    const options = { numClasses: 3, frozenLayers: 0, seed: 7, initialization: 'scratch' } as const;
    const scratch = performSurgery(smallCnn, options);
    const again = performSurgery(smallCnn, options);
    expect(weightsOf(scratch.model, 'conv1')[0]).not.toEqual(weightsOf(smallCnn, 'conv1')[0]);
    expect(weightsOf(scratch.model, 'dense1')[0]).toEqual(weightsOf(again.model, 'dense1')[0]);
    expect(weightsOf(scratch.model, 'output')[0]).toEqual(weightsOf(again.model, 'output')[0]);
  });

  it('K = 0 trains everything; K = all trains only the head', () => {
    const none = performSurgery(smallCnn, {
      numClasses: 4,
      frozenLayers: 0,
      seed: 1,
      initialization: 'pretrained',
    });
    expect(none.frozenLayerNames).toEqual([]);
    expect(none.nonTrainableParams).toBe(0);
    const all = performSurgery(smallCnn, {
      numClasses: 4,
      frozenLayers: 3,
      seed: 1,
      initialization: 'pretrained',
    });
    expect(all.trainableLayerNames).toEqual(['output']);
    expect(all.trainableParams).toBe(128 * 4 + 4);
  });

  it('cuts at a named layer and flattens before the head', () => {
    const sut = performSurgery(smallCnn, {
      numClasses: 2,
      frozenLayers: 1,
      seed: 1,
      initialization: 'pretrained',
      cutLayer: 'pool',
    });
    expect(sut.record.cutLayer).toBe('pool');
    expect(sut.weightBearingLayerNames).toEqual(['conv1', 'conv2']);
    expect(sut.model.layers.map((layer) => layer.name)).toContain('head_flatten');
    expect(sut.trainableParams).toBe(9248 + (4 * 4 * 32 * 2 + 2));
  });

  it('works on the non-sequential resnet-mini (residual adds, projection shortcut, batch norm)', () => {
    const sut = performSurgery(resnetMini, {
      numClasses: 4,
      frozenLayers: 4,
      seed: 3,
      initialization: 'pretrained',
    });
    expect(sut.record.cutLayer).toBe('global_pool');
    expect(sut.weightBearingLayerNames).toHaveLength(11);
    expect(sut.frozenLayerNames).toEqual(sut.weightBearingLayerNames.slice(0, 4));
    expect(sut.frozenLayerNames[0]).toBe('stem_conv');
    expect(sut.model.outputs[0].shape).toEqual([null, 4]);
    const layerNames = sut.model.layers.map((layer) => layer.name);
    expect(layerNames).toEqual(
      expect.arrayContaining(['block1_add', 'block2_add', 'block2_shortcut']),
    );
    const input = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 5);
    // Same weights and graph up to the cut: features agree with the source's.
    const features = (model: tf.LayersModel) =>
      tf.model({
        inputs: model.inputs,
        outputs: model.getLayer('global_pool').output as tf.SymbolicTensor,
      });
    const expected = features(resnetMini).predict(input) as tf.Tensor;
    const actual = features(sut.model).predict(input) as tf.Tensor;
    expect(actual.arraySync()).toEqual(expected.arraySync());
  });

  it('accepts a Sequential source (as converters often produce)', () => {
    const sequential = tf.sequential({
      layers: [
        tf.layers.conv2d({
          name: 'c1',
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
        }),
        tf.layers.flatten({ name: 'f' }),
        tf.layers.dense({ name: 'd1', units: 6, activation: 'relu' }),
        tf.layers.dense({ name: 'logits', units: 5, activation: 'softmax' }),
      ],
    });
    const sut = performSurgery(sequential, {
      numClasses: 2,
      frozenLayers: 1,
      seed: 1,
      initialization: 'pretrained',
    });
    expect(sut.record.cutLayer).toBe('d1');
    expect(sut.frozenLayerNames).toEqual(['c1']);
    expect(sut.trainableLayerNames).toEqual(['d1', 'output']);
    expect(weightsOf(sut.model, 'd1')).toEqual(weightsOf(sequential, 'd1'));
    expect(describeModel(sequential).map((layer) => layer.weightIndex)).toEqual([
      null,
      0,
      null,
      1,
      2,
    ]);
  });

  const badRequests: {
    label: string;
    model: () => tf.LayersModel;
    frozenLayers: number;
    cutLayer?: string;
    numClasses?: number;
    code: SurgeryErrorCode;
  }[] = [
    {
      label: 'negative K',
      model: () => smallCnn,
      frozenLayers: -1,
      code: SurgeryErrorCode.FrozenLayersOutOfRange,
    },
    {
      label: 'K above all',
      model: () => smallCnn,
      frozenLayers: 4,
      code: SurgeryErrorCode.FrozenLayersOutOfRange,
    },
    {
      label: 'fractional K',
      model: () => smallCnn,
      frozenLayers: 1.5,
      code: SurgeryErrorCode.FrozenLayersOutOfRange,
    },
    {
      label: 'K above all (resnet)',
      model: () => resnetMini,
      frozenLayers: 12,
      code: SurgeryErrorCode.FrozenLayersOutOfRange,
    },
    {
      label: 'K beyond a named cut',
      model: () => smallCnn,
      frozenLayers: 3,
      cutLayer: 'pool',
      code: SurgeryErrorCode.FrozenLayersOutOfRange,
    },
    {
      label: 'unknown layer',
      model: () => smallCnn,
      frozenLayers: 0,
      cutLayer: 'conv9',
      code: SurgeryErrorCode.UnknownLayer,
    },
    {
      label: 'unknown layer (resnet)',
      model: () => resnetMini,
      frozenLayers: 0,
      cutLayer: 'nope',
      code: SurgeryErrorCode.UnknownLayer,
    },
    {
      label: 'cut at the output',
      model: () => smallCnn,
      frozenLayers: 0,
      cutLayer: 'output',
      code: SurgeryErrorCode.InvalidCut,
    },
    {
      label: 'cut at the input',
      model: () => smallCnn,
      frozenLayers: 0,
      cutLayer: 'input',
      code: SurgeryErrorCode.InvalidCut,
    },
    {
      label: 'one class',
      model: () => smallCnn,
      frozenLayers: 0,
      numClasses: 1,
      code: SurgeryErrorCode.InvalidHead,
    },
  ];

  it.each(badRequests)(
    'rejects $label with $code',
    ({ model, frozenLayers, cutLayer, numClasses, code }) => {
      const attempt = () =>
        performSurgery(model(), {
          numClasses: numClasses ?? 3,
          frozenLayers,
          cutLayer,
          seed: 1,
          initialization: 'pretrained',
        });
      expect(attempt).toThrow(SurgeryError);
      try {
        attempt();
      } catch (error) {
        expect((error as SurgeryError).code).toBe(code);
      }
    },
  );
});

describe('describeModel', () => {
  it('lists layers with weight-bearing indices and trainability', async () => {
    await selectBackend('wasm');
    const source = buildArchitecture('small-cnn', {
      inputShape: [12, 12, 1],
      numClasses: 5,
      seed: 1,
    });
    const { model } = performSurgery(source, {
      numClasses: 2,
      frozenLayers: 1,
      seed: 1,
      initialization: 'pretrained',
    });
    const sut = describeModel(model);
    expect(sut.map((layer) => layer.name)).toEqual([
      'input',
      'conv1',
      'conv2',
      'pool',
      'dropout1',
      'flatten',
      'dense1',
      'dropout2',
      'output',
    ]);
    expect(
      sut
        .filter((layer) => layer.weightBearing)
        .map((layer) => [layer.name, layer.weightIndex, layer.trainable]),
    ).toEqual([
      ['conv1', 0, false],
      ['conv2', 1, true],
      ['dense1', 2, true],
      ['output', 3, true],
    ]);
    expect(sut[1]).toMatchObject({ type: 'Conv2D', outputShape: [null, 10, 10, 32], params: 320 });
  });
});
