import { ARTIFACT_FILE_NAME_PATTERN } from '../worker-protocol.js';
import { CONVERT_HINT, MAX_IMPORT_PARAMETERS } from './import-limits.js';
import { ModelImportError } from './model-import-error.js';

const PLAIN_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** One weight of the manifest, measured. */
export interface ManifestWeight {
  name: string;
  shape: number[];
  /** Elements (= parameters) of the weight. */
  elements: number;
}

/** A manifest checked against the shard sizes; nothing has been read. */
export interface CheckedLayersManifest {
  weights: ManifestWeight[];
  /** Shard file names in the order their bytes concatenate. */
  shardOrder: string[];
  totalBytes: number;
  parameterCount: number;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Files a model folder may hold beside its shards; finetrack.json (a download's record) is ignored. */
export const FOLDER_EXTRAS: ReadonlySet<string> = new Set(['model.json', 'finetrack.json']);

const bad = (message: string, field = 'model.json') => new ModelImportError(message, field);

/**
 * Refuses what is not a tfjs Layers model.json: not an object, a graph model (its topology has
 * `node`s), no `modelTopology`, no `weightsManifest`.
 */
export function requireLayersModelJson(modelJson: unknown): Record<string, unknown> {
  if (!isRecord(modelJson)) throw bad('model.json is not a JSON object');
  const topology = modelJson.modelTopology;
  if (modelJson.format === 'graph-model' || (isRecord(topology) && 'node' in topology))
    throw bad(
      `model.json is a TensorFlow.js graph model, which cannot be fine-tuned; convert the Keras model to a Layers model instead: ${CONVERT_HINT}`,
    );
  if (!isRecord(topology)) throw bad('model.json has no modelTopology object');
  if (!Array.isArray(modelJson.weightsManifest)) throw bad('model.json has no weightsManifest');
  return modelJson;
}

function measure(entry: unknown, index: number): ManifestWeight & { bytes: number } {
  if (!isRecord(entry)) throw bad(`weight ${index} of the manifest is not an object`);
  const { name, shape, dtype, quantization } = entry;
  if (typeof name !== 'string' || name === '') throw bad(`weight ${index} has no name`);
  if (!Array.isArray(shape) || shape.length > 8) throw bad(`weight ${name} has no valid shape`);
  let elements = 1;
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || (size as number) < 0)
      throw bad(`weight ${name} has a bad dimension ${String(size)}`);
    // Clamped: anything this large is over every limit, and stays an exact integer.
    elements = Math.min(elements * (size as number), Number.MAX_SAFE_INTEGER / 8);
  }
  if (typeof dtype !== 'string' || PLAIN_BYTES[dtype] === undefined)
    throw bad(
      `weight ${name} has dtype ${String(dtype)}; layers models use float32, int32 or bool`,
    );
  let bytesPerElement = PLAIN_BYTES[dtype];
  if (quantization !== undefined) {
    const kind = isRecord(quantization) ? quantization.dtype : undefined;
    if (typeof kind !== 'string' || QUANTIZED_BYTES[kind] === undefined)
      throw bad(`weight ${name} has an unknown quantization (uint8, uint16 or float16)`);
    const q = quantization as Record<string, unknown>;
    if (kind === 'float16' && dtype !== 'float32')
      throw bad(`weight ${name}: float16 quantization needs float32 weights`);
    if (kind !== 'float16' && (!Number.isFinite(q.scale) || !Number.isFinite(q.min)))
      throw bad(`weight ${name}: ${kind} quantization needs finite scale and min`);
    bytesPerElement = QUANTIZED_BYTES[kind];
  }
  return { name, shape: shape as number[], elements, bytes: elements * bytesPerElement };
}

/**
 * Checks a Layers model.json's weightsManifest against the files that came with it
 * (`fileSizes`: file name → bytes, model.json included or not): every weight well-formed, at most
 * `maxParameters` in all, every shard path a plain file name that is present, each group's
 * shards exactly the bytes its shapes, dtypes and quantization need, and no file left over.
 */
export function checkLayersManifest(
  modelJson: Record<string, unknown>,
  fileSizes: ReadonlyMap<string, number>,
  maxParameters = MAX_IMPORT_PARAMETERS,
): CheckedLayersManifest {
  const manifest = modelJson.weightsManifest as unknown[];
  const weights: ManifestWeight[] = [];
  const names = new Set<string>();
  const shardOrder: string[] = [];
  let parameterCount = 0;
  let index = 0;
  for (const group of manifest) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw bad('every weightsManifest group needs paths and weights arrays');
    let needed = 0;
    for (const entry of group.weights) {
      const weight = measure(entry, index++);
      if (names.has(weight.name)) throw bad(`weight ${weight.name} appears twice`);
      names.add(weight.name);
      parameterCount += weight.elements;
      if (parameterCount > maxParameters)
        throw bad(
          `the manifest declares over ${maxParameters.toLocaleString('en')} parameters, the most an imported model may have`,
        );
      needed += weight.bytes;
      weights.push({ name: weight.name, shape: weight.shape, elements: weight.elements });
    }
    let held = 0;
    for (const shard of group.paths) {
      if (typeof shard !== 'string' || !ARTIFACT_FILE_NAME_PATTERN.test(shard))
        throw bad(`weight shard path ${JSON.stringify(shard)} is not a plain file name`);
      if (shardOrder.includes(shard)) throw bad(`weight shard ${shard} is listed twice`);
      const size = fileSizes.get(shard);
      if (size === undefined) throw bad(`weight shard ${shard} is missing`, shard);
      shardOrder.push(shard);
      held += size;
    }
    if (held !== needed)
      throw bad(
        `weight files ${group.paths.join(', ')} hold ${held} bytes but the manifest's shapes need ${needed}`,
        String(group.paths[0] ?? 'model.json'),
      );
  }
  for (const file of fileSizes.keys())
    if (!FOLDER_EXTRAS.has(file) && !shardOrder.includes(file))
      throw bad(`${file} is not a weight shard of model.json's manifest`, file);
  const totalBytes = shardOrder.reduce((sum, file) => sum + fileSizes.get(file)!, 0);
  return { weights, shardOrder, totalBytes, parameterCount };
}
