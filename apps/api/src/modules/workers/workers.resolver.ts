import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Team } from '../teams/team.entity.js';
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
