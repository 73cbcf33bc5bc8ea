import {
  ArrayMaxSize,
  ArrayMinSize,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_DATASET_CLASSES } from '@finetrack/shared';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { IsName } from '../../common/validation.js';

@InputType()
export class CreateDatasetInput {
  @Field(() => ID)
  teamId: string;

  @Field()
  @IsName()
  name: string;

  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DATASET_CLASSES)
  @MaxLength(200, { each: true })
  classNames: string[];

  @Field(() => Int)
  @Min(0)
  @Max(2_000_000_000)
  trainSamples: number;

  @Field(() => Int)
  @Min(0)
  @Max(2_000_000_000)
  validationSamples: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'contentHash must be a lowercase hex sha256' })
  contentHash?: string;

  @Field(() => GraphQLJSONObject, {
    description:
      'e.g. { kind: "mnist", classes: [0,1,2,3,4] } — see DatasetSpec in @finetrack/shared.',
  })
  spec: Record<string, unknown>;
}

@InputType()
export class UpdateDatasetInput {
  @Field(() => ID)
  id: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'contentHash must be a lowercase hex sha256' })
  contentHash?: string;
}

@InputType()
export class DatasetFilter {
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(200)
  search?: string;

  @Field({ nullable: true, description: 'Loader kind: mnist, fashion-mnist or folder.' })
  kind?: string;
}

@InputType()
export class CreateDatasetFromUploadInput {
  @Field(() => ID)
  teamId: string;

  @Field()
  @IsName()
  name: string;

  @Field({ description: 'The id tus gave the finished upload (the last part of its URL).' })
  @MaxLength(200)
  uploadId: string;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @Min(0)
  @Max(0.9)
  validationFraction?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(0)
  @Max(2_147_483_647)
  seed?: number;

  @Field(() => [Int], { nullable: true })
  @IsOptional()
  @ArrayMinSize(3)
  @ArrayMaxSize(3)
  inputShape?: number[];
}
