import { MAX_SCORE_ERROR_LENGTH } from '@finetrack/shared';
import { Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import {
  ClaimedDataset,
  ClaimedModel,
  WorkerCapabilitiesInput,
} from '../runs/worker-claim.types.js';

@InputType()
export class ClaimScoreJobInput {
  @Field({ description: 'The same worker id the worker claims runs with.' })
  @Matches(/^\S{1,200}$/, { message: 'workerId must be 1–200 characters without spaces' })
  workerId: string;

  @Field(() => WorkerCapabilitiesInput)
  @ValidateNested()
  capabilities: WorkerCapabilitiesInput;
}

@ObjectType({ description: 'One scoring job as a worker receives it; see the worker protocol.' })
export class ClaimedScoreJob {
  @Field(() => ID)
  scoreId: string;

  @Field(() => ID)
  teamId: string;

  @Field(() => Int, { description: '1 on the first claim.' })
  attempt: number;

  @Field()
  leaseToken: string;

  @Field({ description: 'A later claim may take the job over after this (no heartbeats).' })
  leaseExpiresAt: Date;

  @Field(() => Int, {
    nullable: true,
    description: 'Score on the first n training samples; null: all.',
  })
  trainSamples: number | null;

  @Field(() => ClaimedDataset)
  dataset: ClaimedDataset;

  @Field(() => ClaimedModel, { description: 'The source model to score.' })
  sourceModel: ClaimedModel;
}

@InputType()
export class CompleteScoreJobInput {
  @Field(() => ID)
  scoreId: string;

  @Field()
  leaseToken: string;

  @Field(() => Float)
  logMe: number;

  @Field(() => Float, { nullable: true, description: 'Null when the source has no classifier.' })
  leep?: number | null;

  @Field(() => Float, { nullable: true, description: 'Null when the source has no classifier.' })
  nce?: number | null;

  @Field(() => Int)
  @Min(1)
  @Max(1_000_000_000)
  featureDimension: number;

  @Field(() => Int)
  @Min(2)
  @Max(2_000_000_000)
  samples: number;

  @Field(() => Float)
  @Min(0)
  seconds: number;
}

@InputType()
export class FailScoreJobInput {
  @Field(() => ID)
  scoreId: string;

  @Field()
  leaseToken: string;

  @Field()
  @MaxLength(MAX_SCORE_ERROR_LENGTH)
  error: string;
}
