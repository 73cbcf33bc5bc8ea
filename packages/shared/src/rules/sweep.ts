import { countSweepRuns, type SweepSpec } from '../sweep.js';
import { augmentationProblems } from './augmentation.js';
import {
  batchSizeProblem,
  epochsProblem,
  frozenLayersProblem,
  learningRateProblem,
  seedProblem,
  trainSamplesProblem,
  type RuleProblem,
} from './hyperparameters.js';

/** Largest number of runs one experiment may create (and so the longest list a sweep may give). */
export const MAX_SWEEP_RUNS = 1000;

/**
 * Most training-set sizes one sweep may give: a data-size axis is a handful of sizes (100, 1,000,
 * 10,000), and the API answers a grid per size when it compares them.
 */
export const MAX_TRAIN_SAMPLE_SIZES = 12;

/** The first broken rule among a list's entries, with the entry in the message. */
function firstInList(
  values: readonly unknown[],
  check: (value: unknown) => RuleProblem | null,
): RuleProblem | null {
  for (const value of values) {
    const problem = check(value);
    if (problem) return { ...problem, message: `${problem.message}, got ${String(value)}` };
  }
  return null;
}

function listProblem(
  values: unknown,
  field: string,
  what: string,
  check: (value: unknown) => RuleProblem | null,
): RuleProblem | null {
  if (!Array.isArray(values) || values.length === 0)
    return { field, message: `${field} must list at least one ${what}` };
  if (values.length > MAX_SWEEP_RUNS)
    return { field, message: `${field} must list at most ${MAX_SWEEP_RUNS} entries` };
  return firstInList(values, check);
}

/** Frozen-layer depths of a sweep: one or more, each in range of the model. */
export function frozenLayersListProblem(
  values: unknown,
  maxFrozenLayers?: number,
  field = 'frozenLayers',
): RuleProblem | null {
  return listProblem(values, field, 'depth', (k) => frozenLayersProblem(k, maxFrozenLayers, field));
}

/** Learning rates of a sweep: one or more, each finite and > 0. */
export function learningRateListProblem(
  values: unknown,
  field = 'learningRates',
): RuleProblem | null {
  return listProblem(values, field, 'rate', (rate) => learningRateProblem(rate, field));
}

/** Seeds of a sweep: absent (one seed, 0) or one or more, each in range. */
export function seedListProblem(values: unknown, field = 'seeds'): RuleProblem | null {
  if (values === undefined || values === null) return null;
  return listProblem(values, field, 'seed', (seed) => seedProblem(seed, field));
}

/** Training-set sizes of a sweep: absent (the whole split) or one or more, each in range. */
export function trainSamplesListProblem(
  values: unknown,
  datasetTrainSamples?: number | null,
  field = 'trainSamples',
): RuleProblem | null {
  if (values === undefined || values === null) return null;
  if (Array.isArray(values) && new Set(values).size > MAX_TRAIN_SAMPLE_SIZES)
    return { field, message: `${field} must list at most ${MAX_TRAIN_SAMPLE_SIZES} sizes` };
  return listProblem(values, field, 'size', (size) =>
    trainSamplesProblem(size, datasetTrainSamples, field),
  );
}

export interface SweepRuleOptions {
  /** The source model's weight-bearing layers, the largest valid frozen depth. */
  maxFrozenLayers?: number;
  /** The target dataset's training samples, the largest valid training-set size. */
  datasetTrainSamples?: number | null;
  /** Prefix for field paths, e.g. `sweep` gives `sweep.learningRates`. */
  path?: string;
}

/**
 * Every broken rule of a sweep, in field order, then the run limit (checked only when every list
 * is valid, as the count needs them). Empty when the sweep may be expanded.
 */
export function sweepProblems(sweep: SweepSpec, options: SweepRuleOptions = {}): RuleProblem[] {
  const at = (field: string) => (options.path ? `${options.path}.${field}` : field);
  const problems = [
    frozenLayersListProblem(sweep.frozenLayers, options.maxFrozenLayers, at('frozenLayers')),
    learningRateListProblem(sweep.learningRates, at('learningRates')),
    seedListProblem(sweep.seeds, at('seeds')),
    trainSamplesListProblem(sweep.trainSamples, options.datasetTrainSamples, at('trainSamples')),
    sweep.scratchLearningRate === undefined || sweep.scratchLearningRate === null
      ? null
      : learningRateProblem(sweep.scratchLearningRate, at('scratchLearningRate')),
    epochsProblem(sweep.epochs, at('epochs')),
    batchSizeProblem(sweep.batchSize, at('batchSize')),
    ...(sweep.augmentation === undefined
      ? []
      : augmentationProblems(sweep.augmentation, at('augmentation'))),
  ].filter((problem): problem is RuleProblem => problem !== null);
  if (problems.length > 0) return problems;
  const count = countSweepRuns(sweep);
  if (count > MAX_SWEEP_RUNS)
    return [
      {
        field: options.path ?? 'sweep',
        message: `the sweep would create ${count} runs; the limit is ${MAX_SWEEP_RUNS}`,
      },
    ];
  return [];
}
