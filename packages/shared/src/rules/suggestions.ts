import type { Optimizer } from '../run.js';
import { fineTuneLearningRateFor } from './hyperparameters.js';

/** Usual from-scratch learning rates per optimizer, used when no scratch rate is known. */
export const DEFAULT_SCRATCH_LEARNING_RATE: Record<Optimizer, number> = {
  adam: 1e-3,
  sgd: 1e-2,
  momentum: 1e-2,
};

/** Below this many training samples only the head should train. */
export const SMALL_TARGET_SAMPLES = 1_000;
/** From this many training samples everything can be fine-tuned. */
export const LARGE_TARGET_SAMPLES = 10_000;

/** What to try for fine-tuning; advice shown to people, never applied silently. */
export interface FineTuningSuggestion {
  /** One tenth of the from-scratch learning rate. */
  learningRate: number;
  /** Freeze depth for the target set's size (small: only the head trains; medium: early layers; large: none). */
  frozenLayers: number;
  reason: string;
}

/**
 * What to try for fine-tuning: a learning rate one tenth of the from-scratch rate, and a freeze
 * depth from the target set's size — small: freeze all `weightBearingLayers` (only the head
 * trains); medium: freeze the early half; large: none.
 */
export function suggestFineTuning(input: {
  scratchLearningRate: number;
  trainSamples: number;
  /** Weight-bearing layers below the head (the largest valid `frozenLayers`). */
  weightBearingLayers: number;
}): FineTuningSuggestion {
  const { scratchLearningRate, trainSamples, weightBearingLayers } = input;
  const learningRate = fineTuneLearningRateFor(scratchLearningRate);
  if (trainSamples < SMALL_TARGET_SAMPLES) {
    return {
      learningRate,
      frozenLayers: weightBearingLayers,
      reason: `${trainSamples} training samples is small (< ${SMALL_TARGET_SAMPLES}): train only the head`,
    };
  }
  if (trainSamples < LARGE_TARGET_SAMPLES) {
    return {
      learningRate,
      frozenLayers: Math.ceil(weightBearingLayers / 2),
      reason: `${trainSamples} training samples is medium: freeze the early layers, fine-tune the later ones`,
    };
  }
  return {
    learningRate,
    frozenLayers: 0,
    reason: `${trainSamples} training samples is large (≥ ${LARGE_TARGET_SAMPLES}): fine-tune everything`,
  };
}
