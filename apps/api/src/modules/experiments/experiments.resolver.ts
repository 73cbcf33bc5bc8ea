import {
  Arg,
  Ctx,
  FieldResolver,
  Float,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { ListOrder } from '../../common/pagination.js';
import { Dataset } from '../datasets/dataset.entity.js';
import { Model } from '../models/model.entity.js';
import { Project } from '../projects/project.entity.js';
import { RunConnection } from '../runs/run.entity.js';
import { RunFilter, RunOrder } from '../runs/runs.inputs.js';
import { Experiment, ExperimentConnection } from './experiment.entity.js';
import {
  CreateExperimentInput,
  ExperimentFilter,
  UpdateExperimentInput,
} from './experiments.inputs.js';
import { trainSampleSizes } from './experiments.service.js';
import { DepthForSize, Grid, GridSummary } from './grid.types.js';

@Resolver(() => Experiment)
export class ExperimentsResolver {
  @Mutation(() => Experiment, {
    description: 'Creates the experiment and expands its sweep into runs in one transaction.',
  })
  createExperiment(@Arg('input') input: CreateExperimentInput, @Ctx() context: GraphQLContext) {
    return context.services.experiments.create(context.actor, input);
  }

  @Mutation(() => Experiment, {
    description: 'Queues every queued run of the experiment that has no job yet (idempotent).',
  })
  startExperiment(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.experiments.start(context.actor, id);
  }

  @Query(() => Experiment)
  experiment(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.experiments.get(context.actor, id);
  }

  @Query(() => ExperimentConnection)
  experiments(
    @Arg('projectId', () => ID) projectId: string,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => ExperimentFilter, { nullable: true }) filter?: ExperimentFilter,
    @Arg('orderBy', () => ListOrder, { nullable: true }) orderBy?: ListOrder,
  ) {
    return context.services.experiments.list(
      context.actor,
      projectId,
      { first, after, orderBy },
      filter,
    );
  }

  @Mutation(() => Experiment)
  updateExperiment(@Arg('input') input: UpdateExperimentInput, @Ctx() context: GraphQLContext) {
    return context.services.experiments.update(context.actor, input);
  }

  @Mutation(() => Boolean, { description: 'Deletes the experiment, its runs and their metrics.' })
  deleteExperiment(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.experiments.delete(context.actor, id);
  }

  @FieldResolver(() => RunConnection)
  runs(
    @Root() experiment: Experiment,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => RunFilter, { nullable: true }) filter?: RunFilter,
    @Arg('orderBy', () => RunOrder, { nullable: true }) orderBy?: RunOrder,
  ) {
    return context.services.runs.list(
      context.actor,
      experiment.id,
      { first, after },
      filter,
      orderBy,
    );
  }

  @FieldResolver(() => Grid)
  grid(
    @Root() experiment: Experiment,
    @Arg('metric', () => String) metric: string,
    @Arg('summary', () => GridSummary) summary: GridSummary,
    @Ctx() context: GraphQLContext,
    @Arg('trainSamples', () => Int, {
      nullable: true,
      description:
        'For sweeps over training-set sizes: which size to show (one of trainSampleSizes); default the largest.',
    })
    trainSamples?: number | null,
    @Arg('target', () => Float, {
      nullable: true,
      description:
        'Validation accuracy for compute-to-target; default 95 % of the best a scratch run of this size reached.',
    })
    target?: number | null,
  ) {
    return context.services.experiments.grid(experiment, metric, summary, trainSamples, target);
  }

  @FieldResolver(() => [Int], {
    description: 'The training-set sizes the sweep varies, ascending; empty when it varies none.',
  })
  trainSampleSizes(@Root() experiment: Experiment) {
    return trainSampleSizes(experiment);
  }

  @FieldResolver(() => [DepthForSize], {
    description:
      'Per training-set size, the best measured frozen depth beside the advised one (empty when the sweep varies no size).',
  })
  depthBySize(
    @Root() experiment: Experiment,
    @Arg('metric', () => String) metric: string,
    @Arg('summary', () => GridSummary) summary: GridSummary,
    @Ctx() context: GraphQLContext,
    @Arg('learningRate', () => Float, {
      nullable: true,
      description: 'Compare depths at this rate only; default: the best cell over every rate.',
    })
    learningRate?: number | null,
  ) {
    return context.services.experiments.depthBySize(
      experiment,
      metric,
      summary,
      learningRate ?? null,
    );
  }

  @FieldResolver(() => Project)
  project(@Root() experiment: Experiment, @Ctx() context: GraphQLContext) {
    return context.services.projects.get(context.actor, experiment.projectId);
  }

  @FieldResolver(() => Model, { nullable: true })
  sourceModel(@Root() experiment: Experiment, @Ctx() context: GraphQLContext) {
    return context.services.models.find(context.actor, experiment.sourceModelId);
  }

  @FieldResolver(() => Dataset, { nullable: true })
  targetDataset(@Root() experiment: Experiment, @Ctx() context: GraphQLContext) {
    if (!experiment.targetDatasetId) return null;
    return context.services.datasets
      .get(context.actor, experiment.targetDatasetId)
      .catch(() => null);
  }
}
