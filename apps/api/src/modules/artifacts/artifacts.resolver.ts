import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { CreateArtifactInput } from '../runs/worker.types.js';
import { Artifact } from './artifact.entity.js';

@Resolver(() => Artifact)
export class ArtifactsResolver {
  @Mutation(() => Artifact, {
    description:
      'Announces an upload (pending, invisible); then PUT /artifacts/:id with exactly these bytes.',
  })
  createArtifact(@Arg('input') input: CreateArtifactInput, @Ctx() context: GraphQLContext) {
    return context.services.artifacts.create(context.actor, input);
  }
}
