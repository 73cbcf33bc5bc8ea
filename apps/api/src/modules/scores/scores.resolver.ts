import { Arg, Ctx, FieldResolver, Float, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Model } from '../models/model.entity.js';
import { ScoreSourceModelsInput } from './scores.inputs.js';
import { SourceModelScore } from './source-model-score.entity.js';

@Resolver(() => SourceModelScore)
export class ScoresResolver {
  @Mutation(() => [SourceModelScore], {
    description:
      'Queues one scoring job per source model (LogME, LEEP, NCE on frozen features) for the dataset version, run by a worker; a (dataset, model, trainSamples) already scored, queued or running is returned as it is, a failed one is queued again. In the order of modelIds.',
  })
  scoreSourceModels(@Arg('input') input: ScoreSourceModelsInput, @Ctx() context: GraphQLContext) {
    return context.services.scores.score(context.actor, input);
  }

  @Query(() => [SourceModelScore], {
    description:
      "The latest score of each source model scored for the dataset version, ranked by LogME (highest first; those without one yet last). Poll it for the jobs' status.",
  })
  sourceModelScores(@Arg('datasetId', () => ID) datasetId: string, @Ctx() context: GraphQLContext) {
    return context.services.scores.list(context.actor, datasetId);
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      "Best val_accuracy of a succeeded fine-tuning run (pretrained initialization) from this source model on this dataset version with this score's trainSamples (null: all samples), over the team's experiments; null until one finishes.",
  })
  bestFineTunedAccuracy(@Root() score: SourceModelScore, @Ctx() context: GraphQLContext) {
    return context.services.scores.bestFineTunedAccuracy(score);
  }

  @FieldResolver(() => Model, { nullable: true, description: 'The source model scored.' })
  model(@Root() score: SourceModelScore, @Ctx() context: GraphQLContext) {
    return context.services.models.findById(score.modelId);
  }
}
