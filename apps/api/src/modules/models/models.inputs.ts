import {
  ArrayMaxSize,
  ArrayMinSize,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_MODEL_LAYERS, MAX_SHAPE_DIMENSIONS, RULE_DESCRIPTIONS } from '@finetrack/shared';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { IsFrozenLayers, IsLearningRate } from '../../common/hyperparameters.js';
import { IsName } from '../../common/validation.js';
import { InitializationEnum, ModelKindEnum } from './model.entity.js';

/**
 * Most parameters a model record may claim: 10 billion. The trainer refuses far less (200 M by
 * default, FINETRACK_MAX_PARAMETERS); the registry allows larger outside models, but a record
 * claiming 10¹² parameters is a mistake or an attack on whoever sizes buffers from it.
 */
export const MAX_MODEL_PARAMETERS = 10_000_000_000;
/** Largest input dimension (height, width or channels). */
export const MAX_INPUT_DIMENSION = 65_536;

@InputType()
export class LayerInput {
  @Field()
  @IsName()
  name: string;

  @Field()
  @MaxLength(200)
  type: string;

  @Field(() => [Int], { description: 'Use -1 for the batch dimension.' })
  @ArrayMaxSize(MAX_SHAPE_DIMENSIONS)
  @Min(-1, { each: true })
  outputShape: number[];

  @Field(() => Float)
  @Min(0)
  @Max(MAX_MODEL_PARAMETERS)
  params: number;

  @Field()
  weightBearing: boolean;

  @Field(() => Int, { nullable: true })
  weightIndex?: number;

  @Field({ defaultValue: true })
  trainable: boolean;
}

@InputType()
export class SurgeryInput {
  @Field()
  @IsName()
  cutLayer: string;

  @Field(() => Int)
  @Min(1)
  headUnits: number;

  @Field(() => Int, { description: RULE_DESCRIPTIONS.frozenLayers })
  @IsFrozenLayers()
  frozenLayers: number;

  @Field(() => [String])
  frozenLayerNames: string[];

  @Field(() => Float, { description: RULE_DESCRIPTIONS.learningRate })
  @IsLearningRate()
  learningRate: number;

  @Field(() => InitializationEnum, { defaultValue: InitializationEnum.PRETRAINED })
  initialization: InitializationEnum;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * What every model record describes, with the same bounds wherever one arrives: from a user or
 * script (createModel) or from a worker finishing a run (completeRun).
 */
@InputType()
export abstract class ModelDescriptionInput {
  @Field()
  @IsName()
  name: string;

  @Field(() => ModelKindEnum)
  kind: ModelKindEnum;

  @Field()
  @IsName()
  architecture: string;

  @Field(() => [Int])
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SHAPE_DIMENSIONS)
  @Min(1, { each: true })
  @Max(MAX_INPUT_DIMENSION, { each: true })
  inputShape: number[];

  @Field(() => [LayerInput])
  @ArrayMaxSize(MAX_MODEL_LAYERS)
  @ValidateNested({ each: true })
  layers: LayerInput[];

  @Field(() => Float)
  @Min(0)
  @Max(MAX_MODEL_PARAMETERS)
  totalParams: number;

  @Field(() => Float)
  @Min(0)
  @Max(MAX_MODEL_PARAMETERS)
  trainableParams: number;
}

@InputType()
export class CreateModelInput extends ModelDescriptionInput {
  @Field(() => ID)
  teamId: string;

  @Field(() => ID, { nullable: true })
  datasetId?: string;

  @Field(() => ID, { nullable: true, description: 'Required for target models: the source model.' })
  parentModelId?: string;

  @Field(() => SurgeryInput, { nullable: true, description: 'Required for target models.' })
  @IsOptional()
  @ValidateNested()
  surgery?: SurgeryInput;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(SHA256, { message: 'weightsSha256 must be a lowercase hex sha256' })
  weightsSha256?: string;
}

@InputType()
export class UpdateModelInput {
  @Field(() => ID)
  id: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(SHA256, { message: 'weightsSha256 must be a lowercase hex sha256' })
  weightsSha256?: string;
}

@InputType()
export class ModelFilter {
  @Field(() => ModelKindEnum, { nullable: true })
  kind?: ModelKindEnum;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(200)
  search?: string;

  @Field(() => ID, { nullable: true, description: 'Only target models derived from this one.' })
  parentModelId?: string;
}
