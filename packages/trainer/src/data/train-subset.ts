import { createHash } from 'node:crypto';
import type { LoadedDataset } from './dataset.js';

/**
 * The dataset with only its first `trainSamples` training samples: what a sweep's training-set
 * size axis runs on. Every loader shuffles the training split with the dataset's own seed before
 * anything reads it, so the first n samples are a random subset, and the subsets of one dataset
 * are nested: the 100-sample subset is the start of the 1,000-sample one, whatever the run's
 * seed. The validation split is untouched, so every size is measured on the same samples. The
 * arrays are views of the parent's, not copies.
 */
export function firstTrainSamples(dataset: LoadedDataset, trainSamples: number): LoadedDataset {
  if (!(Number.isInteger(trainSamples) && trainSamples > 0))
    throw new RangeError(`trainSamples must be a positive integer, got ${trainSamples}`);
  const { train } = dataset;
  if (trainSamples >= train.count)
    return trainSamples === train.count
      ? dataset
      : {
          ...dataset,
          warnings: [
            ...dataset.warnings,
            `trainSamples ${trainSamples} asked, only ${train.count} available`,
          ],
        };
  const sampleSize = train.images.length / train.count;
  return {
    ...dataset,
    name: `${dataset.name}[:${trainSamples}]`,
    train: {
      images: train.images.subarray(0, trainSamples * sampleSize),
      labels: train.labels.subarray(0, trainSamples),
      count: trainSamples,
    },
    hash: createHash('sha256')
      .update(`${dataset.hash}\ntrain-prefix:${trainSamples}`)
      .digest('hex'),
  };
}
