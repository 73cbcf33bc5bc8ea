import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Artifact } from '../artifacts/artifact.entity.js';
import { Run, RunConnection } from './run.entity.js';
import { CreateRunInput, RunFilter, RunOrder, UpdateRunInput } from './runs.inputs.js';

@Resolver(() => Run)
export class RunsResolver {
  @Query(() => Run)
  run(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.runs.get(context.actor, id);
  }

  @Query(() => RunConnection, { description: 'Same as Experiment.runs.' })
  runs(
    @Arg('experimentId', () => ID) experimentId: string,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => RunFilter, { nullable: true }) filter?: RunFilter,
    @Arg('orderBy', () => RunOrder, { nullable: true }) orderBy?: RunOrder,
  ) {
    return context.services.runs.list(
      context.actor,
      experimentId,
      { first, after },
      filter,
      orderBy,
    );
  }

  @Mutation(() => Run, { description: 'Adds one run; external runs are for outside scripts.' })
  createRun(@Arg('input') input: CreateRunInput, @Ctx() context: GraphQLContext) {
    return context.services.runs.create(context.actor, input);
  }

  @Mutation(() => Run, {
    description:
      'Status and summary of a run. External runs are never QUEUED; a terminal status fills the summary fields still empty from the run’s logged val_accuracy and val_loss (bestEpoch: the step of the best value) and wallSeconds from startedAt; finishing an external run again keeps its finishedAt.',
  })
  updateRun(@Arg('input') input: UpdateRunInput, @Ctx() context: GraphQLContext) {
    return context.services.runs.update(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Queued or running → cancelled.' })
  cancelRun(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.runControl.cancel(context.actor, id);
  }

  @Mutation(() => Run, {
    description: 'Failed or cancelled → queued (resumes from its checkpoint).',
  })
  retryRun(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.runControl.retry(context.actor, id);
  }

  @Mutation(() => Boolean)
  deleteRun(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.runs.delete(context.actor, id);
  }

  @FieldResolver(() => [Artifact], {
    description: 'The files this run uploaded (stored ones only), oldest first.',
  })
  artifacts(@Root() run: Run, @Ctx() context: GraphQLContext) {
    return context.services.artifacts.listStored({ runId: run.id });
  }
}
