import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Run } from '../runs/run.entity.js';
import { Team } from '../teams/team.entity.js';
import { QueueState } from './queue-state.type.js';
import { Worker } from './worker.type.js';

@Resolver(() => Team)
export class TeamWorkersResolver {
  @FieldResolver(() => [Worker], {
    description:
      'Workers that serve the team, seen within WORKER_LISTED_HOURS: its own and the instance workers (instance: true), online first.',
  })
  workers(@Root() team: Team, @Ctx() context: GraphQLContext) {
    return context.services.workers.list(context.actor, team.id);
  }
}

@Resolver(() => Worker)
export class WorkersResolver {
  @Mutation(() => Boolean, {
    description:
      "Revokes the worker's token: it claims and heartbeats no more (nor does any worker sharing that token). Team admins revoke team workers, instance administrators instance workers.",
  })
  revokeWorker(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('workerId', () => ID, { description: 'Worker.id' }) workerId: string,
    @Ctx() context: GraphQLContext,
  ) {
    return context.services.workers.revoke(context.actor, teamId, workerId);
  }
}

@Resolver(() => Run)
export class RunQueueStateResolver {
  @FieldResolver(() => QueueState, {
    nullable: true,
    description: 'Queued runs only: why it waits and its place in the team’s queue.',
  })
  queueState(@Root() run: Run, @Ctx() context: GraphQLContext) {
    return context.services.queueStates.forRun(run);
  }
}
