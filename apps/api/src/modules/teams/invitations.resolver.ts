import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { User } from '../users/user.entity.js';
import { Invitation } from './invitation.entity.js';
import { Membership } from './membership.entity.js';
import { Team } from './team.entity.js';
import { InviteTeamMemberInput } from './teams.inputs.js';

@Resolver(() => Invitation)
export class InvitationsResolver {
  @Mutation(() => Invitation, {
    description:
      'Invites an email to the team (admin or owner; a role up to your own). The answer is the same whether or not the email has an account.',
  })
  inviteTeamMember(@Arg('input') input: InviteTeamMemberInput, @Ctx() context: GraphQLContext) {
    return context.services.invitations.invite(context.actor, input);
  }

  @Mutation(() => Boolean, { description: "Withdraws an open invitation (the team's admins)." })
  revokeInvitation(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.invitations.revoke(context.actor, id);
  }

  @Mutation(() => Membership, { description: 'Joins the team (the invited account only).' })
  acceptInvitation(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.invitations.accept(context.actor, id);
  }

  @Mutation(() => Boolean, { description: 'Turns an invitation down (the invited account only).' })
  declineInvitation(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.invitations.decline(context.actor, id);
  }
}

@Resolver(() => Team)
export class TeamInvitationsResolver {
  @FieldResolver(() => [Invitation], { description: 'Open invitations, newest first (admins).' })
  invitations(@Root() team: Team, @Ctx() context: GraphQLContext) {
    return context.services.invitations.forTeam(context.actor, team.id);
  }
}

@Resolver(() => User)
export class UserInvitationsResolver {
  @FieldResolver(() => [Invitation], {
    description: "Open invitations to the caller's email, newest first (only for the caller).",
  })
  invitations(@Root() user: User, @Ctx() context: GraphQLContext) {
    if (context.actor.viewer?.userId !== user.id) return [];
    return context.services.invitations.mine(context.actor);
  }
}
