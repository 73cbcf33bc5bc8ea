import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BATCH_SIZE,
  EPOCHS,
  fineTuneLearningRateFor,
  hyperparameterProblems,
  learningRateProblem,
  scratchLearningRateFor,
  SEED,
  type HyperparameterValues,
} from './hyperparameters.js';

const valid: HyperparameterValues = {
  frozenLayers: 2,
  learningRate: 1e-3,
  epochs: 5,
  batchSize: 32,
  seed: 0,
};

describe('hyperparameterProblems', () => {
  it.each([
    [
      'a negative frozen depth',
      { frozenLayers: -1 },
      'frozenLayers',
      'frozenLayers must be an integer ≥ 0',
    ],
    [
      'a fractional frozen depth',
      { frozenLayers: 1.5 },
      'frozenLayers',
      'frozenLayers must be an integer ≥ 0',
    ],
    [
      'a frozen depth beyond the model',
      { frozenLayers: 4 },
      'frozenLayers',
      'frozenLayers must not exceed the 3 weight-bearing layers a fine-tune keeps below the classifier',
    ],
    ['a zero rate', { learningRate: 0 }, 'learningRate', 'learningRate must be finite and > 0'],
    [
      'a negative rate',
      { learningRate: -1e-3 },
      'learningRate',
      'learningRate must be finite and > 0',
    ],
    [
      'a NaN rate',
      { learningRate: Number.NaN },
      'learningRate',
      'learningRate must be finite and > 0',
    ],
    [
      'an infinite rate',
      { learningRate: Number.POSITIVE_INFINITY },
      'learningRate',
      'learningRate must be finite and > 0',
    ],
    ['zero epochs', { epochs: 0 }, 'epochs', 'epochs must be an integer from 1 to 1000'],
    ['1,001 epochs', { epochs: 1001 }, 'epochs', 'epochs must be an integer from 1 to 1000'],
    ['fractional epochs', { epochs: 2.5 }, 'epochs', 'epochs must be an integer from 1 to 1000'],
    ['a zero batch', { batchSize: 0 }, 'batchSize', 'batchSize must be an integer from 1 to 4096'],
    [
      'a batch of 4,097',
      { batchSize: 4097 },
      'batchSize',
      'batchSize must be an integer from 1 to 4096',
    ],
    ['a negative seed', { seed: -1 }, 'seed', 'seed must be an integer from 0 to 2147483647'],
    [
      'a seed past 32 bits',
      { seed: 2 ** 31 },
      'seed',
      'seed must be an integer from 0 to 2147483647',
    ],
  ])('rejects %s', (_name, patch, field, message) => {
    expect(hyperparameterProblems({ ...valid, ...patch }, { maxFrozenLayers: 3 })).toEqual([
      { field, message },
    ]);
  });

  it('accepts every bound itself', () => {
    for (const edge of [
      { frozenLayers: 0, epochs: EPOCHS.min, batchSize: BATCH_SIZE.min, seed: SEED.min },
      { frozenLayers: 3, epochs: EPOCHS.max, batchSize: BATCH_SIZE.max, seed: SEED.max },
    ])
      expect(hyperparameterProblems({ ...valid, ...edge }, { maxFrozenLayers: 3 })).toEqual([]);
  });

  it('checks only the values given and prefixes the path', () => {
    expect(hyperparameterProblems({ learningRate: 0 }, { path: 'surgery' })).toEqual([
      { field: 'surgery.learningRate', message: 'surgery.learningRate must be finite and > 0' },
    ]);
    expect(hyperparameterProblems({})).toEqual([]);
  });

  it('reports every broken field at once', () => {
    const problems = hyperparameterProblems({ frozenLayers: -1, learningRate: 0, epochs: 0 });
    expect(problems.map((problem) => problem.field)).toEqual([
      'frozenLayers',
      'learningRate',
      'epochs',
    ]);
  });

  it('rejects what is not a number at all', () => {
    expect(learningRateProblem('0.1')).not.toBeNull();
    expect(learningRateProblem(undefined, 'rate')?.field).toBe('rate');
  });
});

describe('the scratch ↔ fine-tune rate rule', () => {
  it('puts the scratch rate at ten times the fine-tuning rate', () => {
    expect(scratchLearningRateFor(1e-4)).toBeCloseTo(1e-3, 12);
    expect(fineTuneLearningRateFor(1e-3)).toBeCloseTo(1e-4, 12);
  });

  it('goes both ways (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 10, noNaN: true }), (rate) => {
        expect(fineTuneLearningRateFor(scratchLearningRateFor(rate))).toBeCloseTo(rate, 12);
      }),
    );
  });
});
