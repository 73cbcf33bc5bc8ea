import { describe, expect, it } from 'vitest';
import type { SweepSpec } from '../sweep.js';
import { countSweepRuns } from '../sweep.js';
import { MAX_SWEEP_RUNS, MAX_TRAIN_SAMPLE_SIZES, sweepProblems } from './sweep.js';
import { A_SWEEP as base } from '../testing/sweep-fixture.js';

describe('sweepProblems', () => {
  it.each([
    ['empty frozenLayers', { frozenLayers: [] }, 'frozenLayers'],
    ['empty learningRates', { learningRates: [] }, 'learningRates'],
    ['empty seeds', { seeds: [] }, 'seeds'],
    ['negative frozenLayers', { frozenLayers: [-1] }, 'frozenLayers'],
    ['fractional frozenLayers', { frozenLayers: [1.5] }, 'frozenLayers'],
    ['zero learning rate', { learningRates: [0] }, 'learningRates'],
    ['negative learning rate', { learningRates: [-0.1] }, 'learningRates'],
    ['NaN learning rate', { learningRates: [Number.NaN] }, 'learningRates'],
    ['infinite learning rate', { learningRates: [Number.POSITIVE_INFINITY] }, 'learningRates'],
    ['zero scratch rate', { scratchLearningRate: 0 }, 'scratchLearningRate'],
    ['a fractional seed', { seeds: [0.5] }, 'seeds'],
    ['a negative seed', { seeds: [-1] }, 'seeds'],
    ['empty trainSamples', { trainSamples: [] }, 'trainSamples'],
    [
      'more sizes than a size axis takes',
      { trainSamples: Array.from({ length: MAX_TRAIN_SAMPLE_SIZES + 1 }, (_, i) => i + 1) },
      'trainSamples',
    ],
    ['a training-set size of 0', { trainSamples: [100, 0] }, 'trainSamples'],
    ['a fractional training-set size', { trainSamples: [10.5] }, 'trainSamples'],
    [
      'sizes that multiply past the run limit (510 runs each, three sizes)',
      {
        frozenLayers: [...Array(10).keys()],
        learningRates: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5],
        seeds: [...Array(10).keys()],
        trainSamples: [1, 2, 3],
      },
      'sweep',
    ],
    [
      'a crop past the augmentation limit',
      { augmentation: { flip: false, crop: 0.6, rotation: 0 } },
      'augmentation.crop',
    ],
    [
      'a negative rotation',
      { augmentation: { flip: true, crop: 0, rotation: -3 } },
      'augmentation.rotation',
    ],
    ['zero epochs', { epochs: 0 }, 'epochs'],
    ['1,001 epochs', { epochs: 1001 }, 'epochs'],
    ['zero batch size', { batchSize: 0 }, 'batchSize'],
    ['a batch of 4,097', { batchSize: 4097 }, 'batchSize'],
    [
      'a list longer than any sweep',
      { learningRates: Array.from({ length: MAX_SWEEP_RUNS + 1 }, (_, i) => (i + 1) / 1e5) },
      'learningRates',
    ],
    [
      'over the run limit',
      {
        frozenLayers: [...Array(11).keys()],
        learningRates: [...Array(10).keys()].map((i) => 10 ** -(i + 1)),
        seeds: [...Array(10).keys()],
      },
      'sweep',
    ],
  ])('rejects %s', (_name, patch, field) => {
    const problems = sweepProblems({ ...base, ...patch } as SweepSpec);
    expect(problems.map((problem) => problem.field)).toEqual([field]);
  });

  it('refuses a training-set size larger than the dataset’s training split', () => {
    expect(
      sweepProblems({ ...base, trainSamples: [100, 600] }, { datasetTrainSamples: 500 }),
    ).toEqual([
      {
        field: 'trainSamples',
        message: "trainSamples must not exceed the dataset's 500 training samples, got 600",
      },
    ]);
    expect(sweepProblems({ ...base, trainSamples: [500] }, { datasetTrainSamples: 500 })).toEqual(
      [],
    );
  });

  it('accepts the limits themselves', () => {
    expect(sweepProblems({ ...base, epochs: 1000, batchSize: 4096, seeds: [0] })).toEqual([]);
  });

  it('names the bad entry and prefixes the field path', () => {
    expect(sweepProblems({ ...base, learningRates: [0.1, -1] }, { path: 'sweep' })).toEqual([
      {
        field: 'sweep.learningRates',
        message: 'sweep.learningRates must be finite and > 0, got -1',
      },
    ]);
  });

  it('lists every broken field, not only the first', () => {
    const problems = sweepProblems({ ...base, epochs: 0, batchSize: 0, learningRates: [] });
    expect(problems.map((problem) => problem.field)).toEqual([
      'learningRates',
      'epochs',
      'batchSize',
    ]);
  });

  it('rejects depths beyond the model', () => {
    expect(sweepProblems(base, { maxFrozenLayers: 3 })).toEqual([
      {
        field: 'frozenLayers',
        message:
          'frozenLayers must not exceed the 3 weight-bearing layers a fine-tune keeps below the classifier, got 4',
      },
    ]);
    expect(sweepProblems(base, { maxFrozenLayers: 4 })).toEqual([]);
  });

  it('accepts exactly the run limit', () => {
    const sweep = {
      ...base,
      frozenLayers: [...Array(10).keys()],
      learningRates: [...Array(10).keys()].map((i) => 10 ** -(i + 1)),
      seeds: [...Array(10).keys()],
      includeScratchBaseline: false,
    };
    expect(countSweepRuns(sweep)).toBe(MAX_SWEEP_RUNS);
    expect(sweepProblems(sweep)).toEqual([]);
  });
});
