import * as tf from '@tensorflow/tfjs';
import { perClassAccuracy } from '@finetrack/shared';
import { describe, expect, it } from 'vitest';
import type { LoadedDataset } from '../data/dataset.js';
import { validationConfusion } from './confusion.js';

/** Two classes told apart by the first pixel: bright is class 1. */
function twoClassDataset(count: number): LoadedDataset {
  const images = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    images[i * 4] = i % 2 === 1 ? 1 : 0;
  }
  const split = { images, labels, count };
  return {
    name: 'bright',
    classNames: ['dark', 'bright'],
    inputShape: [2, 2, 1],
    train: split,
    validation: split,
    hash: 'h',
    warnings: [],
  };
}

describe('validationConfusion', () => {
  it('counts actual × predicted over the whole split, batch by batch', () => {
    // A fixed model: class 1 when the first pixel is above 0.5, so every sample is right…
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [2, 2, 1] }),
        tf.layers.dense({
          units: 2,
          weights: [
            tf.tensor2d([
              [-10, 10],
              [0, 0],
              [0, 0],
              [0, 0],
            ]),
            tf.tensor1d([5, -5]),
          ],
        }),
      ],
    });
    // …across more samples than one evaluation batch holds.
    const matrix = validationConfusion(model, twoClassDataset(600))!;
    expect(matrix.classNames).toEqual(['dark', 'bright']);
    expect(matrix.counts).toEqual([
      [300, 0],
      [0, 300],
    ]);
    expect(perClassAccuracy(matrix)).toEqual([1, 1]);
  });

  it('puts every sample of a model that always answers class 0 in the first column', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [2, 2, 1] }),
        tf.layers.dense({ units: 2, kernelInitializer: 'zeros', biasInitializer: 'zeros' }),
      ],
    });
    expect(validationConfusion(model, twoClassDataset(10))!.counts).toEqual([
      [5, 0],
      [5, 0],
    ]);
  });

  it('has nothing to say without a validation split', () => {
    const dataset = twoClassDataset(4);
    const empty = { ...dataset, validation: { ...dataset.validation, count: 0 } };
    expect(validationConfusion(tf.sequential(), empty)).toBeNull();
  });
});
