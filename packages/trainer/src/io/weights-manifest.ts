import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ModelFileError, ModelFileErrorCode } from './model-file-error.js';
import { MAX_IMPORT_PARAMETERS } from '@finetrack/shared';

/**
 * Default ceiling on the parameters a model may declare: the API's import limit (shared), so a
 * model the catalogue accepts is one the trainer loads. Override with FINETRACK_MAX_PARAMETERS or
 * the `maxParameters` option.
 */
export const DEFAULT_MAX_PARAMETERS = MAX_IMPORT_PARAMETERS;
/** model.json holds only topology and manifest; ResNet50's is ~0.3 MB. */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;

const PLAIN_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
/** Shard paths are plain relative names such as `group1-shard1of2.bin` or `weights/a.bin`. */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export interface WeightShard {
  /** As written in the manifest. */
  path: string;
  /** Absolute, real path inside the model folder. */
  file: string;
  byteLength: number;
}

/** A manifest checked against its files; nothing has been read or allocated yet. */
export interface CheckedManifest {
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** Every shard of every group, in the order their bytes concatenate. */
  shards: WeightShard[];
  totalBytes: number;
  parameterCount: number;
}

/** The maximum from FINETRACK_MAX_PARAMETERS, else DEFAULT_MAX_PARAMETERS. */
export function maxParametersFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FINETRACK_MAX_PARAMETERS;
  if (raw === undefined || raw === '') return DEFAULT_MAX_PARAMETERS;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ModelFileError(
      ModelFileErrorCode.InvalidManifest,
      `FINETRACK_MAX_PARAMETERS must be a positive integer, got ${raw}`,
    );
  return value;
}

const invalid = (message: string) =>
  new ModelFileError(ModelFileErrorCode.InvalidManifest, message);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Byte length and element count of one entry; throws for anything malformed. */
function measureEntry(
  entry: unknown,
  index: number,
): { spec: tf.io.WeightsManifestEntry; elements: number; bytes: number } {
  if (!isRecord(entry)) throw invalid(`weight ${index} is not an object`);
  const { name, shape, dtype, quantization } = entry;
  if (typeof name !== 'string' || name === '') throw invalid(`weight ${index} has no name`);
  if (!Array.isArray(shape) || shape.length > 8) throw invalid(`weight ${name} has no valid shape`);
  let elements = 1;
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0)
      throw invalid(`weight ${name} has a bad dimension ${size}`);
    elements *= size;
    // Stay in exact integer range; anything this large is over every limit anyway.
    if (elements > Number.MAX_SAFE_INTEGER / 8) elements = Number.MAX_SAFE_INTEGER / 8;
  }
  if (typeof dtype !== 'string' || PLAIN_BYTES[dtype] === undefined)
    throw invalid(
      `weight ${name} has dtype ${String(dtype)}; layers models use float32, int32 or bool`,
    );
  let bytesPerElement = PLAIN_BYTES[dtype];
  if (quantization !== undefined) {
    if (
      !isRecord(quantization) ||
      typeof quantization.dtype !== 'string' ||
      !QUANTIZED_BYTES[quantization.dtype]
    )
      throw invalid(`weight ${name} has an unknown quantization (use uint8, uint16 or float16)`);
    if (quantization.dtype === 'float16') {
      if (dtype !== 'float32')
        throw invalid(`weight ${name}: float16 quantization needs float32 weights`);
    } else if (!Number.isFinite(quantization.scale) || !Number.isFinite(quantization.min)) {
      throw invalid(
        `weight ${name}: ${quantization.dtype} quantization needs finite scale and min`,
      );
    }
    bytesPerElement = QUANTIZED_BYTES[quantization.dtype];
  }
  return {
    spec: entry as unknown as tf.io.WeightsManifestEntry,
    elements,
    bytes: elements * bytesPerElement,
  };
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Resolves a shard path inside `realFolder`, refusing `..`, absolute paths and links out. */
async function resolveShard(realFolder: string, shardPath: unknown): Promise<string> {
  if (typeof shardPath !== 'string' || shardPath === '')
    throw invalid(`a weight shard path is not a string: ${JSON.stringify(shardPath)}`);
  const unsafe = () =>
    new ModelFileError(
      ModelFileErrorCode.UnsafePath,
      `weight shard path "${shardPath}" leaves the model folder`,
    );
  if (!shardPath.split('/').every((segment) => SAFE_SEGMENT.test(segment))) throw unsafe();
  const lexical = path.join(realFolder, ...shardPath.split('/'));
  if (!isInside(realFolder, lexical)) throw unsafe();
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw new ModelFileError(
      ModelFileErrorCode.MissingShard,
      `weight shard ${shardPath} is missing`,
    );
  }
  if (!isInside(realFolder, real)) throw unsafe();
  return real;
}

/**
 * Checks a parsed model.json against the files in `realFolder` before any weight is read:
 * every entry well-formed, total parameters ≤ maxParameters, shard paths safe and present,
 * and each group's shard sizes summing to exactly the bytes its shapes and dtypes need.
 */
export async function checkWeightsManifest(
  modelJson: Record<string, unknown>,
  realFolder: string,
  maxParameters: number,
): Promise<CheckedManifest> {
  const manifest = modelJson.weightsManifest;
  if (!Array.isArray(manifest)) throw invalid('model.json has no weightsManifest array');
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const groups: { paths: unknown[]; bytes: number }[] = [];
  const names = new Set<string>();
  let parameterCount = 0;
  let index = 0;
  for (const group of manifest) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw invalid('every weightsManifest group needs paths and weights arrays');
    let bytes = 0;
    for (const entry of group.weights) {
      const measured = measureEntry(entry, index++);
      if (names.has(measured.spec.name))
        throw invalid(`weight ${measured.spec.name} appears twice`);
      names.add(measured.spec.name);
      parameterCount += measured.elements;
      if (parameterCount > maxParameters)
        throw new ModelFileError(
          ModelFileErrorCode.TooManyParameters,
          `the manifest declares over ${maxParameters.toLocaleString('en')} parameters ` +
            `(the limit; raise FINETRACK_MAX_PARAMETERS to allow more)`,
        );
      bytes += measured.bytes;
      weightSpecs.push(measured.spec);
    }
    if (group.paths.length === 0 && bytes > 0)
      throw invalid('a weightsManifest group has weights but no paths');
    groups.push({ paths: group.paths, bytes });
  }
  const shards: WeightShard[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    let groupBytes = 0;
    const groupShards: WeightShard[] = [];
    for (const shardPath of group.paths) {
      const file = await resolveShard(realFolder, shardPath);
      if (seen.has(file)) throw invalid(`weight shard ${String(shardPath)} is listed twice`);
      seen.add(file);
      const info = await stat(file);
      if (!info.isFile()) throw invalid(`weight shard ${String(shardPath)} is not a file`);
      groupShards.push({ path: shardPath as string, file, byteLength: info.size });
      groupBytes += info.size;
    }
    if (groupBytes !== group.bytes)
      throw new ModelFileError(
        ModelFileErrorCode.SizeMismatch,
        `weight files ${group.paths.join(', ')} hold ${groupBytes} bytes but the manifest's shapes need ${group.bytes}`,
      );
    shards.push(...groupShards);
  }
  return {
    weightSpecs,
    shards,
    totalBytes: shards.reduce((sum, shard) => sum + shard.byteLength, 0),
    parameterCount,
  };
}
