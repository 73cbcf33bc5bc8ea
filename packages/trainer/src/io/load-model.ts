import { createHash } from 'node:crypto';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelFileError, ModelFileErrorCode } from './model-file-error.js';
import {
  METADATA_FILE,
  METADATA_FORMAT,
  MODEL_JSON_FILE,
  type FinetrackModelMetadata,
} from './model-metadata.js';
import {
  MAX_MODEL_JSON_BYTES,
  checkWeightsManifest,
  maxParametersFromEnvironment,
  type CheckedManifest,
} from './weights-manifest.js';

export interface LoadModelOptions {
  /** Refuse manifests declaring more parameters; default FINETRACK_MAX_PARAMETERS or 200 M. */
  maxParameters?: number;
}

/** A model folder whose manifest has been checked against its files; no weights read yet. */
export interface ModelFiles {
  /** Real path of the folder holding model.json. */
  directory: string;
  modelJson: Record<string, unknown>;
  manifest: CheckedManifest;
  /** finetrack.json when the folder was written by Finetrack; null for converter output. */
  metadata: FinetrackModelMetadata | null;
}

export interface LoadedModel {
  model: tf.LayersModel;
  directory: string;
  metadata: FinetrackModelMetadata | null;
  parameterCount: number;
  /** sha256 (hex) of the concatenated weight bytes (= of weights.bin for Finetrack saves). */
  weightsSha256: string;
}

async function readJsonFile(file: string, what: string, maxBytes: number): Promise<unknown> {
  const info = await stat(file);
  if (info.size > maxBytes)
    throw new ModelFileError(
      ModelFileErrorCode.InvalidManifest,
      `${what} is over ${maxBytes} bytes`,
    );
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ModelFileError(
      ModelFileErrorCode.InvalidManifest,
      `${what} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

async function locateModelJson(
  location: string,
): Promise<{ directory: string; modelJsonFile: string }> {
  let real: string;
  try {
    real = await realpath(location);
  } catch {
    throw new ModelFileError(ModelFileErrorCode.NotFound, `${location} does not exist`);
  }
  const info = await stat(real);
  const modelJsonFile = info.isDirectory() ? path.join(real, MODEL_JSON_FILE) : real;
  try {
    await stat(modelJsonFile);
  } catch {
    throw new ModelFileError(
      ModelFileErrorCode.NotFound,
      `${location} holds no ${MODEL_JSON_FILE}`,
    );
  }
  return { directory: path.dirname(modelJsonFile), modelJsonFile };
}

/**
 * Reads model.json (and finetrack.json when present) from a folder or a model.json path and checks
 * the weights manifest against the shard files and the parameter limit. Reads no weights, so a
 * manifest lying about sizes or claiming 10¹² parameters fails here, before anything is allocated.
 */
export async function checkModelFiles(
  location: string,
  options: LoadModelOptions = {},
): Promise<ModelFiles> {
  const { directory, modelJsonFile } = await locateModelJson(location);
  const modelJson = await readJsonFile(modelJsonFile, MODEL_JSON_FILE, MAX_MODEL_JSON_BYTES);
  if (typeof modelJson !== 'object' || modelJson === null || Array.isArray(modelJson))
    throw new ModelFileError(
      ModelFileErrorCode.InvalidManifest,
      `${MODEL_JSON_FILE} is not an object`,
    );
  const json = modelJson as Record<string, unknown>;
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (json.format === 'graph-model' || (topology && 'node' in topology))
    throw new ModelFileError(
      ModelFileErrorCode.InvalidManifest,
      'this is a tfjs graph model, which cannot be fine-tuned; convert the Keras model with --output_format tfjs_layers_model',
    );
  if (typeof topology !== 'object' || topology === null)
    throw new ModelFileError(
      ModelFileErrorCode.InvalidManifest,
      `${MODEL_JSON_FILE} has no modelTopology`,
    );
  const manifest = await checkWeightsManifest(
    json,
    directory,
    options.maxParameters ?? maxParametersFromEnvironment(),
  );
  let metadata: FinetrackModelMetadata | null = null;
  const metadataFile = path.join(directory, METADATA_FILE);
  const hasMetadata = await stat(metadataFile).then(
    (info) => info.isFile(),
    () => false,
  );
  if (hasMetadata) {
    const parsed = (await readJsonFile(
      metadataFile,
      METADATA_FILE,
      16 * 1024 * 1024,
    )) as FinetrackModelMetadata;
    if (parsed?.format !== METADATA_FORMAT || typeof parsed.weightsSha256 !== 'string')
      throw new ModelFileError(
        ModelFileErrorCode.InvalidManifest,
        `${METADATA_FILE} is not a Finetrack model record`,
      );
    metadata = parsed;
  }
  return { directory, modelJson: json, manifest, metadata };
}

/**
 * Reads every shard into one buffer of the size the checked manifest computed (bytes in
 * manifest order) and verifies finetrack.json's sha256 when there is one.
 */
export async function readWeightData(
  files: ModelFiles,
): Promise<{ weightData: ArrayBuffer; weightsSha256: string }> {
  const weightData = new ArrayBuffer(files.manifest.totalBytes);
  const bytes = new Uint8Array(weightData);
  let offset = 0;
  for (const shard of files.manifest.shards) {
    const handle = await open(shard.file, 'r');
    try {
      const { bytesRead } = await handle.read(bytes, offset, shard.byteLength, 0);
      // The file could have changed since it was measured.
      if (bytesRead !== shard.byteLength)
        throw new ModelFileError(
          ModelFileErrorCode.SizeMismatch,
          `weight shard ${shard.path} changed while reading`,
        );
    } finally {
      await handle.close();
    }
    offset += shard.byteLength;
  }
  const weightsSha256 = createHash('sha256').update(bytes).digest('hex');
  if (files.metadata && files.metadata.weightsSha256 !== weightsSha256)
    throw new ModelFileError(
      ModelFileErrorCode.ChecksumMismatch,
      `the weights' sha256 ${weightsSha256} differs from ${METADATA_FILE}'s ${files.metadata.weightsSha256}`,
    );
  return { weightData, weightsSha256 };
}

/**
 * Loads a model folder written by `saveModel`, or any tfjs-converter layers model (`model.json`
 * + `groupN-shardMofK.bin`, quantized uint8/uint16/float16 weights dequantized to float32 by
 * tfjs while decoding). Validation happens first (see checkModelFiles); the topology is then
 * built through `tf.io.fromMemory`, which needs neither tfjs-node nor a network.
 */
export async function loadModelDirectory(
  location: string,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  const files = await checkModelFiles(location, options);
  const { weightData, weightsSha256 } = await readWeightData(files);
  const json = files.modelJson;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        trainingConfig: json.trainingConfig as tf.io.TrainingConfig | undefined,
        weightSpecs: files.manifest.weightSpecs,
        weightData,
        format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined,
        convertedBy: json.convertedBy as string | null | undefined,
      }),
    );
  } catch (error) {
    throw new ModelFileError(
      ModelFileErrorCode.TopologyMismatch,
      `the weights do not fit the model topology: ${(error as Error).message}`,
    );
  }
  return {
    model,
    directory: files.directory,
    metadata: files.metadata,
    parameterCount: files.manifest.parameterCount,
    weightsSha256,
  };
}
