import * as tf from '@tensorflow/tfjs';
import type { FeatureCacheStatus } from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import type { FrozenPrefix } from '../model/frozen-prefix.js';
import { executeGraph, type GraphNode } from '../model/graph.js';
import { inferenceBatchSize } from './evaluation.js';

/** Feature caches larger than this (train + validation, bytes) are not built in 'auto' mode. */
export const FEATURE_CACHE_LIMIT_BYTES = 384 * 1024 * 1024;

export type FeatureCacheMode = 'auto' | 'always' | 'never';

/**
 * The frozen prefix's outputs at its boundary, computed once per split in inference mode, so
 * epochs train only the layers after it. Frozen layers run in inference mode either way, so a
 * cached epoch computes what an uncached one would.
 */
export class FeatureCache {
  readonly train = new Map<string, tf.Tensor>();
  readonly validation = new Map<string, tf.Tensor>();
  private isBuilt = false;

  constructor(
    private readonly graph: readonly GraphNode[],
    private readonly boundary: readonly string[],
    /** Whether to build it at all (see `decideFeatureCache`). */
    readonly enabled: boolean,
  ) {}

  /** True once built: batches and evaluation then read from it. */
  get built(): boolean {
    return this.isBuilt;
  }

  /** Builds both splits' features when enabled and not yet built. */
  buildOnce(trainImages: tf.Tensor4D, validationImages: tf.Tensor4D): void {
    if (!this.enabled || this.isBuilt) {
      return;
    }
    buildFeatures(this.graph, this.boundary, trainImages, this.train);
    buildFeatures(this.graph, this.boundary, validationImages, this.validation);
    this.isBuilt = true;
  }

  /** The cached training features of the samples at `indices` (new tensors). */
  gatherTrain(indices: tf.Tensor1D): Map<string, tf.Tensor> {
    return new Map([...this.train].map(([name, tensor]) => [name, tf.gather(tensor, indices)]));
  }

  dispose(): void {
    tf.dispose([...this.train.values(), ...this.validation.values()]);
  }
}

export type { FeatureCacheStatus };

/**
 * Decides the cache (shared's FeatureCacheStatus says why it is off): something is frozen, the prefix has a boundary, the training images are not
 * augmented, and in 'auto' mode the boundary's float32 outputs for every sample fit in
 * FEATURE_CACHE_LIMIT_BYTES. Augmentation wins over 'always': a cache of unaugmented features
 * would silently train without it.
 */
export function decideFeatureCache(
  mode: FeatureCacheMode,
  prefix: FrozenPrefix,
  graph: readonly GraphNode[],
  dataset: LoadedDataset,
  augmented: boolean,
): FeatureCacheStatus {
  if (!prefix.hasFrozenWeights || prefix.boundary.length === 0) return 'off: nothing frozen';
  if (mode === 'never') return 'off: disabled';
  if (augmented) return 'bypassed: augmentation';
  if (mode === 'always') return 'used';
  const byName = new Map(graph.map((node) => [node.layer.name, node.layer]));
  const floatsPerSample = prefix.boundary.reduce((sum, name) => {
    const shape = byName.get(name)!.outputShape as (number | null)[];
    return sum + shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
  }, 0);
  const bytes = floatsPerSample * 4 * (dataset.train.count + dataset.validation.count);
  return bytes <= FEATURE_CACHE_LIMIT_BYTES ? 'used' : 'off: too large';
}

/** Runs the frozen prefix once over all samples, in inference mode, and keeps its outputs. */
function buildFeatures(
  graph: readonly GraphNode[],
  boundary: readonly string[],
  images: tf.Tensor4D,
  into: Map<string, tf.Tensor>,
): void {
  const count = images.shape[0];
  const parts = boundary.map(() => [] as tf.Tensor[]);
  const batch = inferenceBatchSize(graph);
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    const outputs = tf.tidy(() =>
      executeGraph(graph, images.slice(start, size), boundary, {
        trainingLayers: new Set(),
        dropoutSeed: 0,
      }),
    );
    outputs.forEach((output, index) => parts[index].push(output));
  }
  if (count === 0) {
    return;
  }
  boundary.forEach((name, index) => {
    into.set(name, parts[index].length === 1 ? parts[index][0] : tf.concat(parts[index]));
    if (parts[index].length > 1) {
      tf.dispose(parts[index]);
    }
  });
}
