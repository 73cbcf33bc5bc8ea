import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { Team } from '../teams/team.entity.js';
import { LogInInput, SignUpInput } from './auth.inputs.js';
import { User } from './user.entity.js';

@Resolver(() => User)
export class AuthResolver {
  @Mutation(() => User, { description: 'Creates an account and sets the session cookie.' })
  signUp(@Arg('input') input: SignUpInput, @Ctx() context: GraphQLContext) {
    return context.services.auth.signUp(context, input);
  }

  @Mutation(() => User, { description: 'Sets the session cookie.' })
  logIn(@Arg('input') input: LogInInput, @Ctx() context: GraphQLContext) {
    return context.services.auth.logIn(context, input);
  }

  @Mutation(() => Boolean, { description: 'Ends the session and clears the cookie.' })
  logOut(@Ctx() context: GraphQLContext) {
    return context.services.auth.logOut(context);
  }

  @Query(() => User, { description: 'The caller; UNAUTHENTICATED when anonymous.' })
  me(@Ctx() context: GraphQLContext) {
    return context.services.auth.me(context);
  }

  @FieldResolver(() => [Team], { description: "The caller's teams (only for the caller)." })
  async teams(@Root() user: User, @Ctx() context: GraphQLContext) {
    if (context.viewer?.userId !== user.id) return [];
    return context.services.teams.mine(context);
  }
}
