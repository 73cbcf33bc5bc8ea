import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EpochRecord } from './types.js';

/** One saved tensor: values in row-major order. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Everything needed to continue a run after `epoch` as if it had never stopped.
 * Model weights are in `model.weights` order; optimizer weights in `optimizer.getWeights()` order.
 */
export interface TrainingCheckpoint {
  /** Epochs completed (1-based count). */
  epoch: number;
  /** Optimizer steps completed. */
  globalStep: number;
  /** State of the run's SeededRandom after `epoch` (drives shuffles and dropout). */
  randomState: number;
  modelWeights: SavedTensor[];
  optimizerName: string;
  optimizerWeights: SavedTensor[];
  history: EpochRecord[];
  /** Early-stopping bookkeeping. */
  bestMonitorValue: number | null;
  epochsWithoutImprovement: number;
}

/** File names inside a checkpoint directory. */
export const CHECKPOINT_JSON = 'checkpoint.json';
export const CHECKPOINT_BIN = 'checkpoint.bin';
const FORMAT = 'finetrack-checkpoint';
const VERSION = 1;

/** Thrown for a missing, malformed or mismatched checkpoint. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** Reads tensors into plain arrays (copies, so the checkpoint outlives the variables). */
export async function saveTensors(
  named: { name: string; tensor: tf.Tensor }[],
): Promise<SavedTensor[]> {
  return Promise.all(
    named.map(async ({ name, tensor }) => ({
      name,
      shape: tensor.shape.slice(),
      values: new Float32Array((await tensor.data()) as Float32Array),
    })),
  );
}

interface ManifestEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into checkpoint.bin. */
  offset: number;
}

interface CheckpointManifest {
  format: typeof FORMAT;
  version: number;
  epoch: number;
  globalStep: number;
  randomState: number;
  optimizerName: string;
  modelWeights: ManifestEntry[];
  optimizerWeights: ManifestEntry[];
  history: EpochRecord[];
  bestMonitorValue: number | null;
  epochsWithoutImprovement: number;
}

/**
 * Writes `checkpoint.json` (metadata, history, tensor manifest) and `checkpoint.bin`
 * (float32 little-endian values of all tensors, model first) into `directory`, replacing
 * an older checkpoint atomically (write to temporary names, then rename).
 */
export async function writeCheckpoint(
  directory: string,
  checkpoint: TrainingCheckpoint,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  let offset = 0;
  const place = (tensors: SavedTensor[]): ManifestEntry[] =>
    tensors.map((tensor) => {
      const entry = { name: tensor.name, shape: tensor.shape, offset };
      offset += tensor.values.length;
      return entry;
    });
  const manifest: CheckpointManifest = {
    format: FORMAT,
    version: VERSION,
    epoch: checkpoint.epoch,
    globalStep: checkpoint.globalStep,
    randomState: checkpoint.randomState,
    optimizerName: checkpoint.optimizerName,
    modelWeights: place(checkpoint.modelWeights),
    optimizerWeights: place(checkpoint.optimizerWeights),
    history: checkpoint.history,
    bestMonitorValue: checkpoint.bestMonitorValue,
    epochsWithoutImprovement: checkpoint.epochsWithoutImprovement,
  };
  const values = new Float32Array(offset);
  const tensors = [...checkpoint.modelWeights, ...checkpoint.optimizerWeights];
  const entries = [...manifest.modelWeights, ...manifest.optimizerWeights];
  tensors.forEach((tensor, index) => values.set(tensor.values, entries[index].offset));
  const binaryPath = join(directory, CHECKPOINT_BIN);
  const jsonPath = join(directory, CHECKPOINT_JSON);
  await writeFile(
    `${binaryPath}.tmp`,
    Buffer.from(values.buffer, values.byteOffset, values.byteLength),
  );
  await writeFile(`${jsonPath}.tmp`, JSON.stringify(manifest));
  await rename(`${binaryPath}.tmp`, binaryPath);
  await rename(`${jsonPath}.tmp`, jsonPath);
}

/** Reads a checkpoint written by writeCheckpoint; throws CheckpointError when it is unusable. */
export async function readCheckpoint(directory: string): Promise<TrainingCheckpoint> {
  let manifest: CheckpointManifest;
  let binary: Buffer;
  try {
    manifest = JSON.parse(
      await readFile(join(directory, CHECKPOINT_JSON), 'utf8'),
    ) as CheckpointManifest;
    binary = await readFile(join(directory, CHECKPOINT_BIN));
  } catch (error) {
    throw new CheckpointError(
      `No readable checkpoint in ${directory}: ${(error as Error).message}`,
    );
  }
  if (manifest.format !== FORMAT || manifest.version !== VERSION) {
    throw new CheckpointError(`${directory} does not hold a ${FORMAT} v${VERSION}`);
  }
  const values = new Float32Array(
    binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.byteLength),
  );
  const load = (entries: ManifestEntry[]): SavedTensor[] =>
    entries.map((entry) => {
      const size = entry.shape.reduce((product, dimension) => product * dimension, 1);
      if (entry.offset + size > values.length) {
        throw new CheckpointError(`${CHECKPOINT_BIN} is shorter than its manifest says`);
      }
      return {
        name: entry.name,
        shape: entry.shape,
        values: values.slice(entry.offset, entry.offset + size),
      };
    });
  return {
    epoch: manifest.epoch,
    globalStep: manifest.globalStep,
    randomState: manifest.randomState,
    optimizerName: manifest.optimizerName,
    modelWeights: load(manifest.modelWeights),
    optimizerWeights: load(manifest.optimizerWeights),
    history: manifest.history,
    bestMonitorValue: manifest.bestMonitorValue,
    epochsWithoutImprovement: manifest.epochsWithoutImprovement,
  };
}
