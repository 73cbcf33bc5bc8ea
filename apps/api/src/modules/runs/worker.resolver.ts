import { Arg, Ctx, ID, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { notFound } from '../../graphql/errors.js';
import type { FinetrackEvent } from '../events/events.service.js';
import { Experiment } from '../experiments/experiment.entity.js';
import { TeamRole } from '../teams/team-role.js';
import { Run } from './run.entity.js';
import {
  ClaimedRun,
  ClaimRunInput,
  CompleteRunInput,
  CompleteRunResult,
  FailRunInput,
  HeartbeatResult,
  HeartbeatRunInput,
  MetricsAppendedEvent,
  PretrainModelInput,
  RecordCheckpointInput,
  ReleaseRunInput,
} from './worker.types.js';

type RunEvent = Extract<FinetrackEvent, { type: 'run' }>;
type MetricsEvent = Extract<FinetrackEvent, { type: 'metrics' }>;

/** The worker protocol's operations, the user controls of execution and the live updates. */
@Resolver()
export class WorkerResolver {
  @Mutation(() => ClaimedRun, {
    nullable: true,
    description: "Worker: the next queued run of the token's team with a lease; null if none.",
  })
  claimRun(@Arg('input') input: ClaimRunInput, @Ctx() context: GraphQLContext) {
    // A long poll stops once the worker hung up.
    return context.services.worker.claim(
      context.actor,
      input,
      () => context.request?.socket?.destroyed === true,
    );
  }

  @Mutation(() => HeartbeatResult, { description: 'Worker: extends the lease.' })
  heartbeatRun(@Arg('input') input: HeartbeatRunInput, @Ctx() context: GraphQLContext) {
    return context.services.worker.heartbeat(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Worker: the checkpoint a new claim resumes from.' })
  recordCheckpoint(@Arg('input') input: RecordCheckpointInput, @Ctx() context: GraphQLContext) {
    return context.services.worker.recordCheckpoint(context.actor, input);
  }

  @Mutation(() => CompleteRunResult, {
    description: 'Worker: the run succeeded; registers the trained model. Idempotent.',
  })
  completeRun(@Arg('input') input: CompleteRunInput, @Ctx() context: GraphQLContext) {
    return context.services.worker.complete(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Worker: the run failed for good. Idempotent.' })
  failRun(@Arg('input') input: FailRunInput, @Ctx() context: GraphQLContext) {
    return context.services.worker.fail(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Worker (SIGTERM): back to the queue now. Idempotent.' })
  releaseRun(@Arg('input') input: ReleaseRunInput, @Ctx() context: GraphQLContext) {
    return context.services.worker.release(context.actor, input);
  }

  @Mutation(() => Experiment, {
    description: 'Queues every queued run of the experiment that has no job yet (idempotent).',
  })
  startExperiment(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.worker.startExperiment(context.actor, id);
  }

  @Mutation(() => Run, {
    description:
      'Registers a pending source model and queues the PRETRAIN run that trains it; experiments ' +
      'may use the model at once, their runs are handed out once it is trained.',
  })
  pretrainModel(@Arg('input') input: PretrainModelInput, @Ctx() context: GraphQLContext) {
    return context.services.worker.pretrain(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Queued or running → cancelled.' })
  cancelRun(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.worker.cancel(context.actor, id);
  }

  @Mutation(() => Run, {
    description: 'Failed or cancelled → queued (resumes from its checkpoint).',
  })
  retryRun(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.worker.retry(context.actor, id);
  }

  @Subscription(() => Run, {
    description: "The run row after every change of one of the experiment's runs.",
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const experimentId = (args as { experimentId: string }).experimentId;
      await ctx.services.access.requireOwned(
        ctx.actor,
        'experiments',
        experimentId,
        TeamRole.VIEWER,
        'experiment',
      );
      return ctx.services.events.subscribe(
        (event): event is RunEvent => event.type === 'run' && event.experimentId === experimentId,
      );
    },
  })
  async runUpdated(
    @Root() event: RunEvent,
    @Arg('experimentId', () => ID) _experimentId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<Run> {
    const run = await context.services.runs.find(event.runId);
    if (!run) throw notFound('run');
    return run;
  }

  @Subscription(() => MetricsAppendedEvent, {
    description: 'One event per accepted logMetrics batch of the run.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const runId = (args as { runId: string }).runId;
      await ctx.services.access.requireOwned(ctx.actor, 'runs', runId, TeamRole.VIEWER, 'run');
      return ctx.services.events.subscribe(
        (event): event is MetricsEvent => event.type === 'metrics' && event.runId === runId,
      );
    },
  })
  metricsAppended(
    @Root() event: MetricsEvent,
    @Arg('runId', () => ID) _runId: string,
  ): MetricsAppendedEvent {
    return { runId: event.runId, keys: event.keys, count: event.count, maxStep: event.maxStep };
  }
}
