import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.js';
import { loadDataset } from './load-dataset.js';
import { readMnistSplit } from './mnist.js';
import { selectSampleIndices } from './dataset-view.js';

describe('loadDataset: MNIST', () => {
  it('reads the real 60,000 training and 10,000 test images', async () => {
    const sut = await loadDataset({ kind: 'mnist', classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(sut.train.count).toBe(60_000);
    expect(sut.validation.count).toBe(10_000);
    expect(sut.train.images.length).toBe(60_000 * 28 * 28);
    expect(sut.inputShape).toEqual([28, 28, 1]);
    expect(sut.name).toBe('mnist[0,1,2,3,4,5,6,7,8,9]');
    const perDigit = new Array(10).fill(0);
    for (const label of sut.train.labels) perDigit[label]++;
    // The published MNIST training counts per digit.
    expect(perDigit).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    let max = 0;
    for (let i = 0; i < 784 * 100; i++) max = Math.max(max, sut.train.images[i]);
    expect(max).toBe(1);
  });

  it('keeps only the asked digits and relabels them in the order given', async () => {
    const sut = await loadDataset({ kind: 'mnist', classes: [5, 6, 7, 8, 9], seed: 3 });
    expect(sut.classNames).toEqual(['5', '6', '7', '8', '9']);
    expect(sut.train.count).toBe(5421 + 5918 + 6265 + 5851 + 5949);
    expect(new Set(sut.train.labels)).toEqual(new Set([0, 1, 2, 3, 4]));
    // Cross-check against the raw file: the same seeded selection gives digit = label + 5.
    const raw = await readMnistSplit('train');
    const indices = selectSampleIndices(raw.labels, [5, 6, 7, 8, 9], undefined, 3);
    for (let i = 0; i < 200; i++) {
      expect(sut.train.labels[i]).toBe(raw.labels[indices[i]] - 5);
      expect(sut.train.images[i * 784 + 400]).toBeCloseTo(
        raw.pixels[indices[i] * 784 + 400] / 255,
        6,
      );
    }
  });

  it('caps sample counts after a seeded shuffle', async () => {
    const sut = await loadDataset({
      kind: 'mnist',
      classes: [0, 1],
      trainSamples: 300,
      validationSamples: 50,
      seed: 1,
    });
    expect(sut.train.count).toBe(300);
    expect(sut.validation.count).toBe(50);
    expect(sut.train.images.length).toBe(300 * 784);
    // A shuffled cap draws both classes, not the first 300 files of one.
    expect(new Set(sut.train.labels)).toEqual(new Set([0, 1]));
  });

  it('is deterministic per seed and the hash follows the content', async () => {
    const spec = {
      kind: 'mnist' as const,
      classes: [3, 8],
      trainSamples: 200,
      validationSamples: 20,
    };
    const first = await loadDataset({ ...spec, seed: 7 });
    const again = await loadDataset({ ...spec, seed: 7 });
    const other = await loadDataset({ ...spec, seed: 8 });
    expect(again.train.labels).toEqual(first.train.labels);
    expect(again.train.images).toEqual(first.train.images);
    expect(again.hash).toBe(first.hash);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(other.hash).not.toBe(first.hash);
    expect(other.train.labels).not.toEqual(first.train.labels);
  });

  it('warns when a cap asks for more than exists', async () => {
    const sut = await loadDataset({ kind: 'mnist', classes: [0, 1], validationSamples: 5000 });
    expect(sut.validation.count).toBe(980 + 1135);
    expect(sut.warnings.join()).toMatch(/validationSamples 5000 asked, only 2115/);
  });
});

describe('loadDataset: Fashion-MNIST', () => {
  it('reads only the asked classes, 6,000 training and 1,000 validation images each', async () => {
    const sut = await loadDataset({
      kind: 'fashion-mnist',
      classes: [8, 0],
      trainSamples: 2000,
      seed: 2,
    });
    expect(sut.classNames).toEqual(['Bag', 'T-shirt/top']);
    expect(sut.train.count).toBe(2000);
    expect(sut.validation.count).toBe(2000);
    expect(new Set(sut.train.labels)).toEqual(new Set([0, 1]));
    const full = await loadDataset({ kind: 'fashion-mnist', classes: [1, 2] });
    expect(full.train.count).toBe(12_000);
    expect(full.validation.count).toBe(2_000);
  });
});

describe('loadDataset: bad specs', () => {
  it.each([
    ['an unknown kind', { kind: 'cifar10', classes: [0, 1] }, 'INVALID_DATASET_SPEC'],
    ['a class over 9', { kind: 'mnist', classes: [0, 10] }, 'INVALID_DATASET_SPEC'],
    ['a negative class', { kind: 'mnist', classes: [-1, 2] }, 'INVALID_DATASET_SPEC'],
    ['repeated classes', { kind: 'mnist', classes: [1, 1] }, 'INVALID_DATASET_SPEC'],
    ['a single class', { kind: 'fashion-mnist', classes: [1] }, 'INVALID_DATASET_SPEC'],
    ['a zero cap', { kind: 'mnist', classes: [0, 1], trainSamples: 0 }, 'INVALID_DATASET_SPEC'],
    [
      'a fractional cap',
      { kind: 'mnist', classes: [0, 1], validationSamples: 1.5 },
      'INVALID_DATASET_SPEC',
    ],
    ['a folder without path', { kind: 'folder', path: '' }, 'INVALID_DATASET_SPEC'],
  ])('rejects %s', async (_name, spec, code) => {
    await expect(loadDataset(spec as never)).rejects.toSatisfy(
      (error) => error instanceof DatasetError && error.code === code,
    );
  });

  it('rejects a model input shape MNIST cannot provide', async () => {
    await expect(
      loadDataset({ kind: 'mnist', classes: [0, 1] }, { inputShape: [32, 32, 3] }),
    ).rejects.toMatchObject({ code: 'INCOMPATIBLE_SHAPE' });
  });
});
