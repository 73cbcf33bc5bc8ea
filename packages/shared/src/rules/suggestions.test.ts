import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRATCH_LEARNING_RATE,
  LARGE_TARGET_SAMPLES,
  SMALL_TARGET_SAMPLES,
  suggestFineTuning,
} from './suggestions.js';

describe('suggestFineTuning', () => {
  it.each([
    ['a small target set freezes every layer', SMALL_TARGET_SAMPLES - 1, 5, /small/],
    ['a medium target set freezes the early half', SMALL_TARGET_SAMPLES, 3, /medium/],
    ['a medium set just under large', LARGE_TARGET_SAMPLES - 1, 3, /medium/],
    ['a large target set freezes nothing', LARGE_TARGET_SAMPLES, 0, /large/],
  ])('%s', (_name, trainSamples, frozenLayers, reason) => {
    const suggestion = suggestFineTuning({
      scratchLearningRate: 2e-3,
      trainSamples,
      weightBearingLayers: 5,
    });
    expect(suggestion.frozenLayers).toBe(frozenLayers);
    expect(suggestion.learningRate).toBeCloseTo(2e-4, 12);
    expect(suggestion.reason).toMatch(reason);
  });

  it('knows a usual scratch rate for every optimizer', () => {
    expect(DEFAULT_SCRATCH_LEARNING_RATE).toEqual({ adam: 1e-3, sgd: 1e-2, momentum: 1e-2 });
  });
});
