// The claim side of the worker protocol: what a worker sends to claim a job, what it receives.
import { MAX_WORKER_BACKENDS, type Preprocessing } from '@finetrack/shared';
import { GraphQLJSONObject } from 'graphql-scalars';
import {
  ArrayMaxSize,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PreprocessingMode, RunKind } from '../../common/enums.js';
import type { Artifact } from '../artifacts/artifact.entity.js';
import { ClaimedHyperparameters } from './claimed-hyperparameters.type.js';

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

export const toArtifactRef = (artifact: Artifact): ArtifactRef => ({
  id: artifact.id,
  kind: artifact.kind,
  fileName: artifact.fileName,
  byteSize: artifact.byteSize,
  sha256: artifact.sha256,
});
