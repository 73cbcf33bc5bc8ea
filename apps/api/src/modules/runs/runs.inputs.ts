import { IsOptional, MaxLength } from 'class-validator';
import { RULE_DESCRIPTIONS } from '@finetrack/shared';
import { Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import {
  IsBatchSize,
  IsEpochs,
  IsFrozenLayers,
  IsLearningRate,
  IsSeed,
} from '../../common/hyperparameters.js';
import { SortDirection } from '../../common/pagination.js';
import { OptimizerEnum } from '../experiments/experiments.inputs.js';
import { InitializationEnum } from '../models/model.entity.js';
import { RunStatusEnum } from './run.entity.js';

/** Sortable run columns. The enum value is the SQL column: user strings never reach SQL. */
export enum RunOrderField {
  CREATED_AT = 'created_at',
  STATUS = 'status',
  FROZEN_LAYERS = 'frozen_layers',
  TRAIN_SAMPLES = 'train_samples',
  LEARNING_RATE = 'learning_rate',
  EPOCHS = 'epochs',
  BATCH_SIZE = 'batch_size',
  SEED = 'seed',
  OPTIMIZER = 'optimizer',
  INITIALIZATION = 'initialization',
  BEST_VAL_ACCURACY = 'best_val_accuracy',
  LAST_VAL_ACCURACY = 'last_val_accuracy',
  BEST_VAL_LOSS = 'best_val_loss',
  LAST_VAL_LOSS = 'last_val_loss',
  BEST_EPOCH = 'best_epoch',
  WALL_SECONDS = 'wall_seconds',
  SAMPLES_PER_SECOND = 'samples_per_second',
}
registerEnumType(RunOrderField, { name: 'RunOrderField' });

@InputType()
export class RunOrder {
  @Field(() => RunOrderField)
  field: RunOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction: SortDirection;
}

@InputType()
export class RunFilter {
  @Field(() => [RunStatusEnum], { nullable: true })
  status?: RunStatusEnum[];

  @Field(() => [Int], { nullable: true })
  frozenLayers?: number[];

  @Field(() => [Int], { nullable: true, description: 'Training-set sizes (sweeps that vary it).' })
  trainSamples?: number[];

  @Field(() => Float, { nullable: true, description: 'Inclusive lower bound.' })
  learningRateMin?: number;

  @Field(() => Float, { nullable: true, description: 'Inclusive upper bound.' })
  learningRateMax?: number;

  @Field(() => InitializationEnum, { nullable: true })
  initialization?: InitializationEnum;

  @Field({ nullable: true })
  external?: boolean;
}

@InputType({ description: 'A run logged by an outside script (external) or added by hand.' })
export class CreateRunInput {
  @Field(() => ID)
  experimentId: string;

  @Field(() => Int, { description: RULE_DESCRIPTIONS.frozenLayers })
  @IsFrozenLayers()
  frozenLayers: number;

  @Field(() => Float, { description: RULE_DESCRIPTIONS.learningRate })
  @IsLearningRate()
  learningRate: number;

  @Field(() => Int, { defaultValue: 1, description: RULE_DESCRIPTIONS.epochs })
  @IsEpochs()
  epochs: number;

  @Field(() => Int, { defaultValue: 32, description: RULE_DESCRIPTIONS.batchSize })
  @IsBatchSize()
  batchSize: number;

  @Field(() => OptimizerEnum, { defaultValue: OptimizerEnum.ADAM })
  optimizer: OptimizerEnum;

  @Field(() => Int, { defaultValue: 0, description: RULE_DESCRIPTIONS.seed })
  @IsSeed()
  seed: number;

  @Field(() => InitializationEnum, { defaultValue: InitializationEnum.PRETRAINED })
  initialization: InitializationEnum;

  @Field({
    defaultValue: true,
    description: 'External runs start as running and are never queued.',
  })
  external: boolean;
}

@InputType({
  description: 'Status and summary reported for a run; omitted fields stay as they are.',
})
export class UpdateRunInput {
  @Field(() => ID)
  id: string;

  @Field(() => RunStatusEnum, { nullable: true })
  status?: RunStatusEnum;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(10_000)
  errorMessage?: string;

  @Field(() => Float, { nullable: true })
  bestValAccuracy?: number;

  @Field(() => Float, { nullable: true })
  lastValAccuracy?: number;

  @Field(() => Float, { nullable: true })
  bestValLoss?: number;

  @Field(() => Float, { nullable: true })
  lastValLoss?: number;

  @Field(() => Int, { nullable: true })
  bestEpoch?: number;

  @Field(() => Float, { nullable: true })
  wallSeconds?: number;

  @Field(() => Float, { nullable: true })
  samplesPerSecond?: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  backend?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  device?: string;
}
