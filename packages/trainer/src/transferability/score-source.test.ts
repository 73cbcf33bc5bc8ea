import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MAX_SCORE_SAMPLES } from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import { leep, logMe, rowMatrix } from './index.js';
import { scoreSourceModel } from './score-source.js';

/** Samples whose four pixels carry their class (0, 1 or 2), with a little seeded noise. */
function dataset(count: number): LoadedDataset {
  const images = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 4; p++)
      images[i * 4 + p] = (p === labels[i] ? 1 : 0) + 0.05 * Math.sin(i * 12.9898 + p * 78.233);
  }
  const split = { images, labels, count };
  return {
    name: 'pixels',
    classNames: ['a', 'b', 'c'],
    inputShape: [2, 2, 1],
    train: split,
    validation: split,
    hash: 'h',
    warnings: [],
  };
}

function source(): tf.LayersModel {
  const input = tf.input({ shape: [2, 2, 1] });
  const flat = tf.layers.flatten({ name: 'features' }).apply(input) as tf.SymbolicTensor;
  const head = tf.layers
    .dense({
      units: 5,
      activation: 'softmax',
      name: 'head',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: head });
}

describe('scoreSourceModel', () => {
  it('scores the features below the head and the head’s predictions, in bounded batches', () => {
    const data = dataset(300); // more than one evaluation batch
    const model = source();
    const score = scoreSourceModel(model, data);
    expect(score).toMatchObject({ cutLayer: 'features', featureDimensions: 4, samples: 300 });
    const pixels = Array.from({ length: 300 }, (_, i) =>
      Array.from(data.train.images.subarray(i * 4, i * 4 + 4)),
    );
    expect(score.logMe).toBeCloseTo(logMe(rowMatrix(pixels), data.train.labels, 3).score, 6);
    const probabilities = model.predict(
      tf.tensor4d(data.train.images, [300, 2, 2, 1]),
    ) as tf.Tensor2D;
    expect(score.leep).toBeCloseTo(
      leep(rowMatrix(probabilities.arraySync()), data.train.labels, 3),
      6,
    );
    expect(score.nce).toBeLessThanOrEqual(0);
  });

  it('feeds the source its own pixel scaling, as fine-tuning does', () => {
    const data = dataset(60);
    const scaled = {
      ...data,
      train: { ...data.train, images: data.train.images.map((value) => value * 2 - 1) },
    };
    const model = source();
    const symmetric = scoreSourceModel(model, data, { preprocessing: 'symmetric' });
    const byHand = scoreSourceModel(model, scaled);
    expect(symmetric.logMe).toBeCloseTo(byHand.logMe, 6);
    expect(symmetric.leep).toBeCloseTo(byHand.leep!, 6);
  });

  it('leaves LEEP and NCE out for a source without a softmax classifier', () => {
    const input = tf.input({ shape: [2, 2, 1] });
    const flat = tf.layers.flatten({ name: 'features' }).apply(input) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 5, name: 'logits' }).apply(flat) as tf.SymbolicTensor;
    const score = scoreSourceModel(tf.model({ inputs: input, outputs: logits }), dataset(30));
    expect(score).toMatchObject({ leep: null, nce: null, cutLayer: 'features' });
    expect(Number.isFinite(score.logMe)).toBe(true);
  });

  it('scores only the first samples when asked, as a size sweep’s subset', () => {
    const score = scoreSourceModel(source(), dataset(300), { samples: 30 });
    expect(score.samples).toBe(30);
  });

  it('scores features wider than the samples as the explicit LogME does', () => {
    // Three samples of four features: F Fᵀ is computed on the backend.
    const data = dataset(3);
    const score = scoreSourceModel(source(), data);
    expect(score).toMatchObject({ featureDimensions: 4, samples: 3 });
    const pixels = Array.from({ length: 3 }, (_, i) =>
      Array.from(data.train.images.subarray(i * 4, i * 4 + 4)),
    );
    expect(score.logMe).toBeCloseTo(logMe(rowMatrix(pixels), data.train.labels, 3).score, 5);
  });

  it('reads no more than MAX_SCORE_SAMPLES, the first ones, whatever the subset', () => {
    const data = dataset(MAX_SCORE_SAMPLES + 40);
    const score = scoreSourceModel(source(), data);
    expect(score.samples).toBe(MAX_SCORE_SAMPLES);
    const first = { ...data, train: { ...data.train, count: MAX_SCORE_SAMPLES } };
    expect(score.logMe).toBe(scoreSourceModel(source(), first).logMe);
  });

  it('scores features that carry the classes above features that do not', () => {
    const data = dataset(120);
    const noise = {
      ...data,
      train: {
        ...data.train,
        labels: data.train.labels.map((_, i) =>
          Math.floor(((((Math.sin(i * 91.7) * 43758.5) % 1) + 1) % 1) * 3),
        ),
      },
    };
    expect(scoreSourceModel(source(), data).logMe).toBeGreaterThan(
      scoreSourceModel(source(), noise as LoadedDataset).logMe,
    );
  });
});
