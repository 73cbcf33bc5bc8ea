import { Arg, Ctx, ID, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import type { Actor } from '../../common/actor.js';
import { notFound } from '../../graphql/errors.js';
import { whileAllowed } from '../../graphql/subscription-access.js';
import type { FinetrackEvent } from '../events/events.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Run } from './run.entity.js';
import { ClaimedRun, ClaimRunInput } from './worker-claim.types.js';
import {
  CompleteRunInput,
  CompleteRunResult,
  FailRunInput,
  HeartbeatResult,
  HeartbeatRunInput,
  MetricsAppendedEvent,
  RecordCheckpointInput,
  ReleaseRunInput,
} from './worker.types.js';

type RunEvent = Extract<FinetrackEvent, { type: 'run' }>;
type MetricsEvent = Extract<FinetrackEvent, { type: 'metrics' }>;

/** The worker protocol's operations and the live updates of runs. */
/** A fresh actor for a subscription's re-check: the socket's credential authenticated again. */
const recheck = (ctx: GraphQLContext): Promise<Actor> =>
  ctx.subscription ? ctx.subscription.recheck() : Promise.resolve(ctx.actor);

@Resolver()
export class WorkerResolver {
  @Mutation(() => ClaimedRun, {
    nullable: true,
    description: "Worker: the next queued run of the token's team with a lease; null if none.",
  })
  claimRun(@Arg('input') input: ClaimRunInput, @Ctx() context: GraphQLContext) {
    // Stops waiting for a run once the worker hung up.
    return context.services.claims.claim(
      context.actor,
      input,
      () => context.request?.socket?.destroyed ?? false,
    );
  }

  @Mutation(() => HeartbeatResult, { description: 'Worker: extends the lease.' })
  heartbeatRun(@Arg('input') input: HeartbeatRunInput, @Ctx() context: GraphQLContext) {
    return context.services.leases.heartbeat(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Worker: the checkpoint a new claim resumes from.' })
  recordCheckpoint(@Arg('input') input: RecordCheckpointInput, @Ctx() context: GraphQLContext) {
    return context.services.leases.recordCheckpoint(context.actor, input);
  }

  @Mutation(() => CompleteRunResult, {
    description: 'Worker: the run succeeded; registers the trained model. Idempotent.',
  })
  completeRun(@Arg('input') input: CompleteRunInput, @Ctx() context: GraphQLContext) {
    return context.services.leases.complete(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Worker: the run failed for good. Idempotent.' })
  failRun(@Arg('input') input: FailRunInput, @Ctx() context: GraphQLContext) {
    return context.services.leases.fail(context.actor, input);
  }

  @Mutation(() => Run, { description: 'Worker (SIGTERM): back to the queue now. Idempotent.' })
  releaseRun(@Arg('input') input: ReleaseRunInput, @Ctx() context: GraphQLContext) {
    return context.services.leases.release(context.actor, input);
  }

  @Subscription(() => Run, {
    description: "The run row after every change of one of the experiment's runs.",
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const experimentId = (args as { experimentId: string }).experimentId;
      const allowed = (actor: Actor) =>
        ctx.services.access.requireOwned(
          actor,
          'experiments',
          experimentId,
          TeamRole.VIEWER,
          'experiment',
        );
      await allowed(ctx.actor);
      return whileAllowed(
        ctx.services.events.subscribe(
          (event): event is RunEvent => event.type === 'run' && event.experimentId === experimentId,
        ),
        async () => void (await allowed(await recheck(ctx))),
        ctx.subscription,
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
      const allowed = (actor: Actor) =>
        ctx.services.access.requireOwned(actor, 'runs', runId, TeamRole.VIEWER, 'run');
      await allowed(ctx.actor);
      return whileAllowed(
        ctx.services.events.subscribe(
          (event): event is MetricsEvent => event.type === 'metrics' && event.runId === runId,
        ),
        async () => void (await allowed(await recheck(ctx))),
        ctx.subscription,
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
