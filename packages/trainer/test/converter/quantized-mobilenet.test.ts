import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadModelDirectory, saveModel } from '../../src/io/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { finetune, type FinetuneOptions } from '../../src/train/index.js';
import { makeSyntheticDataset } from '../../src/train/synthetic-dataset.js';
import {
  dequantizedWeights,
  saveConverterFolder,
  type ConverterManifestEntry,
} from '../support/converter-folder.js';
import {
  MOBILENET_LIKE_INPUT,
  makeMobileNetLike,
  sameBits,
  weightsByName,
} from '../support/mobilenet-like.js';

// A MobileNetV2-shaped functional network written as `tensorflowjs_converter --quantize_uint8`
// writes a Keras model, then imported, cut, frozen and fine-tuned on wasm.

const data = makeSyntheticDataset({
  trainCount: 48,
  validationCount: 16,
  classes: 3,
  inputShape: MOBILENET_LIKE_INPUT,
  seed: 31,
});

async function inspectJson(folder: string) {
  let stdout = '';
  const code = await main(['inspect', folder, '--json', '--backend', 'wasm'], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true, isTTY: false },
  });
  expect(code).toBe(0);
  return JSON.parse(stdout.trim()) as {
    layers: { name: string; type: string; weightBearing: boolean; weightIndex: number | null }[];
    maxFrozenLayers: number;
  };
}

function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()]).toEqual([...b.keys()]);
  let largest = 0;
  for (const [name, values] of a)
    values.forEach((value, i) => (largest = Math.max(largest, Math.abs(value - b.get(name)![i]))));
  return largest;
}

