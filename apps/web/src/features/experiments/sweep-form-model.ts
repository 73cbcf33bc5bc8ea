import {
  augmentationProblems,
  countSweepRuns,
  isAugmentationOn,
  fineTuneLearningRateFor,
  learningRateProblem,
  MAX_SWEEP_RUNS,
  suggestFineTuning,
  sweepProblems,
  type Augmentation,
  type FineTuningSuggestion,
} from '@finetrack/shared';
import type { AugmentationDraft } from './augmentation-fieldset';

/** Parses "0.01, 1e-3 0.0001" into numbers; null when any entry is not a number. */
export function parseNumberList(text: string): number[] | null {
  const parts = text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  const numbers = parts.map(Number);
  return numbers.some((value) => !Number.isFinite(value)) ? null : numbers;
}

export interface SweepDraft {
  frozenLayers: number[];
  learningRates: number[];
  seeds: number[];
  /** Training-set sizes; empty: the whole split. */
  trainSamples?: number[];
  includeScratchBaseline: boolean;
}

/** What createExperiment will expand into (the shared rule the API applies). */
export function countRuns(draft: SweepDraft): number {
  if (draft.frozenLayers.length === 0 || draft.learningRates.length === 0) return 0;
  return countSweepRuns({
    frozenLayers: draft.frozenLayers,
    learningRates: draft.learningRates,
    seeds: draft.seeds.length > 0 ? draft.seeds : undefined,
    trainSamples: draft.trainSamples?.length ? draft.trainSamples : undefined,
    includeScratchBaseline: draft.includeScratchBaseline,
    epochs: 1,
    batchSize: 1,
    optimizer: 'adam',
  });
}

/** Fine-tuning usually wants about a tenth of the rate that trains the network from scratch. */
export function suggestedFineTuneRate(scratchRate: number): number {
  return Number(fineTuneLearningRateFor(scratchRate).toPrecision(3));
}

/** The sweep as typed: a list is null when one of its entries is not a number. */
export interface SweepFormValues {
  frozenLayers: number[];
  learningRates: number[] | null;
  seeds: number[] | null;
  /** Null when an entry is not a number; empty: the whole split. */
  trainSamples?: number[] | null;
  epochs: number;
  batchSize: number;
  includeScratchBaseline: boolean;
  /** Absent: none. Crop and rotation are NaN when not a number. */
  augmentation?: Augmentation;
}

/** The typed augmentation as numbers (NaN where a field is not one). */
export function parseAugmentation(draft: AugmentationDraft): Augmentation {
  const number = (text: string) => (text.trim() === '' ? 0 : Number(text));
  return { flip: draft.flip, crop: number(draft.crop), rotation: number(draft.rotation) };
}

/** What the sweep sends: the augmentation when any part is on, else nothing (the API's default). */
export function augmentationToSubmit(augmentation: Augmentation): Augmentation | undefined {
  return isAugmentationOn(augmentation) ? augmentation : undefined;
}

/** The form's wording for the rule book's fields; others show the rule's own message. */
const FORM_MESSAGES: Record<string, string> = {
  frozenLayers: 'choose at least one frozen depth',
  learningRates: 'learning rates must be positive numbers',
  seeds: 'seeds must be whole numbers ≥ 0',
  trainSamples: 'training-set sizes must be whole numbers ≥ 1, none above the dataset’s',
  sweep: `at most ${MAX_SWEEP_RUNS} runs per experiment`,
};

/**
 * What the shared rule book (the one createExperiment applies) says about the sweep, worded for
 * the form. `weightBearingLayers` bounds the frozen depths.
 */
export function sweepFormProblems(
  values: SweepFormValues,
  weightBearingLayers: number,
  datasetTrainSamples?: number,
): string[] {
  const problems = sweepProblems(
    {
      frozenLayers: values.frozenLayers,
      learningRates: values.learningRates ?? [Number.NaN],
      // An empty seed list means the default seed, as the form submits it.
      seeds:
        values.seeds === null ? [Number.NaN] : values.seeds.length > 0 ? values.seeds : undefined,
      trainSamples:
        values.trainSamples === null
          ? [Number.NaN]
          : values.trainSamples?.length
            ? values.trainSamples
            : undefined,
      epochs: values.epochs,
      batchSize: values.batchSize,
      optimizer: 'adam',
      includeScratchBaseline: values.includeScratchBaseline,
    },
    { maxFrozenLayers: weightBearingLayers, datasetTrainSamples },
  );
  // The sweep's rules stop at the first group of problems; augmentation is checked on its own.
  if (values.augmentation) problems.push(...augmentationProblems(values.augmentation));
  return problems.map((problem) => FORM_MESSAGES[problem.field] ?? problem.message);
}

/**
 * Advice for the chosen model and dataset from the shared suggestion rules; null until the
 * from-scratch rate, the dataset's size and the model's layers are known.
 */
export function fineTuningAdvice(input: {
  scratchLearningRate: number;
  trainSamples: number | undefined;
  weightBearingLayers: number;
}): FineTuningSuggestion | null {
  const { scratchLearningRate, trainSamples, weightBearingLayers } = input;
  if (learningRateProblem(scratchLearningRate)) return null;
  if (weightBearingLayers < 1) return null;
  if (trainSamples === undefined || !Number.isInteger(trainSamples) || trainSamples < 0)
    return null;
  return suggestFineTuning({ scratchLearningRate, trainSamples, weightBearingLayers });
}
