import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadModelDirectory } from '../../src/io/index.js';
import { describeModel } from '../../src/model/surgery.js';
import { finetune, type FinetuneOptions } from '../../src/train/index.js';
import { makeSyntheticDataset } from '../../src/train/synthetic-dataset.js';
import { dequantizedWeights } from '../support/converter-folder.js';
import { sameBits, weightsByName } from '../support/mobilenet-like.js';
import { NSFWJS_INPUT, writeNsfwjsMobileNetV2 } from '../support/nsfwjs-mobilenet.js';

// A real converter output (nsfwjs' uint8-quantized Keras MobileNetV2, 162 layers) through the
// command line: inspect, then the linear probe of issue 14 (every layer but the head frozen) on
// 57 images. That probe once died before its first epoch with "memory access out of bounds" in
// the wasm backend; it must finish, and leave every frozen weight as the file's codes decode.
// Then its last blocks train (the depthwise and batch-norm gradients on real weights), cached
// prefix against uncached.

const CLASSES = ['red', 'green', 'blue'] as const;
const IMAGES_PER_CLASS = 19;

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').at(-1)!) };
}

/** A folder dataset: one subfolder per class of small PNGs, one dominant colour each, varied. */
async function writeImages(root: string): Promise<void> {
  for (const [label, name] of CLASSES.entries()) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < IMAGES_PER_CLASS; i++) {
      const channel = (index: number) =>
        index === label ? 180 + 3 * i : 20 + 5 * ((i + index) % 8);
      await sharp({
        create: {
          width: 40 + i,
          height: 32,
          channels: 3,
          background: { r: channel(0), g: channel(1), b: channel(2) },
        },
      })
        .png()
        .toFile(join(root, name, `${i}.png`));
    }
  }
}