describe('a uint8-quantized MobileNetV2-like model in the converter layout (wasm)', () => {
  let sandbox: string;
  let folder: string;
  let source: tf.LayersModel;
  let dequantized: Map<string, Float32Array>;
  /** Frozen through block_2's depthwise: the cut splits the residual block_2_add. */
  let frozenLayers: number;
  let frozenNames: string[];

  const base = (): FinetuneOptions => ({
    source,
    dataset: data,
    frozenLayers,
    initialization: 'pretrained',
    epochs: 2,
    batchSize: 16,
    learningRate: 0.005,
    optimizer: 'adam',
    seed: 9,
    backend: 'wasm',
  });

  beforeAll(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'finetrack-quantized-'));
    folder = join(sandbox, 'converted');
    // 8 KiB shards instead of the converter's 4 MiB, so this small model spans several files.
    await saveConverterFolder(makeMobileNetLike(4), folder, {
      quantize: 'uint8',
      shardBytes: 8 * 1024,
    });
    source = (await loadModelDirectory(folder)).model;
    dequantized = await dequantizedWeights(folder);
    const inspected = await inspectJson(folder);
    const row = inspected.layers.find((layer) => layer.name === 'block_2_depthwise_BN')!;
    frozenLayers = row.weightIndex! + 1;
    frozenNames = inspected.layers
      .filter((layer) => layer.weightBearing)
      .slice(0, frozenLayers)
      .map((layer) => layer.name);
    expect(frozenLayers).toBeLessThan(inspected.maxFrozenLayers);
  });

  afterAll(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('is laid out as the converter lays it out', async () => {
    const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    expect(modelJson).toMatchObject({
      format: 'layers-model',
      generatedBy: expect.stringMatching(/^keras /),
      convertedBy: expect.stringMatching(/^TensorFlow\.js Converter /),
      modelTopology: { backend: 'tensorflow', model_config: { class_name: 'Functional' } },
    });
    const [group, ...others] = modelJson.weightsManifest;
    expect(others).toEqual([]);
    expect(group.paths.length).toBeGreaterThan(2);
    group.paths.forEach((path: string, index: number) =>
      expect(path).toBe(`group1-shard${index + 1}of${group.paths.length}.bin`),
    );
    const sizes = await Promise.all(
      group.paths.map(async (path: string) => (await stat(join(folder, path))).size),
    );
    expect(sizes.slice(0, -1).every((size) => size === 8 * 1024)).toBe(true);
    const classes = modelJson.modelTopology.model_config.config.layers.map(
      (layer: { class_name: string }) => layer.class_name,
    );
    for (const name of [
      'ZeroPadding2D',
      'Conv2D',
      'BatchNormalization',
      'ReLU',
      'DepthwiseConv2D',
      'Add',
      'GlobalAveragePooling2D',
      'Dense',
    ])
      expect(classes).toContain(name);
    for (const entry of group.weights as ConverterManifestEntry[]) {
      expect(entry.quantization.dtype).toBe('uint8');
      // Where a weight's range holds 0, the nudged min makes 0 exactly representable.
      const zeroCode = -entry.quantization.min / entry.quantization.scale;
      if (entry.quantization.min < 0 && entry.quantization.min + 255 * entry.quantization.scale > 0)
        expect(Math.abs(zeroCode - Math.round(zeroCode))).toBeLessThan(1e-6);
    }
  });

  it('loads every weight exactly as its uint8 codes dequantize', () => {
    expect(maxDifference(weightsByName(source), dequantized)).toBe(0);
  });

  it('keeps every frozen weight and every moving statistic bit-identical to the dequantized source', async () => {
    const result = await finetune(base());
    expect(result.summary.frozenLayerNames).toEqual(frozenNames);
    expect(result.summary.frozenLayerNames.at(-1)).toBe('block_2_depthwise_BN');
    expect(result.history.every((record) => Number.isFinite(record.loss))).toBe(true);
    const tuned = weightsByName(result.model);
    const frozen = new Set(frozenNames);
    let statistics = 0;
    for (const [name, values] of tuned) {
      const layer = name.split('/')[0];
      if (layer === result.surgery.headLayerName) continue;
      if (frozen.has(layer) || /moving_(mean|variance)$/.test(name)) {
        expect(sameBits(values, dequantized.get(name)), name).toBe(true);
        if (!frozen.has(layer)) statistics += 1;
      }
    }
    // The trainable batch-norm layers' statistics were checked too (they run in inference mode).
    expect(statistics).toBeGreaterThanOrEqual(6);
    // What follows the cut did train: the strided block_3 depthwise kernel and a BN gamma moved.
    for (const name of ['block_3_depthwise/depthwise_kernel', 'block_2_project_BN/gamma'])
      expect(tuned.get(name), name).not.toEqual(dequantized.get(name));
  });

  it('the cached frozen prefix (two tensors across the residual) trains like the uncached path', async () => {
    // Momentum, not Adam: Adam rescales near-zero gradients, so float rounding becomes full steps.
    const options = { ...base(), optimizer: 'momentum' as const, learningRate: 0.02 };
    const cached = await finetune({ ...options, featureCache: 'always' });
    const uncached = await finetune({ ...options, featureCache: 'never' });
    expect(cached.summary.featureCacheUsed).toBe(true);
    expect(uncached.summary.featureCacheUsed).toBe(false);
    cached.history.forEach((record, index) =>
      expect(record.loss).toBeCloseTo(uncached.history[index].loss, 4),
    );
    expect(
      maxDifference(weightsByName(cached.model), weightsByName(uncached.model)),
    ).toBeLessThanOrEqual(1e-4);
  });

  it.each(['always', 'never'] as const)(
    'a run stopped after epoch 1 and resumed from its checkpoint ends like an uninterrupted one (feature cache %s)',
    async (featureCache) => {
      const options = { ...base(), epochs: 3, featureCache };
      const uninterrupted = await finetune(options);
      const checkpointDir = join(sandbox, `checkpoint-${featureCache}`);
      const stopped = await finetune({ ...options, checkpointDir, stopAfterEpoch: 1 });
      expect(stopped.history).toHaveLength(1);
      expect((await readCheckpoint(checkpointDir)).epoch).toBe(1);
      const resumed = await finetune({ ...options, resumeFrom: checkpointDir });
      expect(resumed.summary.resumedFromEpoch).toBe(1);
      expect(resumed.history.map((record) => record.epoch)).toEqual([1, 2, 3]);
      expect(resumed.summary.featureCacheUsed).toBe(featureCache === 'always');
      // The tolerance of the sequential resume tests (src/train/finetune.test.ts).
      expect(
        maxDifference(weightsByName(resumed.model), weightsByName(uninterrupted.model)),
      ).toBeLessThanOrEqual(1e-5);
      resumed.history
        .slice(1)
        .forEach((record, index) =>
          expect(record.loss).toBeCloseTo(uninterrupted.history[index + 1].loss, 5),
        );
    },
  );

  it('saves the fine-tuned model and reloads it bit-exactly', async () => {
    const result = await finetune({ ...base(), epochs: 1 });
    const saved = join(sandbox, 'tuned');
    await saveModel(result.model, saved, {
      kind: 'target',
      architecture: 'imported',
      inputShape: MOBILENET_LIKE_INPUT,
      dataset: null,
      metrics: {},
      trainableParams: result.summary.trainableParams,
      nonTrainableParams: result.summary.nonTrainableParams,
      surgery: result.surgery.record,
    });
    const reloaded = await loadModelDirectory(saved);
    expect(maxDifference(weightsByName(reloaded.model), weightsByName(result.model))).toBe(0);
    const images = tf.tensor4d(data.validation.images, [
      data.validation.count,
      ...MOBILENET_LIKE_INPUT,
    ]);
    const expected = (result.model.predict(images) as tf.Tensor).dataSync();
    const actual = (reloaded.model.predict(images) as tf.Tensor).dataSync();
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });
});
