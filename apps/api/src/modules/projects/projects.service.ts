import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { likePattern } from '../../common/like-pattern.js';
import { notFound } from '../../graphql/errors.js';
import { applyListPage, listPage, type ListOrder, type Page } from '../../common/pagination.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Project } from './project.entity.js';
import type { CreateProjectInput, ProjectFilter, UpdateProjectInput } from './projects.inputs.js';

export class ProjectsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Project);
  }

  async create(actor: Actor, input: CreateProjectInput): Promise<Project> {
    await this.access.require(actor, input.teamId, TeamRole.MEMBER);
    return this.repository.save({
      teamId: input.teamId,
      name: input.name.trim(),
      description: input.description ?? '',
    });
  }

  async get(actor: Actor, id: string): Promise<Project> {
    await this.access.requireOwned(actor, 'projects', id, TeamRole.VIEWER, 'project');
    const project = await this.repository.findOneBy({ id });
    if (!project) throw notFound('project');
    return project;
  }

  async list(
    actor: Actor,
    teamId: string,
    args: { first?: number | null; after?: string | null; orderBy?: ListOrder | null },
    filter?: ProjectFilter | null,
  ): Promise<Page<Project>> {
    await this.access.require(actor, teamId, TeamRole.VIEWER);
    const qb = this.repository
      .createQueryBuilder('project')
      .where('project.teamId = :teamId', { teamId });
    if (filter?.search)
      qb.andWhere('project.name ILIKE :search', { search: likePattern(filter.search) });
    const limit = applyListPage(qb, 'project', args);
    return listPage(await qb.getMany(), limit, args.orderBy);
  }

  async update(actor: Actor, input: UpdateProjectInput): Promise<Project> {
    await this.access.requireOwned(actor, 'projects', input.id, TeamRole.MEMBER, 'project');
    const patch: Partial<Project> = {};
    if (input.name !== undefined && input.name !== null) patch.name = input.name.trim();
    if (input.description !== undefined && input.description !== null)
      patch.description = input.description;
    if (Object.keys(patch).length > 0) await this.repository.update({ id: input.id }, patch);
    return this.get(actor, input.id);
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    await this.access.requireOwned(actor, 'projects', id, TeamRole.ADMIN, 'project');
    await this.repository.delete({ id });
    return true;
  }
}
