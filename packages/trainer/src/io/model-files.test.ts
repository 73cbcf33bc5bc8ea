import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModelFiles, loadModelDirectory } from './load-model.js';
import { ModelFileError } from './model-file-error.js';
import type { ModelMetadataInput } from './model-metadata.js';
import { saveModel } from './save-model.js';

let sandbox: string;

const metadata: ModelMetadataInput = {
  kind: 'source',
  architecture: 'test-net',
  inputShape: [6, 6, 1],
  dataset: null,
  metrics: { valAccuracy: 0.5 },
  trainableParams: 0,
  nonTrainableParams: 0,
};

/** conv 3×3 (1→2) → flatten → dense 3: 20 + 99 parameters, small enough to check by hand. */
function tinyModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, name: 'conv' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }));
  return model;
}

/** The model's artifacts as tfjs would hand them to a save handler. */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  return artifacts!;
}

function weightBytes(model: tf.LayersModel): Buffer[] {
  return model
    .getWeights()
    .map((weight) => Buffer.from((weight.dataSync() as Float32Array).buffer));
}

/** Writes a folder the way the tfjs converter does: model.json + groupN-shardMofK.bin files. */
async function writeConverterFolder(
  folder: string,
  modelTopology: object,
  groups: { paths: string[]; weights: tf.io.WeightsManifestEntry[]; shards: Uint8Array[] }[],
  extra: Record<string, unknown> = {},
) {
  await mkdir(folder, { recursive: true });
  for (const group of groups)
    for (let i = 0; i < group.shards.length; i++)
      await writeFile(path.join(folder, group.paths[i]), group.shards[i]);
  const weightsManifest = groups.map(({ paths, weights }) => ({ paths, weights }));
  await writeFile(
    path.join(folder, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology,
      weightsManifest,
      ...extra,
    }),
  );
}

/** float32 → IEEE half-precision bits (round to nearest, no subnormal care needed for these values). */
function toFloat16Bits(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | Math.round(mantissa / 0x2000);
}

function fromFloat16Bits(half: number): number {
  const exponent = (half >>> 10) & 0x1f;
  const fraction = half & 0x3ff;
  const magnitude =
    exponent === 0 ? fraction * 2 ** -24 : (1 + fraction / 1024) * 2 ** (exponent - 15);
  return half & 0x8000 ? -magnitude : magnitude;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  sandbox = await mkdtemp(path.join(tmpdir(), 'finetrack-io-'));
});

afterAll(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

describe('saveModel / loadModelDirectory', () => {
  it('round-trips a model bit-exactly and records the sha256 of weights.bin', async () => {
    const model = tinyModel();
    model.layers[0].trainable = false;
    const folder = path.join(sandbox, 'round-trip');
    const record = await saveModel(model, folder, metadata);
    const weightsFile = await readFile(path.join(folder, 'weights.bin'));
    expect(record.weightsSha256).toBe(createHash('sha256').update(weightsFile).digest('hex'));
    expect(record.weightsBytes).toBe((20 + 99) * 4);
    const onDisk = JSON.parse(await readFile(path.join(folder, 'finetrack.json'), 'utf8'));
    expect(onDisk).toMatchObject({
      format: 'finetrack-model',
      architecture: 'test-net',
      weightsSha256: record.weightsSha256,
    });

    const sut = await loadModelDirectory(folder);
    expect(sut.weightsSha256).toBe(record.weightsSha256);
    expect(sut.parameterCount).toBe(119);
    expect(sut.metadata?.architecture).toBe('test-net');
    expect(weightBytes(sut.model)).toEqual(weightBytes(model));
    expect(sut.model.layers[0].trainable).toBe(false);
    const input = tf.randomUniform([2, 6, 6, 1], 0, 1, 'float32', 3);
    expect(await (sut.model.predict(input) as tf.Tensor).data()).toEqual(
      await (model.predict(input) as tf.Tensor).data(),
    );
  });

  it('writes files that tf.loadLayersModel reads through tf.io.fromMemory', async () => {
    const model = tinyModel();
    const folder = path.join(sandbox, 'from-memory');
    await saveModel(model, folder, metadata);
    const modelJson = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
    const weights = await readFile(path.join(folder, 'weights.bin'));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(
          weights.byteOffset,
          weights.byteOffset + weights.byteLength,
        ),
      }),
    );
    expect(weightBytes(loaded)).toEqual(weightBytes(model));
  });

  it('loads converter output split over several groups and shards', async () => {
    const model = tinyModel();
    const artifacts = await artifactsOf(model);
    const specs = artifacts.weightSpecs!;
    const all = new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData!));
    // Group 1: the conv kernel and bias (80 bytes) split mid-weight into two shards; group 2: the head.
    const folder = path.join(sandbox, 'converter');
    await writeConverterFolder(folder, artifacts.modelTopology as object, [
      {
        paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        weights: specs.slice(0, 2),
        shards: [all.slice(0, 50), all.slice(50, 80)],
      },
      { paths: ['group2-shard1of1.bin'], weights: specs.slice(2), shards: [all.slice(80)] },
    ]);
    const sut = await loadModelDirectory(path.join(folder, 'model.json'));
    expect(sut.metadata).toBeNull();
    expect(weightBytes(sut.model)).toEqual(weightBytes(model));
  });

  it.each(['uint8', 'uint16', 'float16'] as const)(
    'dequantizes %s weights',
    async (quantizedType) => {
      const model = tinyModel();
      const artifacts = await artifactsOf(model);
      const shards: Uint8Array[] = [];
      const expected: number[][] = [];
      const weights = model.getWeights().map((weight, index) => {
        const values = Array.from(weight.dataSync());
        const spec = { ...artifacts.weightSpecs![index] };
        if (quantizedType === 'float16') {
          const halves = Uint16Array.from(values.map(toFloat16Bits));
          shards.push(new Uint8Array(halves.buffer));
          expected.push(Array.from(halves, fromFloat16Bits));
          spec.quantization = { dtype: 'float16' };
        } else {
          const levels = quantizedType === 'uint8' ? 255 : 65535;
          const min = Math.min(...values);
          const scale = (Math.max(...values) - min) / levels || 1;
          const codes = values.map((value) => Math.round((value - min) / scale));
          const typed =
            quantizedType === 'uint8' ? Uint8Array.from(codes) : Uint16Array.from(codes);
          shards.push(new Uint8Array(typed.buffer));
          expected.push(codes.map((code) => code * scale + min));
          spec.quantization = { dtype: quantizedType, scale, min };
        }
        return spec;
      });
      const folder = path.join(sandbox, `quantized-${quantizedType}`);
      await writeConverterFolder(folder, artifacts.modelTopology as object, [
        { paths: ['group1-shard1of1.bin'], weights, shards: [Buffer.concat(shards)] },
      ]);
      const sut = await loadModelDirectory(folder);
      sut.model.getWeights().forEach((weight, index) => {
        expect(weight.dtype).toBe('float32');
        const actual = Array.from(weight.dataSync());
        actual.forEach((value, i) => expect(value).toBeCloseTo(expected[index][i], 5));
      });
    },
  );
});

