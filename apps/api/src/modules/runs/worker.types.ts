import { ARCHITECTURES, ARTIFACT_FILE_NAME_PATTERN, MAX_RUN_ERROR_LENGTH } from '@finetrack/shared';
import {
  ArrayMaxSize,
  IsIn,
  IsOptional,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { RULE_DESCRIPTIONS, type FeatureCacheStatus as FeatureCacheValue } from '@finetrack/shared';
import { FeatureCacheStatus, Optimizer } from '../../common/enums.js';
import { IsBatchSize, IsEpochs, IsLearningRate, IsSeed } from '../../common/hyperparameters.js';
import { IsName } from '../../common/validation.js';
import { Model } from '../models/model.entity.js';
import { ModelDescriptionInput, SurgeryInput } from '../models/models.inputs.js';
import { AugmentationInput } from './augmentation.types.js';
import { Run } from './run.entity.js';
import { ConfusionMatrixInput } from './confusion-matrix.types.js';

@InputType()
export class HeartbeatRunInput {
  @Field(() => ID)
  runId: string;

  @Field()
  leaseToken: string;

  @Field(() => Int, { nullable: true })
  epoch?: number;

  @Field(() => Int, { nullable: true })
  step?: number;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  backend?: string;

  @Field(() => String, { nullable: true })
  @MaxLength(500)
  device?: string;
}

@ObjectType()
export class HeartbeatResult {
  @Field({ description: 'A user cancelled the run: stop now and send nothing more for it.' })
  cancelled: boolean;

  @Field()
  leaseExpiresAt: Date;
}

@InputType()
export class CreateArtifactInput {
  @Field(() => ID, { nullable: true })
  runId?: string;

  @Field(() => ID, { nullable: true })
  modelId?: string;

  @Field(() => String, { nullable: true, description: 'Required for run artifacts of workers.' })
  leaseToken?: string;

  @Field()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'kind must be lower-case letters, digits, -' })
  kind: string;

  @Field()
  @Matches(ARTIFACT_FILE_NAME_PATTERN, { message: 'fileName must be a plain file name' })
  fileName: string;

  @Field(() => Float)
  @Min(0)
  byteSize: number;

  @Field()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hex digits' })
  sha256: string;
}

@InputType()
export class RecordCheckpointInput {
  @Field(() => ID)
  runId: string;

  @Field()
  leaseToken: string;

  @Field(() => Int)
  @Min(0)
  epoch: number;

  @Field(() => Int)
  @Min(0)
  globalStep: number;

  @Field(() => [ID])
  @ArrayMaxSize(20)
  artifactIds: string[];
}

@InputType()
export class RunSummaryInput {
  @Field(() => Float, { nullable: true })
  bestValAccuracy?: number | null;

  @Field(() => Float, { nullable: true })
  lastValAccuracy?: number | null;

  @Field(() => Float, { nullable: true })
  bestValLoss?: number | null;

  @Field(() => Float, { nullable: true })
  lastValLoss?: number | null;

  @Field(() => Int, { nullable: true })
  bestEpoch?: number | null;

  @Field(() => Float, { nullable: true })
  wallSeconds?: number | null;

  @Field(() => Float, { nullable: true })
  samplesPerSecond?: number | null;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  backend?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(500)
  device?: string | null;

  @Field(() => FeatureCacheStatus, {
    nullable: true,
    description: 'How training used the frozen-prefix feature cache.',
  })
  featureCache?: FeatureCacheValue | null;
}

@InputType({ description: 'CreateModelInput minus teamId, plus the run artifacts it owns.' })
export class CompletedModelInput extends ModelDescriptionInput {
  @Field(() => String, { nullable: true })
  weightsSha256?: string | null;

  @Field(() => ID, { nullable: true })
  datasetId?: string | null;

  @Field(() => ID, { nullable: true })
  parentModelId?: string | null;

  @Field(() => SurgeryInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  surgery?: SurgeryInput | null;

  @Field(() => [ID])
  @ArrayMaxSize(20)
  artifactIds: string[];
}

@InputType()
export class CompleteRunInput {
  @Field(() => ID)
  runId: string;

  @Field()
  leaseToken: string;

  @Field(() => RunSummaryInput)
  @ValidateNested()
  summary: RunSummaryInput;

  @Field(() => CompletedModelInput)
  @ValidateNested()
  model: CompletedModelInput;

  @Field(() => ConfusionMatrixInput, { nullable: true })
  confusionMatrix?: ConfusionMatrixInput | null;
}

@ObjectType()
export class CompleteRunResult {
  @Field(() => Run)
  run: Run;

  @Field(() => Model)
  model: Model;
}

@InputType()
export class FailRunInput {
  @Field(() => ID)
  runId: string;

  @Field()
  leaseToken: string;

  @Field({ description: 'A readable sentence, at most 4,000 characters.' })
  @MaxLength(MAX_RUN_ERROR_LENGTH)
  error: string;
}

@InputType()
export class ReleaseRunInput {
  @Field(() => ID)
  runId: string;

  @Field()
  leaseToken: string;

  @Field()
  @MaxLength(1000)
  reason: string;
}

@ObjectType()
export class MetricsAppendedEvent {
  @Field(() => ID)
  runId: string;

  @Field(() => [String])
  keys: string[];

  @Field(() => Int)
  count: number;

  @Field(() => Int)
  maxStep: number;
}

@InputType({ description: 'A source model trained from scratch by a worker (a PRETRAIN run).' })
export class PretrainModelInput {
  @Field(() => ID)
  teamId: string;

  @Field({ description: 'Name of the source model it registers.' })
  @IsName()
  name: string;

  @Field({ description: 'small-cnn, vgg-mini or resnet-mini.' })
  @IsIn(ARCHITECTURES)
  architecture: string;

  @Field(() => [Int], { description: '[height, width, channels]', defaultValue: [28, 28, 1] })
  @ArrayMaxSize(3)
  inputShape: number[];

  @Field(() => ID, { description: 'The source task’s dataset.' })
  datasetId: string;

  @Field(() => Int, { defaultValue: 3, description: RULE_DESCRIPTIONS.epochs })
  @IsEpochs()
  epochs: number;

  @Field(() => Int, { defaultValue: 64, description: RULE_DESCRIPTIONS.batchSize })
  @IsBatchSize()
  batchSize: number;

  @Field(() => Float, { defaultValue: 1e-3, description: RULE_DESCRIPTIONS.learningRate })
  @IsLearningRate()
  learningRate: number;

  @Field(() => Optimizer, { defaultValue: Optimizer.ADAM })
  optimizer: Optimizer;

  @Field(() => Int, { defaultValue: 1, description: RULE_DESCRIPTIONS.seed })
  @IsSeed()
  seed: number;

  @Field(() => AugmentationInput, {
    nullable: true,
    description: 'Training-time augmentation of the pretraining run. Default: none.',
  })
  @IsOptional()
  @ValidateNested()
  augmentation?: AugmentationInput | null;
}
