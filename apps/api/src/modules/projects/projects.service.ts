import type { DataSource } from 'typeorm';
import type { GraphQLContext } from '../../graphql/context.js';
import { notFound } from '../../graphql/errors.js';
import { applyListPage, listPage, type ListOrder, type Page } from '../../common/pagination.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Project } from './project.entity.js';
import type { CreateProjectInput, ProjectFilter, UpdateProjectInput } from './projects.inputs.js';

/** Escapes LIKE wildcards so a search is a plain substring match. */
export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class ProjectsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Project);
  }

  async create(context: GraphQLContext, input: CreateProjectInput): Promise<Project> {
    await this.access.require(context, input.teamId, TeamRole.MEMBER);
    return this.repository.save({
      teamId: input.teamId,
      name: input.name.trim(),
      description: input.description ?? '',
    });
  }

  async get(context: GraphQLContext, id: string): Promise<Project> {
    await this.access.requireOwned(context, 'projects', id, TeamRole.VIEWER, 'project');
    const project = await this.repository.findOneBy({ id });
    if (!project) throw notFound('project');
    return project;
  }

  async list(
    context: GraphQLContext,
    teamId: string,
    args: { first?: number | null; after?: string | null; orderBy?: ListOrder | null },
    filter?: ProjectFilter | null,
  ): Promise<Page<Project>> {
    await this.access.require(context, teamId, TeamRole.VIEWER);
    const qb = this.repository
      .createQueryBuilder('project')
      .where('project.teamId = :teamId', { teamId });
    if (filter?.search)
      qb.andWhere('project.name ILIKE :search', { search: likePattern(filter.search) });
    const limit = applyListPage(qb, 'project', args);
    return listPage(await qb.getMany(), limit, args.orderBy);
  }

  async update(context: GraphQLContext, input: UpdateProjectInput): Promise<Project> {
    await this.access.requireOwned(context, 'projects', input.id, TeamRole.MEMBER, 'project');
    const patch: Partial<Project> = {};
    if (input.name !== undefined && input.name !== null) patch.name = input.name.trim();
    if (input.description !== undefined && input.description !== null)
      patch.description = input.description;
    if (Object.keys(patch).length > 0) await this.repository.update({ id: input.id }, patch);
    return this.get(context, input.id);
  }

  async delete(context: GraphQLContext, id: string): Promise<boolean> {
    await this.access.requireOwned(context, 'projects', id, TeamRole.ADMIN, 'project');
    await this.repository.delete({ id });
    return true;
  }
}
