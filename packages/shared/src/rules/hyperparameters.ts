/**
 * The rule book for one run's hyperparameters. Every layer (API inputs and services, the web form,
 * both CLIs, the trainer) asks these functions instead of writing its own bounds, and turns the
 * problems into its own kind of error.
 */

/** One broken rule: where (a field path such as `sweep.learningRates`) and why. */
export interface RuleProblem {
  field: string;
  message: string;
}

/** An inclusive integer range. */
export interface IntegerRange {
  min: number;
  max: number;
}

/** Training epochs per run (pretraining, fine-tuning and sweeps alike). */
export const EPOCHS: IntegerRange = { min: 1, max: 1000 };
/** Samples per optimizer step. */
export const BATCH_SIZE: IntegerRange = { min: 1, max: 4096 };
/** Seeds fit the database's 32-bit integer column and are never negative. */
export const SEED: IntegerRange = { min: 0, max: 2_147_483_647 };
/** A run's training-set size when a sweep varies it (a nested subset of the training split). */
export const TRAIN_SAMPLES: IntegerRange = { min: 1, max: 10_000_000 };
/** Frozen weight-bearing layers start at 0 (all train); the model sets the upper bound. */
export const MIN_FROZEN_LAYERS = 0;

/** Training from scratch uses this many times the fine-tuning learning rate. */
export const SCRATCH_TO_FINE_TUNE_RATE = 10;

/** The from-scratch rate that goes with a fine-tuning rate (ten times it). */
export function scratchLearningRateFor(fineTuneLearningRate: number): number {
  return fineTuneLearningRate * SCRATCH_TO_FINE_TUNE_RATE;
}

/** The fine-tuning rate that goes with a from-scratch rate (a tenth of it), so pretrained weights move slowly. */
export function fineTuneLearningRateFor(scratchLearningRate: number): number {
  return scratchLearningRate / SCRATCH_TO_FINE_TUNE_RATE;
}

/** How the schema and `--help` describe each rule. */
export const RULE_DESCRIPTIONS = {
  learningRate: 'Finite and > 0.',
  epochs: `An integer from ${EPOCHS.min} to ${EPOCHS.max}.`,
  batchSize: `An integer from ${BATCH_SIZE.min} to ${BATCH_SIZE.max}.`,
  seed: `An integer from ${SEED.min} to ${SEED.max}.`,
  frozenLayers: 'Weight-bearing layers frozen, counted from the input: an integer ≥ 0.',
  trainSamples: `Training samples used, a nested seeded subset of the training split: an integer from ${TRAIN_SAMPLES.min} to ${TRAIN_SAMPLES.max}, at most the dataset's.`,
} as const;

function inRange(value: unknown, range: IntegerRange): boolean {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max
  );
}

/** A learning rate is a finite number > 0. */
export function learningRateProblem(value: unknown, field = 'learningRate'): RuleProblem | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return null;
  return { field, message: `${field} must be finite and > 0` };
}

function rangeProblem(value: unknown, range: IntegerRange, field: string): RuleProblem | null {
  if (inRange(value, range)) return null;
  return { field, message: `${field} must be an integer from ${range.min} to ${range.max}` };
}

export function epochsProblem(value: unknown, field = 'epochs'): RuleProblem | null {
  return rangeProblem(value, EPOCHS, field);
}

export function batchSizeProblem(value: unknown, field = 'batchSize'): RuleProblem | null {
  return rangeProblem(value, BATCH_SIZE, field);
}

export function seedProblem(value: unknown, field = 'seed'): RuleProblem | null {
  return rangeProblem(value, SEED, field);
}

/**
 * A training-set size is an integer in TRAIN_SAMPLES and, when the dataset's size is known, at
 * most its training samples (a subset cannot be larger than the set).
 */
export function trainSamplesProblem(
  value: unknown,
  datasetTrainSamples?: number | null,
  field = 'trainSamples',
): RuleProblem | null {
  const problem = rangeProblem(value, TRAIN_SAMPLES, field);
  if (problem) return problem;
  if (typeof datasetTrainSamples === 'number' && (value as number) > datasetTrainSamples)
    return {
      field,
      message: `${field} must not exceed the dataset's ${datasetTrainSamples} training samples`,
    };
  return null;
}

/**
 * Frozen layers count weight-bearing layers from the input: an integer ≥ 0 and, when the model is
 * known, at most `maxFrozenLayers`: the weight-bearing layers a fine-tune keeps (`freezableLayers`).
 */
export function frozenLayersProblem(
  value: unknown,
  maxFrozenLayers?: number,
  field = 'frozenLayers',
): RuleProblem | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_FROZEN_LAYERS)
    return { field, message: `${field} must be an integer ≥ 0` };
  if (maxFrozenLayers !== undefined && value > maxFrozenLayers)
    return {
      field,
      message: `${field} must not exceed the ${maxFrozenLayers} weight-bearing layers a fine-tune keeps below the classifier`,
    };
  return null;
}

/** The hyperparameters a caller has in hand; absent ones are not checked. */
export interface HyperparameterValues {
  frozenLayers?: number;
  learningRate?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
}

export interface HyperparameterRuleOptions {
  /** The model's weight-bearing layers, the largest valid `frozenLayers`. */
  maxFrozenLayers?: number;
  /** Prefix for field paths, e.g. `surgery` gives `surgery.learningRate`. */
  path?: string;
}

/** Every broken rule among the given hyperparameters, in field order; empty when all hold. */
export function hyperparameterProblems(
  values: HyperparameterValues,
  options: HyperparameterRuleOptions = {},
): RuleProblem[] {
  const at = (field: string) => (options.path ? `${options.path}.${field}` : field);
  const problems = [
    values.frozenLayers === undefined
      ? null
      : frozenLayersProblem(values.frozenLayers, options.maxFrozenLayers, at('frozenLayers')),
    values.learningRate === undefined
      ? null
      : learningRateProblem(values.learningRate, at('learningRate')),
    values.epochs === undefined ? null : epochsProblem(values.epochs, at('epochs')),
    values.batchSize === undefined ? null : batchSizeProblem(values.batchSize, at('batchSize')),
    values.seed === undefined ? null : seedProblem(values.seed, at('seed')),
  ];
  return problems.filter((problem): problem is RuleProblem => problem !== null);
}