describe('loadModelDirectory: rejected model folders', () => {
  let topology: object;
  let specs: tf.io.WeightsManifestEntry[];
  let all: Uint8Array;

  beforeAll(async () => {
    const artifacts = await artifactsOf(tinyModel());
    topology = artifacts.modelTopology as object;
    specs = artifacts.weightSpecs!;
    all = new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData!));
  });

  const cases: [string, (folder: string) => Promise<void>, string, number?][] = [
    [
      'a manifest claiming a larger shape than its file holds',
      (folder) =>
        writeConverterFolder(folder, topology, [
          {
            paths: ['w.bin'],
            weights: [{ ...specs[0], shape: [3, 3, 1, 4] }, ...specs.slice(1)],
            shards: [all],
          },
        ]),
      'WEIGHT_SIZE_MISMATCH',
    ],
    [
      'a truncated shard',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: specs, shards: [all.slice(0, 300)] },
        ]),
      'WEIGHT_SIZE_MISMATCH',
    ],
    [
      'a shard with trailing bytes',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: specs, shards: [Buffer.concat([all, Buffer.alloc(4)])] },
        ]),
      'WEIGHT_SIZE_MISMATCH',
    ],
    [
      '10^12 parameters',
      (folder) =>
        writeConverterFolder(folder, topology, [
          {
            paths: ['w.bin'],
            weights: [{ name: 'huge/kernel', shape: [1_000_000, 1_000_000], dtype: 'float32' }],
            shards: [all],
          },
        ]),
      'TOO_MANY_PARAMETERS',
    ],
    [
      'dimensions whose product overflows a double',
      (folder) =>
        writeConverterFolder(folder, topology, [
          {
            paths: ['w.bin'],
            weights: [
              { name: 'huge/kernel', shape: [2 ** 52, 2 ** 52, 2 ** 52], dtype: 'float32' },
            ],
            shards: [all],
          },
        ]),
      'TOO_MANY_PARAMETERS',
    ],
    [
      '1,000 weights of 10^6 parameters each (10^9 in all)',
      (folder) =>
        writeConverterFolder(folder, topology, [
          {
            paths: ['w.bin'],
            weights: Array.from({ length: 1000 }, (_, i) => ({
              name: `w${i}`,
              shape: [1000, 1000],
              dtype: 'float32' as const,
            })),
            shards: [all],
          },
        ]),
      'TOO_MANY_PARAMETERS',
    ],
    [
      'a fractional dimension',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: [{ ...specs[0], shape: [1.5, 3] }], shards: [all] },
        ]),
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'a 10 GiB (sparse) shard where the shapes need 476 bytes',
      async (folder) => {
        await writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: specs, shards: [all] },
        ]);
        // Only measured, never read: reading it would allocate 10 GiB.
        const handle = await open(path.join(folder, 'w.bin'), 'r+');
        await handle.truncate(10 * 1024 ** 3);
        await handle.close();
      },
      'WEIGHT_SIZE_MISMATCH',
    ],
    [
      'a model.json over 32 MiB (sparse)',
      async (folder) => {
        await writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: specs, shards: [all] },
        ]);
        const handle = await open(path.join(folder, 'model.json'), 'r+');
        await handle.truncate(33 * 1024 * 1024);
        await handle.close();
      },
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'more parameters than a lowered limit',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: specs, shards: [all] },
        ]),
      'TOO_MANY_PARAMETERS',
      100,
    ],
    [
      'a missing shard',
      async (folder) => {
        await writeConverterFolder(folder, topology, [
          {
            paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
            weights: specs,
            shards: [all.slice(0, 300)],
          },
        ]);
      },
      'MISSING_WEIGHT_SHARD',
    ],
    [
      'a shard path with ../',
      async (folder) => {
        await writeFile(path.join(folder, '..', 'secret.bin'), all);
        await writeConverterFolder(folder, topology, [
          { paths: ['../secret.bin'], weights: specs, shards: [] },
        ]);
      },
      'UNSAFE_WEIGHT_PATH',
    ],
    [
      'an absolute shard path',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['/etc/hostname'], weights: specs, shards: [] },
        ]),
      'UNSAFE_WEIGHT_PATH',
    ],
    [
      'a shard linked out of the folder',
      async (folder) => {
        await writeFile(path.join(sandbox, 'outside.bin'), all);
        await writeConverterFolder(folder, topology, [
          { paths: ['linked.bin'], weights: specs, shards: [] },
        ]);
        await symlink(path.join(sandbox, 'outside.bin'), path.join(folder, 'linked.bin'));
      },
      'UNSAFE_WEIGHT_PATH',
    ],
    [
      'string weights',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: [{ ...specs[0], dtype: 'string' }], shards: [all] },
        ]),
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'uint8 quantization without scale and min',
      (folder) =>
        writeConverterFolder(folder, topology, [
          {
            paths: ['w.bin'],
            weights: [{ ...specs[0], quantization: { dtype: 'uint8' } }],
            shards: [all.slice(0, 18)],
          },
        ]),
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'a negative dimension',
      (folder) =>
        writeConverterFolder(folder, topology, [
          { paths: ['w.bin'], weights: [{ ...specs[0], shape: [-3, 3] }], shards: [all] },
        ]),
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'a graph model',
      (folder) => writeConverterFolder(folder, { node: [] }, [], { format: 'graph-model' }),
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'model.json that is not JSON',
      async (folder) => {
        await mkdir(folder, { recursive: true });
        await writeFile(path.join(folder, 'model.json'), '{"modelTopology": ');
      },
      'INVALID_MODEL_MANIFEST',
    ],
    [
      'a folder without model.json',
      (folder) => mkdir(folder, { recursive: true }).then(() => undefined),
      'MODEL_NOT_FOUND',
    ],
    [
      'shapes that fit the bytes but not the topology',
      (folder) =>
        writeConverterFolder(folder, topology, [
          {
            paths: ['w.bin'],
            weights: [specs[0], { ...specs[1], shape: [1, 2] }, ...specs.slice(2)],
            shards: [all],
          },
        ]),
      'TOPOLOGY_MISMATCH',
    ],
  ];

  it.each(cases)('rejects %s', async (name, write, code, maxParameters) => {
    const folder = path.join(sandbox, 'bad', name.replace(/[^a-z0-9]+/gi, '-'));
    await mkdir(folder, { recursive: true });
    await write(folder);
    await expect(loadModelDirectory(folder, { maxParameters })).rejects.toSatisfy(
      (error) => error instanceof ModelFileError && error.code === code,
    );
  });

  it('checks sizes before reading weights', async () => {
    const folder = path.join(sandbox, 'bad', 'check-only');
    await writeConverterFolder(folder, topology, [
      { paths: ['w.bin'], weights: specs, shards: [all] },
    ]);
    const sut = await checkModelFiles(folder);
    expect(sut.manifest.totalBytes).toBe(all.length);
    expect(sut.manifest.parameterCount).toBe(119);
  });

  it('rejects weights that changed after finetrack.json recorded their sha256', async () => {
    const folder = path.join(sandbox, 'tampered');
    await saveModel(tinyModel(), folder, metadata);
    const weights = await readFile(path.join(folder, 'weights.bin'));
    weights[5] ^= 0xff;
    await writeFile(path.join(folder, 'weights.bin'), weights);
    await expect(loadModelDirectory(folder)).rejects.toMatchObject({
      code: 'WEIGHT_CHECKSUM_MISMATCH',
    });
  });
});
