import { MAX_SCORED_MODELS, MAX_SCORE_SAMPLES, RULE_DESCRIPTIONS } from '@finetrack/shared';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsOptional } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class ScoreSourceModelsInput {
  @Field(() => ID, { description: 'The dataset version to score against.' })
  datasetId: string;

  @Field(() => [ID], {
    description: `Source models of the dataset's team, 1 to ${MAX_SCORED_MODELS}, no repeats.`,
  })
  @ArrayMinSize(1, { message: 'modelIds must name at least one source model' })
  @ArrayMaxSize(MAX_SCORED_MODELS, {
    message: `modelIds takes at most ${MAX_SCORED_MODELS} source models`,
  })
  @ArrayUnique({ message: 'modelIds names a model twice' })
  modelIds: string[];

  @Field(() => Int, {
    nullable: true,
    description: `Score on this nested subset of the training split (as a size sweep's runs see it); default: all of it. A worker reads at most its first ${MAX_SCORE_SAMPLES} samples. ${RULE_DESCRIPTIONS.trainSamples}`,
  })
  @IsOptional()
  trainSamples?: number | null;
}
