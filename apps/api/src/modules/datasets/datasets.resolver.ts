import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { ListOrder } from '../../common/pagination.js';
import { Dataset, DatasetConnection } from './dataset.entity.js';
import { CreateDatasetInput, DatasetFilter, UpdateDatasetInput } from './datasets.inputs.js';

@Resolver(() => Dataset)
export class DatasetsResolver {
  @Mutation(() => Dataset)
  createDataset(@Arg('input') input: CreateDatasetInput, @Ctx() context: GraphQLContext) {
    return context.services.datasets.create(context.actor, input);
  }

  @Query(() => Dataset)
  dataset(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.datasets.get(context.actor, id);
  }

  @Query(() => DatasetConnection)
  datasets(
    @Arg('teamId', () => ID) teamId: string,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => DatasetFilter, { nullable: true }) filter?: DatasetFilter,
    @Arg('orderBy', () => ListOrder, { nullable: true }) orderBy?: ListOrder,
  ) {
    return context.services.datasets.list(context.actor, teamId, { first, after, orderBy }, filter);
  }

  @Mutation(() => Dataset)
  updateDataset(@Arg('input') input: UpdateDatasetInput, @Ctx() context: GraphQLContext) {
    return context.services.datasets.update(context.actor, input);
  }

  @Mutation(() => Boolean)
  deleteDataset(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.datasets.delete(context.actor, id);
  }
}
