import { describe, expect, it } from 'vitest';
import { computeToTarget, speedupOverScratch, type CostPoint } from './compute-to-target.js';

const curve = (accuracies: number[], samplesPerEpoch = 100, secondsPerEpoch = 2): CostPoint[] =>
  accuracies.map((valAccuracy, i) => ({
    epoch: i + 1,
    valAccuracy,
    samples: (i + 1) * samplesPerEpoch,
    seconds: (i + 1) * secondsPerEpoch,
    flops: (i + 1) * 1e9,
  }));

describe('computeToTarget', () => {
  it('answers the cost at the first epoch that reaches the target', () => {
    expect(computeToTarget(curve([0.5, 0.8, 0.9, 0.85]), 0.8)).toEqual({
      epochs: 2,
      samples: 200,
      seconds: 4,
      flops: 2e9,
    });
  });

  it('does not depend on the order points arrive in', () => {
    expect(computeToTarget([...curve([0.5, 0.8, 0.9])].reverse(), 0.85)?.epochs).toBe(3);
  });

  it('says never reached with null, not zero', () => {
    expect(computeToTarget(curve([0.5, 0.6]), 0.9)).toBeNull();
    expect(computeToTarget([], 0.1)).toBeNull();
  });
});

describe('speedupOverScratch', () => {
  it('divides scratch’s cost by the cell’s in every unit', () => {
    const scratch = computeToTarget(curve([0.3, 0.5, 0.7, 0.8], 1000, 10), 0.8);
    const cell = computeToTarget(curve([0.8], 500, 4), 0.8);
    expect(speedupOverScratch(cell, scratch)).toEqual({
      epochs: 4,
      samples: 8,
      seconds: 10,
      flops: 4,
    });
  });

  it('is null in every unit when either side never reached the target', () => {
    const reached = computeToTarget(curve([0.9]), 0.8);
    const none = { epochs: null, samples: null, seconds: null, flops: null };
    expect(speedupOverScratch(null, reached)).toEqual(none);
    expect(speedupOverScratch(reached, null)).toEqual(none);
  });
});
