import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Team } from '../teams/team.entity.js';
import { LogInInput, SignUpInput } from './auth.inputs.js';
import { User } from './user.entity.js';

@Resolver(() => User)
export class AuthResolver {
  @Mutation(() => User, { description: 'Creates an account and sets the session cookie.' })
  async signUp(@Arg('input') input: SignUpInput, @Ctx() context: GraphQLContext) {
    const { user, session } = await context.services.auth.signUp(context.actor, input);
    context.session.set(session);
    return user;
  }

  @Mutation(() => User, { description: 'Sets the session cookie.' })
  async logIn(@Arg('input') input: LogInInput, @Ctx() context: GraphQLContext) {
    const { user, session } = await context.services.auth.logIn(context.actor, input);
    context.session.set(session);
    return user;
  }

  @Mutation(() => Boolean, { description: 'Ends the session and clears the cookie.' })
  async logOut(@Ctx() context: GraphQLContext) {
    await context.services.auth.logOut(context.session.secret);
    context.session.clear();
    return true;
  }

  @Query(() => User, { description: 'The caller; UNAUTHENTICATED when anonymous.' })
  me(@Ctx() context: GraphQLContext) {
    return context.services.auth.me(context.actor);
  }

  @FieldResolver(() => [Team], { description: "The caller's teams (only for the caller)." })
  async teams(@Root() user: User, @Ctx() context: GraphQLContext) {
    if (context.actor.viewer?.userId !== user.id) return [];
    return context.services.teams.mine(context.actor);
  }
}
