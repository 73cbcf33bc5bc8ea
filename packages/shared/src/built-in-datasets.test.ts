import { describe, expect, it } from 'vitest';
import { BUILT_IN_DATASETS, builtInDatasetInput } from './built-in-datasets.js';

describe('built-in datasets', () => {
  it('count the original MNIST split and Fashion-MNIST 6:1 cut', () => {
    const [mnist, fashion] = BUILT_IN_DATASETS;
    expect(mnist.trainPerClass.reduce((a, b) => a + b)).toBe(60_000);
    expect(mnist.validationPerClass.reduce((a, b) => a + b)).toBe(10_000);
    expect(fashion.trainPerClass.reduce((a, b) => a + b)).toBe(60_000);
    expect(fashion.classNames).toHaveLength(10);
  });

  it.each([
    {
      selection: { kind: 'mnist' as const, classes: [5, 6] },
      counts: [5421 + 5918, 892 + 958],
      names: ['5', '6'],
    },
    {
      selection: {
        kind: 'mnist' as const,
        classes: [0, 1],
        trainSamples: 500,
        validationSamples: 5000,
      },
      counts: [500, 980 + 1135],
      names: ['0', '1'],
    },
    {
      selection: { kind: 'fashion-mnist' as const, classes: [9, 8], seed: 3, trainSamples: 100 },
      counts: [100, 2000],
      names: ['Ankle boot', 'Bag'],
    },
  ])('$selection → $counts', ({ selection, counts, names }) => {
    const input = builtInDatasetInput(selection);
    expect([input.trainSamples, input.validationSamples]).toEqual(counts);
    expect(input.classNames).toEqual(names);
    expect(input.spec).toEqual({ ...selection });
  });
});
