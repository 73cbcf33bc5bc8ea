import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  METADATA_FILE,
  METADATA_FORMAT,
  METADATA_VERSION,
  MODEL_JSON_FILE,
  WEIGHTS_FILE,
  type FinetrackModelMetadata,
  type ModelMetadataInput,
} from './model-metadata.js';

/** Concatenates tfjs weight data (one buffer or several) into one byte array. */
function joinWeightData(weightData: tf.io.WeightData | undefined): Uint8Array {
  if (weightData === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.concatenateArrayBuffers(weightData));
}

/** Writes through a temporary name and renames, so a crash never leaves a half-written file. */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}

/**
 * Saves a LayersModel to `directory` without tfjs-node: `model.json` (modelTopology +
 * weightsManifest pointing at `weights.bin`), `weights.bin` (all weights, float32 little-endian,
 * in manifest order) and `finetrack.json` (metadata + sha256 of weights.bin), written last.
 * The result loads with `tf.loadLayersModel(tf.io.fromMemory(…))` or `loadModelDirectory`.
 */
export async function saveModel(
  model: tf.LayersModel,
  directory: string,
  metadata: ModelMetadataInput,
): Promise<FinetrackModelMetadata> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (artifacts === undefined || artifacts.weightSpecs === undefined)
    throw new Error('the model produced no artifacts to save');
  const weights = joinWeightData(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };
  if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
  const record: FinetrackModelMetadata = {
    format: METADATA_FORMAT,
    version: METADATA_VERSION,
    ...metadata,
    createdAt: metadata.createdAt ?? new Date().toISOString(),
    weightsFile: WEIGHTS_FILE,
    weightsBytes: weights.byteLength,
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
  };
  await mkdir(directory, { recursive: true });
  await writeAtomically(path.join(directory, WEIGHTS_FILE), weights);
  await writeAtomically(path.join(directory, MODEL_JSON_FILE), JSON.stringify(modelJson));
  await writeAtomically(
    path.join(directory, METADATA_FILE),
    `${JSON.stringify(record, null, 2)}\n`,
  );
  return record;
}
