import { IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { MAX_SWEEP_RUNS, RULE_DESCRIPTIONS } from '@finetrack/shared';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { Optimizer } from '../../common/enums.js';
import {
  IsBatchSize,
  IsEpochs,
  IsFrozenLayersList,
  IsLearningRate,
  IsLearningRateList,
  IsSeedList,
  IsTrainSamplesList,
} from '../../common/hyperparameters.js';
import { IsName } from '../../common/validation.js';
import { ExperimentStatus } from './experiment.entity.js';
import { AugmentationInput } from '../runs/augmentation.types.js';

/** The name the API's modules know this shared enum by. */
export { Optimizer as OptimizerEnum } from '../../common/enums.js';

const LIST_RULE = `One to ${MAX_SWEEP_RUNS} entries; the sweep creates at most ${MAX_SWEEP_RUNS} runs.`;

@InputType()
export class SweepInput {
  @Field(() => [Int], {
    description: `Weight-bearing layers to freeze, counted from the input: each from 0 to the source model’s weight-bearing layers. ${LIST_RULE}`,
  })
  @IsFrozenLayersList()
  frozenLayers: number[];

  @Field(() => [Float], {
    description: `Fine-tuning learning rates, each finite and > 0. ${LIST_RULE}`,
  })
  @IsLearningRateList()
  learningRates: number[];

  @Field(() => [Int], {
    nullable: true,
    description: `One run per seed in every cell; default [0]. Each ${RULE_DESCRIPTIONS.seed.toLowerCase()} ${LIST_RULE}`,
  })
  @IsOptional()
  @IsSeedList()
  seeds?: number[];

  @Field(() => [Int], {
    nullable: true,
    description: `Training-set sizes: the grid and the baseline run once per size, on nested subsets of the target's training split (the smaller inside the larger). Default: the whole split. Each: ${RULE_DESCRIPTIONS.trainSamples} ${LIST_RULE}`,
  })
  @IsOptional()
  @IsTrainSamplesList()
  trainSamples?: number[];

  @Field(() => Int, { defaultValue: 5, description: RULE_DESCRIPTIONS.epochs })
  @IsEpochs()
  epochs: number;

  @Field(() => Int, { defaultValue: 32, description: RULE_DESCRIPTIONS.batchSize })
  @IsBatchSize()
  batchSize: number;

  @Field(() => Optimizer, { defaultValue: Optimizer.ADAM })
  optimizer: Optimizer;

  @Field({ defaultValue: true, description: 'Add one from-scratch run per seed.' })
  includeScratchBaseline: boolean;

  @Field(() => Float, {
    nullable: true,
    description: `Default: ten times the largest rate. ${RULE_DESCRIPTIONS.learningRate}`,
  })
  @IsOptional()
  @IsLearningRate()
  scratchLearningRate?: number;

  @Field(() => AugmentationInput, {
    nullable: true,
    description:
      'Augmentation of every run, the scratch baseline too. With frozen layers it bypasses the feature cache (the frozen layers run on every batch). Default: none.',
  })
  @IsOptional()
  @ValidateNested()
  augmentation?: AugmentationInput | null;
}

@InputType()
export class CreateExperimentInput {
  @Field(() => ID)
  projectId: string;

  @Field({ nullable: true, description: 'Defaults to a name derived from the models.' })
  @IsOptional()
  @IsName()
  name?: string;

  @Field(() => ID)
  sourceModelId: string;

  @Field(() => ID)
  targetDatasetId: string;

  @Field(() => SweepInput)
  @ValidateNested()
  sweep: SweepInput;
}

@InputType()
export class UpdateExperimentInput {
  @Field(() => ID)
  id: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field(() => ExperimentStatus, { nullable: true })
  status?: ExperimentStatus;
}

@InputType()
export class ExperimentFilter {
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(200)
  search?: string;

  @Field(() => ExperimentStatus, { nullable: true })
  status?: ExperimentStatus;

  @Field(() => ID, { nullable: true })
  sourceModelId?: string;
}
