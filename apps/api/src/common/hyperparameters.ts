import {
  augmentationCropProblem,
  augmentationRotationProblem,
  batchSizeProblem,
  epochsProblem,
  frozenLayersListProblem,
  frozenLayersProblem,
  learningRateListProblem,
  learningRateProblem,
  seedListProblem,
  seedProblem,
  trainSamplesListProblem,
  type RuleProblem,
} from '@finetrack/shared';
import { ValidateBy } from 'class-validator';
import { badInput } from '../graphql/errors.js';

type Check = (value: unknown, field: string) => RuleProblem | null;

/** A class-validator decorator whose verdict and message come from the shared rule book. */
function FollowsRule(name: string, check: Check): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: { property: string }) =>
        check(value, args?.property ?? name) === null,
      defaultMessage: (args?: { property: string; value: unknown }) =>
        check(args?.value, args?.property ?? name)?.message ?? `${args?.property} is invalid`,
    },
  });
}

/** Finite and > 0. */
export const IsLearningRate = () => FollowsRule('isLearningRate', learningRateProblem);
/** An integer within EPOCHS. */
export const IsEpochs = () => FollowsRule('isEpochs', epochsProblem);
/** An integer within BATCH_SIZE. */
export const IsBatchSize = () => FollowsRule('isBatchSize', batchSizeProblem);
/** An integer within SEED. */
export const IsSeed = () => FollowsRule('isSeed', seedProblem);
/** An integer ≥ 0; the service checks the model's upper bound, which needs the model. */
export const IsFrozenLayers = () =>
  FollowsRule('isFrozenLayers', (value, field) => frozenLayersProblem(value, undefined, field));
/** One to MAX_SWEEP_RUNS learning rates, each finite and > 0. */
export const IsLearningRateList = () => FollowsRule('isLearningRateList', learningRateListProblem);
/** One to MAX_SWEEP_RUNS frozen depths, each an integer ≥ 0. */
export const IsFrozenLayersList = () =>
  FollowsRule('isFrozenLayersList', (value, field) =>
    frozenLayersListProblem(value, undefined, field),
  );
/** One to MAX_SWEEP_RUNS seeds, each within SEED. */
export const IsSeedList = () => FollowsRule('isSeedList', seedListProblem);
/** Absent, or one to MAX_SWEEP_RUNS training-set sizes within TRAIN_SAMPLES; the service checks the dataset's size. */
export const IsTrainSamplesList = () =>
  FollowsRule('isTrainSamplesList', (value, field) =>
    trainSamplesListProblem(value, undefined, field),
  );

/** A number from 0 (off) to MAX_AUGMENTATION_CROP. */
export const IsAugmentationCrop = () => FollowsRule('isAugmentationCrop', augmentationCropProblem);
/** A number of degrees from 0 (off) to MAX_AUGMENTATION_ROTATION_DEGREES. */
export const IsAugmentationRotation = () =>
  FollowsRule('isAugmentationRotation', augmentationRotationProblem);

/**
 * Throws BAD_USER_INPUT for the broken rules: the message and `field` of the first, and `fields`
 * listing each field's messages, the shape argument validation answers with.
 */
export function rejectProblems(problems: readonly RuleProblem[]): void {
  const [first] = problems;
  if (!first) return;
  const fields = new Map<string, string[]>();
  for (const { field, message } of problems)
    fields.set(field, [...(fields.get(field) ?? []), message]);
  throw badInput(first.message, {
    field: first.field,
    fields: [...fields].map(([field, messages]) => ({ field, messages })),
  });
}
