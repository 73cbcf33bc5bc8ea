import { createHash } from 'node:crypto';
import type { DatasetSplit } from './dataset.js';
import { SeededRandom } from '../random/seeded-random.js';

/** Decoded samples of one split before class selection: uint8 pixels and original labels. */
export interface PixelPool {
  /** count × sampleSize bytes, NHWC, 0..255. */
  pixels: Uint8Array;
  /** Original label of every sample (e.g. the digit). */
  labels: ArrayLike<number>;
  count: number;
  /** height × width × channels. */
  sampleSize: number;
}

/**
 * Indices of the samples whose original label is in `classes`, shuffled with `seed`, then cut to
 * `cap`. The shuffle happens before the cut so a cap draws a random subset, not the first files.
 */
export function selectSampleIndices(
  labels: ArrayLike<number>,
  classes: readonly number[],
  cap: number | undefined,
  seed: number,
): Int32Array {
  const wanted = new Set(classes);
  let kept = 0;
  for (let i = 0; i < labels.length; i++) if (wanted.has(labels[i])) kept++;
  const indices = new Int32Array(kept);
  let next = 0;
  for (let i = 0; i < labels.length; i++) if (wanted.has(labels[i])) indices[next++] = i;
  SeededRandom.forDatasetSeed(seed).shuffleInPlace(indices);
  return cap === undefined || cap >= indices.length ? indices : indices.slice(0, cap);
}

/**
 * Copies the chosen samples into a split: pixels scaled to [0, 1] floats, labels relabelled to
 * their position in `classes` (e.g. classes [5..9] → digit 7 becomes 2).
 */
export function buildSplit(
  pool: PixelPool,
  indices: ArrayLike<number>,
  classes: readonly number[],
): DatasetSplit {
  const relabel = new Map(classes.map((original, position) => [original, position]));
  const { sampleSize } = pool;
  const images = new Float32Array(indices.length * sampleSize);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i];
    const offset = source * sampleSize;
    const target = i * sampleSize;
    for (let p = 0; p < sampleSize; p++) images[target + p] = pool.pixels[offset + p] / 255;
    const label = relabel.get(pool.labels[source]);
    if (label === undefined) throw new Error(`sample ${source} has an unselected label`);
    labels[i] = label;
  }
  return { images, labels, count: indices.length };
}

/**
 * sha256 over what a dataset view contains: its kind, class names, input shape and the exact
 * samples and labels of both splits, in order. The folder's location is left out on purpose:
 * the same files with the same options give the same hash wherever they are stored.
 */
export function hashDatasetView(view: {
  kind: string;
  classNames: readonly string[];
  inputShape: readonly number[];
  train: DatasetSplit;
  validation: DatasetSplit;
}): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      format: 'finetrack-dataset-view/1',
      kind: view.kind,
      classNames: view.classNames,
      inputShape: view.inputShape,
      trainCount: view.train.count,
      validationCount: view.validation.count,
    }),
  );
  for (const split of [view.train, view.validation]) {
    hash.update(
      new Uint8Array(split.images.buffer, split.images.byteOffset, split.images.byteLength),
    );
    hash.update(
      new Uint8Array(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength),
    );
  }
  return hash.digest('hex');
}
