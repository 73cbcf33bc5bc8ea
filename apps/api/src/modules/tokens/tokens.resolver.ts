import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { ApiToken, ApiTokenConnection, CreatedApiToken } from './api-token.entity.js';
import { CreateApiTokenInput } from './tokens.inputs.js';

@Resolver(() => ApiToken)
export class TokensResolver {
  @Mutation(() => CreatedApiToken, { description: 'The secret is in `token`, shown only here.' })
  createApiToken(@Arg('input') input: CreateApiTokenInput, @Ctx() context: GraphQLContext) {
    return context.services.tokens.create(context.actor, input);
  }

  @Mutation(() => ApiToken)
  revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.tokens.revoke(context.actor, id);
  }

  @Query(() => ApiTokenConnection, { description: "The caller's tokens, newest first." })
  apiTokens(
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return context.services.tokens.mine(context.actor, { first, after });
  }

  @Query(() => ApiTokenConnection, { description: 'Tokens limited to a team (admins).' })
  teamApiTokens(
    @Arg('teamId', () => ID) teamId: string,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return context.services.tokens.forTeam(context.actor, teamId, { first, after });
  }
}
