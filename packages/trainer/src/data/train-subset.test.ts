import { describe, expect, it } from 'vitest';
import { loadDataset } from './load-dataset.js';
import { firstTrainSamples } from './train-subset.js';

describe('firstTrainSamples', () => {
  it('gives nested subsets of the training split and keeps the validation split', async () => {
    const dataset = await loadDataset({
      kind: 'mnist',
      classes: [3, 4],
      trainSamples: 300,
      validationSamples: 50,
      seed: 7,
    });
    const small = firstTrainSamples(dataset, 40);
    const large = firstTrainSamples(dataset, 200);
    expect(small.train.count).toBe(40);
    expect(large.train.count).toBe(200);
    const sampleSize = 28 * 28;
    expect(Array.from(large.train.labels.subarray(0, 40))).toEqual(Array.from(small.train.labels));
    expect(large.train.images.subarray(0, 40 * sampleSize)).toEqual(small.train.images);
    expect(small.validation).toBe(dataset.validation);
    expect(new Set([dataset.hash, small.hash, large.hash]).size).toBe(3);
    // Both classes are drawn, not the first files of one.
    expect(new Set(small.train.labels).size).toBe(2);
  });

  it('keeps the whole split, with a warning, when asked for more than there is', async () => {
    const dataset = await loadDataset({ kind: 'mnist', classes: [0, 1], trainSamples: 30 });
    expect(firstTrainSamples(dataset, 30)).toBe(dataset);
    const more = firstTrainSamples(dataset, 50);
    expect(more.train).toBe(dataset.train);
    expect(more.warnings).toContain('trainSamples 50 asked, only 30 available');
    expect(() => firstTrainSamples(dataset, 0)).toThrow(/positive integer/);
  });
});
