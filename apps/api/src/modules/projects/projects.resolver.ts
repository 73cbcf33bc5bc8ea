import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { ListOrder } from '../../common/pagination.js';
import { Project, ProjectConnection } from './project.entity.js';
import { CreateProjectInput, ProjectFilter, UpdateProjectInput } from './projects.inputs.js';

@Resolver(() => Project)
export class ProjectsResolver {
  @Mutation(() => Project)
  createProject(@Arg('input') input: CreateProjectInput, @Ctx() context: GraphQLContext) {
    return context.services.projects.create(context.actor, input);
  }

  @Query(() => Project)
  project(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.projects.get(context.actor, id);
  }

  @Query(() => ProjectConnection)
  projects(
    @Arg('teamId', () => ID) teamId: string,
    @Ctx() context: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => ProjectFilter, { nullable: true }) filter?: ProjectFilter,
    @Arg('orderBy', () => ListOrder, { nullable: true }) orderBy?: ListOrder,
  ) {
    return context.services.projects.list(context.actor, teamId, { first, after, orderBy }, filter);
  }

  @Mutation(() => Project)
  updateProject(@Arg('input') input: UpdateProjectInput, @Ctx() context: GraphQLContext) {
    return context.services.projects.update(context.actor, input);
  }

  @Mutation(() => Boolean, {
    description: 'Deletes the project with its experiments and runs (admin).',
  })
  deleteProject(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext) {
    return context.services.projects.delete(context.actor, id);
  }
}
