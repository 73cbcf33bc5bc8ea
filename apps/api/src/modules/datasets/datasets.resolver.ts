import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { ListOrder } from '../../common/pagination.js';
import { Experiment } from '../experiments/experiment.entity.js';
import { ClassCount, Dataset, DatasetConnection, DatasetThumbnail } from './dataset.entity.js';
import {
  CreateDatasetFromUploadInput,
  CreateDatasetInput,
  DatasetFilter,
  UpdateDatasetInput,
} from './datasets.inputs.js';

@Resolver(() => Dataset)
export class DatasetsResolver {
  @Mutation(() => Dataset)
  createDataset(@Arg('input') input: CreateDatasetInput, @Ctx() context: GraphQLContext) {
    return context.services.datasets.create(context.actor, input);
  }

  @Mutation(() => Dataset, {
    description:
      'Makes a dataset (or the next version of its name) of a finished upload to /uploads.',
  })
  createDatasetFromUpload(
    @Arg('input') input: CreateDatasetFromUploadInput,
    @Ctx() context: GraphQLContext,
  ) {
    return context.services.datasetUploads.createFromUpload(context.actor, input);
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

  @FieldResolver(() => [Dataset], { description: 'Every version of this name, newest first.' })
  versions(@Root() dataset: Dataset, @Ctx() context: GraphQLContext) {
    return context.services.datasets.versions(dataset);
  }

  @FieldResolver(() => [ClassCount], {
    description: 'Images per class in each split (uploaded datasets; empty for the others).',
  })
  classCounts(@Root() dataset: Dataset): ClassCount[] {
    return dataset.classCountsJson ?? [];
  }

  @FieldResolver(() => [DatasetThumbnail])
  async thumbnails(@Root() dataset: Dataset, @Ctx() context: GraphQLContext) {
    const rows = await context.services.datasets.thumbnails(dataset.id);
    return rows.map((row) => ({
      className: row.className,
      url: `/dataset-files/${dataset.id}/thumbnails/${row.index}`,
    }));
  }

  @FieldResolver(() => [Experiment], {
    description: 'Experiments whose target dataset, or whose source model was trained on, this is.',
  })
  experiments(@Root() dataset: Dataset, @Ctx() context: GraphQLContext) {
    return context.services.datasets.experiments(dataset.id);
  }
}