describe('a real converter output: nsfwjs 4.4.0 MobileNetV2 (uint8, 162 layers, wasm)', () => {
  let sandbox: string;
  let source: string;
  let previousDataRoot: string | undefined;
  let maxFrozenLayers: number;

  beforeAll(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'finetrack-nsfwjs-'));
    source = join(sandbox, 'mobilenet_v2');
    await writeNsfwjsMobileNetV2(source);
    await writeImages(join(sandbox, 'data', 'colours'));
    previousDataRoot = process.env.FINETRACK_DATA_ROOT;
    process.env.FINETRACK_DATA_ROOT = join(sandbox, 'data');
  });

  afterAll(async () => {
    if (previousDataRoot === undefined) delete process.env.FINETRACK_DATA_ROOT;
    else process.env.FINETRACK_DATA_ROOT = previousDataRoot;
    await rm(sandbox, { recursive: true, force: true });
  });

  it('inspect lists its 162 layers with their Keras blocks and the frozen depths it allows', async () => {
    const inspected = await run(['inspect', source, '--json', '--backend', 'wasm']);
    expect(inspected.code, inspected.stderr).toBe(0);
    const report = inspected.json();
    expect(report.inputShape).toEqual(NSFWJS_INPUT);
    expect(report.metadata).toBeNull();
    expect(report.layers).toHaveLength(162);
    const types = new Set(report.layers.map((layer: { type: string }) => layer.type));
    for (const type of ['ZeroPadding2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Add'])
      expect(types).toContain(type);
    const blocks = new Set(report.layers.map((layer: { block: string | null }) => layer.block));
    expect(blocks).toEqual(
      new Set([
        null,
        'expanded_conv',
        ...Array.from({ length: 16 }, (_, index) => `block_${index + 1}`),
      ]),
    );
    // 52 convolutions (35 Conv2D + 17 depthwise), 52 batch norms and 3 dense layers; the last
    // dense layer is the classifier a fine-tune replaces.
    expect(report.weightBearingLayers).toBe(107);
    expect(report.maxFrozenLayers).toBe(106);
    maxFrozenLayers = report.maxFrozenLayers;
    const text = await run(['inspect', source, '--backend', 'wasm']);
    expect(text.stdout).toMatch(/no finetrack\.json: imported model/);
    expect(text.stdout).toMatch(
      /block_16_depthwise\s+DepthwiseConv2D\s+block_16\s+\[batch, 7, 7, 960\]/,
    );
  });

  it('a linear probe (all but the head frozen) on 57 images finishes and moves no frozen weight', async () => {
    expect(maxFrozenLayers).toBe(106);
    const out = join(sandbox, 'probe');
    const tuned = await run([
      'finetune',
      '--source',
      source,
      '--dataset',
      'folder:colours',
      '--frozen-layers',
      String(maxFrozenLayers),
      '--epochs',
      '2',
      '--preprocessing',
      'symmetric',
      '--backend',
      'wasm',
      '--out',
      out,
      '--json',
    ]);
    expect(tuned.code, tuned.stderr).toBe(0);
    const summary = tuned.json();
    expect(summary.backend).toBe('wasm');
    expect(summary.trainSamples + summary.validationSamples).toBe(57);
    expect(summary.history).toHaveLength(2);
    expect(summary.history.every((record: { loss: number }) => Number.isFinite(record.loss))).toBe(
      true,
    );
    expect(summary.featureCacheUsed).toBe(true);
    expect(summary.surgery.cutLayer).toBe('dropout_3');
    expect(summary.frozenLayerNames).toHaveLength(106);
    expect(summary.frozenLayerNames.slice(-3)).toEqual(['Conv_1_bn', 'dense_1', 'dense_2']);
    expect(summary.trainableLayerNames).toEqual(['output']);

    const expected = await dequantizedWeights(source);
    const probe = await loadModelDirectory(out);
    const weights = weightsByName(probe.model);
    let compared = 0;
    for (const [name, values] of weights) {
      if (name.startsWith('output/')) continue;
      expect(sameBits(values, expected.get(name)), name).toBe(true);
      compared += 1;
    }
    // Every source weight but dense_3's kernel and bias (the replaced classifier).
    expect(compared).toBe(expected.size - 2);
    probe.model.dispose();
  });

  it('trains its last blocks on wasm (depthwise gradients on real weights): cached prefix = uncached, moving statistics untouched', async () => {
    const loaded = await loadModelDirectory(source);
    const expected = await dequantizedWeights(source);
    const dataset = makeSyntheticDataset({
      trainCount: 24,
      validationCount: 8,
      classes: 3,
      inputShape: NSFWJS_INPUT,
      seed: 5,
    });
    // Frozen through block_13 (7×7 from there on): blocks 14–16, Conv_1 and the dense layers train.
    const rows = describeModel(loaded.model).filter((layer) => layer.weightBearing);
    const frozenLayers = rows.findIndex((layer) => layer.name === 'block_13_project_BN') + 1;
    const options: FinetuneOptions = {
      source: loaded.model,
      dataset,
      frozenLayers,
      initialization: 'pretrained',
      epochs: 1,
      batchSize: 12,
      learningRate: 0.01,
      // Momentum, not Adam, so float rounding between the two paths stays rounding.
      optimizer: 'momentum',
      seed: 2,
      backend: 'wasm',
      preprocessing: 'symmetric',
    };
    const cached = await finetune({ ...options, featureCache: 'always' });
    const uncached = await finetune({ ...options, featureCache: 'never' });
    expect(cached.summary.featureCacheUsed).toBe(true);
    expect(uncached.summary.featureCacheUsed).toBe(false);
    expect(cached.summary.frozenLayerNames.at(-1)).toBe('block_13_project_BN');
    expect(Number.isFinite(cached.history[0].loss)).toBe(true);
    expect(cached.history[0].loss).toBeCloseTo(uncached.history[0].loss, 4);
    const frozen = new Set(cached.summary.frozenLayerNames);
    for (const result of [cached, uncached]) {
      const weights = weightsByName(result.model);
      for (const [name, values] of weights) {
        const layer = name.split('/')[0];
        // Frozen weights, and every batch norm's moving statistics (inference mode), stay put.
        if (frozen.has(layer) || /moving_(mean|variance)$/.test(name))
          expect(sameBits(values, expected.get(name)), name).toBe(true);
      }
      expect(
        sameBits(
          weights.get('block_16_depthwise/depthwise_kernel'),
          expected.get('block_16_depthwise/depthwise_kernel'),
        ),
      ).toBe(false);
    }
    const cachedWeights = weightsByName(cached.model);
    for (const [name, values] of weightsByName(uncached.model)) {
      const other = cachedWeights.get(name)!;
      let worst = 0;
      values.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - other[i]))));
      expect(worst, name).toBeLessThanOrEqual(1e-4);
    }
    for (const model of [loaded.model, cached.model, uncached.model]) model.dispose();
  });
});
