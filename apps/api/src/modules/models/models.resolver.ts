import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { ListOrder } from '../../common/pagination.js';
import { Artifact } from '../artifacts/artifact.entity.js';
import { Dataset } from '../datasets/dataset.entity.js';
import { Run } from '../runs/run.entity.js';
import { PretrainModelInput } from '../runs/worker.types.js';
import { Model, ModelConnection } from './model.entity.js';
import { CreateModelInput, ModelFilter, UpdateModelInput } from './models.inputs.js';

@Resolver(() => Model)
export class ModelsResolver {
  @Mutation(() => Model)
  createModel(@Arg('input') input: CreateModelInput, @Ctx() context: GraphQLContext) {
    return context.services.models.create(context.actor, input);
  }

  @Mutation(() => Run, {
    description:
      'Registers a pending source model and queues the PRETRAIN run that trains it; experiments ' +
      'may use the model at once, their runs are handed out once it is trained.',
  })
  pretrainModel(@Arg('input') input: PretrainModelInput, @Ctx() context: GraphQLContext) {
    return context.services.pretraining.pretrain(context.actor, input);
  }

  @Query(() => Model)
  model(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.models.get(context.actor, id);
  }

  @Query(() => ModelConnection)
  models(
    @Arg('teamId', () => ID) teamId: string,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => ModelFilter, { nullable: true }) filter?: ModelFilter,
    @Arg('orderBy', () => ListOrder, { nullable: true }) orderBy?: ListOrder,
  ) {
    return context.services.models.list(context.actor, teamId, { first, after, orderBy }, filter);
  }

  @Mutation(() => Model)
  updateModel(@Arg('input') input: UpdateModelInput, @Ctx() context: GraphQLContext) {
    return context.services.models.update(context.actor, input);
  }

  @Mutation(() => Boolean)
  deleteModel(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.models.delete(context.actor, id);
  }

  @FieldResolver(() => Model, {
    nullable: true,
    description: 'The source model this one came from.',
  })
  parent(@Root() model: Model, @Ctx() context: GraphQLContext) {
    return context.services.models.find(context.actor, model.parentModelId);
  }

  @FieldResolver(() => ModelConnection, { description: 'Target models derived from this one.' })
  children(
    @Root() model: Model,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return context.services.models.list(
      context.actor,
      model.teamId,
      { first, after },
      { parentModelId: model.id },
    );
  }

  @FieldResolver(() => Dataset, { nullable: true })
  dataset(@Root() model: Model, @Ctx() context: GraphQLContext) {
    if (!model.datasetId) return null;
    return context.services.datasets.get(context.actor, model.datasetId).catch(() => null);
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description:
      'finetrack.json of the model’s download folder (GET /models/:id/download zips it with the files).',
  })
  async finetrackJson(@Root() model: Model, @Ctx() context: GraphQLContext) {
    return (await context.services.modelDownload.folder(context.actor, model.id)).metadata;
  }

  @FieldResolver(() => [Artifact], {
    description: "The model's files (stored ones only), oldest first.",
  })
  artifacts(@Root() model: Model, @Ctx() context: GraphQLContext) {
    return context.services.artifacts.listStored({ modelId: model.id });
  }
}
