import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { User } from '../users/user.entity.js';
import { Membership, MembershipConnection } from './membership.entity.js';
import { Team, TeamConnection } from './team.entity.js';
import { TeamRole } from './team-role.js';
import { CreateTeamInput, UpdateTeamInput, UpdateTeamMemberInput } from './teams.inputs.js';

@Resolver(() => Team)
export class TeamsResolver {
  @Mutation(() => Team, { description: 'The creator becomes owner.' })
  createTeam(@Arg('input') input: CreateTeamInput, @Ctx() context: GraphQLContext) {
    return context.services.teams.create(context.actor, input.name);
  }

  @Query(() => Team)
  team(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.teams.get(context.actor, id);
  }

  @Query(() => TeamConnection, { description: 'Teams the caller belongs to, newest first.' })
  teams(
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return context.services.teams.list(context.actor, { first, after });
  }

  @Mutation(() => Team)
  updateTeam(@Arg('input') input: UpdateTeamInput, @Ctx() context: GraphQLContext) {
    return context.services.teams.update(context.actor, input);
  }

  @Mutation(() => Boolean)
  deleteTeam(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.teams.delete(context.actor, id);
  }

  @Mutation(() => Boolean, {
    description: 'The caller leaves the team; CONFLICT for its last owner.',
  })
  leaveTeam(@Arg('teamId', () => ID) teamId: string, @Ctx() context: GraphQLContext) {
    return context.services.teams.leave(context.actor, teamId);
  }

  @Mutation(() => Membership)
  updateTeamMember(@Arg('input') input: UpdateTeamMemberInput, @Ctx() context: GraphQLContext) {
    return context.services.teams.updateMember(context.actor, input);
  }

  @Mutation(() => Boolean)
  removeTeamMember(
    @Arg('teamId', () => ID) teamId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() context: GraphQLContext,
  ) {
    return context.services.teams.removeMember(context.actor, teamId, userId);
  }

  @FieldResolver(() => TeamRole, { description: "The caller's role in this team." })
  async role(@Root() team: Team, @Ctx() context: GraphQLContext) {
    return context.services.access.require(context.actor, team.id, TeamRole.VIEWER);
  }

  @FieldResolver(() => MembershipConnection)
  members(
    @Root() team: Team,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return context.services.teams.members(context.actor, team.id, { first, after });
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => User)
  user(@Root() membership: Membership, @Ctx() context: GraphQLContext) {
    return context.services.teams.user(membership.userId);
  }

  @FieldResolver(() => Team)
  team(@Root() membership: Membership, @Ctx() context: GraphQLContext) {
    return context.services.teams.get(context.actor, membership.teamId);
  }
}
