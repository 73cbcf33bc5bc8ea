import {
  ARCHITECTURES,
  ARTIFACT_FILE_NAME_PATTERN,
  MAX_RUN_ERROR_LENGTH,
  MAX_WORKER_BACKENDS,
} from '@finetrack/shared';
import { GraphQLJSONObject } from 'graphql-scalars';
import {
  ArrayMaxSize,
  IsIn,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import {
  RULE_DESCRIPTIONS,
  type FeatureCacheStatus as FeatureCacheValue,
  type Preprocessing,
} from '@finetrack/shared';
import { FeatureCacheStatus, Optimizer, PreprocessingMode, RunKind } from '../../common/enums.js';
import { IsBatchSize, IsEpochs, IsLearningRate, IsSeed } from '../../common/hyperparameters.js';
import { IsName } from '../../common/validation.js';
import { Artifact } from '../artifacts/artifact.entity.js';
import { Model } from '../models/model.entity.js';
import { ModelDescriptionInput, SurgeryInput } from '../models/models.inputs.js';
import { AugmentationInput } from './augmentation.types.js';
import { ClaimedHyperparameters } from './claimed-hyperparameters.type.js';
import { Run } from './run.entity.js';
import { ConfusionMatrixInput } from './confusion-matrix.types.js';

@InputType()
export class WorkerCapabilitiesInput {
  @Field(() => Int, { description: 'WORKER_PROTOCOL_VERSION of the worker.' })
  protocolVersion: number;

  @Field(() => [String], { description: 'TensorFlow.js backends the worker can run.' })
  @ArrayMaxSize(MAX_WORKER_BACKENDS)
  backends: string[];

  @Field()
  @MaxLength(500)
  device: string;

  @Field(() => [RunKind], { description: 'Job kinds it accepts.' })
  @ArrayMaxSize(2)
  kinds: RunKind[];

  @Field()
  @MaxLength(255)
  hostname: string;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'The worker also takes scoring jobs (claimScoreJob): claimRun then stops waiting, answering null, as soon as one is queued.',
  })
  @IsOptional()
  scoreJobs?: boolean | null;
  @Field(() => String, {
    nullable: true,
    description: 'What the workers page calls it (default: hostname).',
  })
  @IsOptional()
  @MaxLength(255)
  name?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Worker processes on its host (--concurrency).',
  })
  @IsOptional()
  @Min(1)
  @Max(1024)
  concurrency?: number | null;

  @Field(() => String, { nullable: true, description: 'The worker package version.' })
  @IsOptional()
  @MaxLength(100)
  version?: string | null;
}

@InputType()
export class ClaimRunInput {
  @Field({ description: 'Stable for one worker process: "<hostname>:<pid>:<random>".' })
  @Matches(/^\S{1,200}$/, { message: 'workerId must be 1–200 characters without spaces' })
  workerId: string;

  @Field(() => WorkerCapabilitiesInput)
  @ValidateNested()
  capabilities: WorkerCapabilitiesInput;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: '0–25: the API may hold the request that long waiting for a job.',
  })
  @Min(0)
  @Max(25)
  waitSeconds?: number | null;
}

@ObjectType()
export class ArtifactRef {
  @Field(() => ID)
  id: string;

  @Field()
  kind: string;

  @Field()
  fileName: string;

  @Field(() => Float)
  byteSize: number;

  @Field()
  sha256: string;
}

@ObjectType()
export class ClaimedDataset {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => GraphQLJSONObject)
  spec: Record<string, unknown>;

  @Field(() => [String])
  classNames: string[];
}

@ObjectType()
export class ClaimedModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  architecture: string;

  @Field(() => [Int])
  inputShape: number[];

  @Field(() => PreprocessingMode, { description: 'How to scale input pixels for this model.' })
  preprocessing: Preprocessing;

  @Field(() => [ArtifactRef], {
    description: 'model-json, weights (one or more shards), model-metadata.',
  })
  artifacts: ArtifactRef[];
}

@ObjectType()
export class ResumePoint {
  @Field(() => Int, { description: 'Epochs done.' })
  epoch: number;

  @Field(() => Int, { description: 'Optimizer steps done.' })
  globalStep: number;

  @Field(() => [ArtifactRef], { description: 'checkpoint-json and checkpoint-bin.' })
  artifacts: ArtifactRef[];
}

@ObjectType({ description: 'One job as a worker receives it; see the worker protocol.' })
export class ClaimedRun {
  @Field(() => ID)
  runId: string;

  @Field(() => ID)
  teamId: string;

  @Field(() => ID, { nullable: true, description: 'Null for pretraining jobs.' })
  experimentId: string | null;

  @Field(() => RunKind)
  kind: RunKind;

  @Field(() => Int, { description: '1 on the first claim.' })
  attempt: number;

  @Field()
  leaseToken: string;

  @Field()
  leaseExpiresAt: Date;

  @Field(() => Int)
  leaseSeconds: number;

  @Field(() => Int)
  heartbeatSeconds: number;

  @Field(() => ClaimedHyperparameters)
  hyperparameters: ClaimedHyperparameters;

  @Field(() => String, { nullable: true, description: 'PRETRAIN: the architecture to build.' })
  architecture: string | null;

  @Field(() => ClaimedDataset, {
    description: "FINETUNE: the target dataset; PRETRAIN: the source task's.",
  })
  dataset: ClaimedDataset;

  @Field(() => ClaimedModel, { nullable: true, description: 'FINETUNE only.' })
  sourceModel: ClaimedModel | null;

  @Field(() => ResumePoint, { nullable: true, description: 'Null when starting fresh.' })
  resume: ResumePoint | null;

  @Field({ description: 'Name to register the trained model under.' })
  targetModelName: string;
}

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

export const toArtifactRef = (artifact: Artifact): ArtifactRef => ({
  id: artifact.id,
  kind: artifact.kind,
  fileName: artifact.fileName,
  byteSize: artifact.byteSize,
  sha256: artifact.sha256,
});

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
