import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Writes `model` the way tensorflowjs_converter lays out a Keras model: model.json with one
 * weightsManifest group whose bytes are split over `shards` files `group1-shardNofM.bin`. With
 * `quantize: 'uint8'` each float32 weight is stored as one byte per value (scale and min in the
 * manifest), as `--quantize_uint8` does. Returns the folder's file names.
 */
export async function saveConverterFolder(
  model: tf.LayersModel,
  folder: string,
  options: { shards?: number; quantize?: 'uint8' } = {},
): Promise<string[]> {
  const { shards = 2 } = options;
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
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const spec of specs) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(data.buffer.slice(offset, offset + count * 4));
      offset += count * 4;
      const min = Math.min(...values);
      const max = Math.max(...values);
      const scale = max > min ? (max - min) / 255 : 1;
      parts.push(Uint8Array.from(values, (v) => Math.round((v - min) / scale)));
      spec.quantization = { dtype: 'uint8', scale, min };
    }
    data = Uint8Array.from(parts.flatMap((part) => [...part]));
  }
  await mkdir(folder, { recursive: true });
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  const step = Math.ceil(data.length / shards);
  for (const [i, name] of paths.entries())
    await writeFile(join(folder, name), data.subarray(i * step, (i + 1) * step));
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths, weights: specs }],
  };
  await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
  return ['model.json', ...paths];
}
