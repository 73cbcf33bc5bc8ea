import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** tensorflowjs_converter's default `--weight_shard_size_bytes`: shards are cut every 4 MiB. */
export const CONVERTER_SHARD_BYTES = 4 * 1024 * 1024;

export interface Uint8Quantization {
  dtype: 'uint8';
  min: number;
  scale: number;
}

/**
 * Quantizes one weight as `--quantize_uint8` does: scale = (max − min) / 255; when the range
 * holds 0, min is nudged to a multiple of the scale so that 0 is stored exactly; values are
 * clipped to the nudged range and rounded. A constant weight stores zeros with scale 1.
 */
export function quantizeUint8(values: Float32Array): {
  codes: Uint8Array;
  quantization: Uint8Quantization;
} {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (values.length === 0 || low === high) {
    return {
      codes: new Uint8Array(values.length),
      quantization: { dtype: 'uint8', min: values.length === 0 ? 0 : low, scale: 1 },
    };
  }
  const scale = (high - low) / 255;
  let min = low;
  let max = high;
  if (low <= 0 && high >= 0) {
    min = -Math.round(-low / scale) * scale;
    max = min + 255 * scale;
  }
  const codes = Uint8Array.from(values, (value) =>
    Math.round((Math.min(Math.max(value, min), max) - min) / scale),
  );
  return { codes, quantization: { dtype: 'uint8', min, scale } };
}

/** What tfjs decodes a uint8 code to: code · scale + min, stored as float32. */
export function dequantizeUint8(codes: Uint8Array, quantization: Uint8Quantization): Float32Array {
  return Float32Array.from(codes, (code) => code * quantization.scale + quantization.min);
}

export interface ConverterManifestEntry {
  name: string;
  shape: number[];
  quantization: Uint8Quantization;
}

/**
 * Each weight of a uint8-quantized converter folder as tfjs must decode it, computed here from
 * the shard bytes and the manifest alone (so a test can hold the loader to it), by weight name.
 */
export async function dequantizedWeights(folder: string): Promise<Map<string, Float32Array>> {
  const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  const values = new Map<string, Float32Array>();
  for (const group of modelJson.weightsManifest as {
    paths: string[];
    weights: ConverterManifestEntry[];
  }[]) {
    const bytes = Buffer.concat(
      await Promise.all(group.paths.map((path) => readFile(join(folder, path)))),
    );
    let offset = 0;
    for (const entry of group.weights) {
      if (entry.quantization?.dtype !== 'uint8')
        throw new Error(`weight ${entry.name} is not uint8-quantized`);
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const codes = bytes.subarray(offset, offset + count);
      values.set(entry.name, dequantizeUint8(codes, entry.quantization));
      offset += count;
    }
    if (offset !== bytes.length)
      throw new Error(`the shards hold ${bytes.length - offset} extra bytes`);
  }
  return values;
}

export interface ConverterFolderOptions {
  /** Split the weights into exactly this many shards (small models); default: cut every `shardBytes`. */
  shards?: number;
  /** Default CONVERTER_SHARD_BYTES. */
  shardBytes?: number;
  quantize?: 'uint8';
}

/**
 * Writes `model` the way tensorflowjs_converter lays out a Keras model: model.json with
 * `format: "layers-model"`, `generatedBy`, `convertedBy`, the Keras-form topology (the model
 * config under `model_config`, class `Functional` for graph models) and one weightsManifest group
 * whose bytes run on across files `group1-shardNofM.bin` (a weight may straddle two). With
 * `quantize: 'uint8'` each float32 weight is stored as one byte per value with its min and scale
 * in the manifest (see quantizeUint8). Returns the folder's file names.
 */
export async function saveConverterFolder(
  model: tf.LayersModel,
  folder: string,
  options: ConverterFolderOptions = {},
): Promise<string[]> {
  let saved!: tf.io.ModelArtifacts;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const specs = saved.weightSpecs!;
  let data = new Uint8Array(saved.weightData as ArrayBuffer);
  if (options.quantize === 'uint8') {
    const quantized = new Uint8Array(data.length / 4);
    let offset = 0;
    let written = 0;
    for (const spec of specs) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(data.buffer.slice(offset, offset + count * 4));
      offset += count * 4;
      const { codes, quantization } = quantizeUint8(values);
      quantized.set(codes, written);
      written += codes.length;
      spec.quantization = quantization;
    }
    data = quantized;
  }
  await mkdir(folder, { recursive: true });
  const step = options.shards
    ? Math.ceil(data.length / options.shards)
    : (options.shardBytes ?? CONVERTER_SHARD_BYTES);
  const count = Math.max(1, Math.ceil(data.length / step));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  for (const [i, name] of paths.entries())
    await writeFile(join(folder, name), data.subarray(i * step, (i + 1) * step));
  const {
    keras_version: _version,
    backend: _backend,
    ...modelConfig
  } = saved.modelTopology as Record<string, unknown>;
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config:
        modelConfig.class_name === 'Model'
          ? { ...modelConfig, class_name: 'Functional' }
          : modelConfig,
    },
    weightsManifest: [{ paths, weights: specs }],
  };
  await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
  return ['model.json', ...paths];
}
