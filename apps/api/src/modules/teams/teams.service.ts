import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { conflict, forbidden, notFound } from '../../graphql/errors.js';
import { applyListPage, isUuid, listPage, type Page } from '../../common/pagination.js';
import { User } from '../users/user.entity.js';
import type { AccessChanges } from '../events/access-changes.js';
import type { AuthService } from '../users/auth.service.js';
import type { AccessService } from './access.service.js';
import {
  assertRoomForAnotherTeam,
  lockTeam,
  ownerCount,
  revokeOutgrownInvitations,
  revokeOutgrownTokens,
  roleNow,
} from './member-changes.js';
import { Membership } from './membership.entity.js';
import { Team } from './team.entity.js';
import { atLeast, TeamRole } from './team-role.js';
import type { UpdateTeamInput, UpdateTeamMemberInput } from './teams.inputs.js';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export class TeamsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly auth: AuthService,
    private readonly accessChanges: AccessChanges,
  ) {}

  async create(actor: Actor, name: string): Promise<Team> {
    const viewer = this.access.viewer(actor);
    if (viewer.tokenTeamId) throw forbidden('a team-limited token cannot create teams');
    return this.dataSource.transaction(async (manager) => {
      await assertRoomForAnotherTeam(manager, viewer.userId);
      const team = await manager.save(manager.create(Team, { name: name.trim() }));
      await manager.insert(Membership, {
        teamId: team.id,
        userId: viewer.userId,
        role: TeamRole.OWNER,
      });
      actor.roles.set(team.id, TeamRole.OWNER);
      return team;
    });
  }

  async get(actor: Actor, id: string): Promise<Team> {
    await this.access.require(actor, id, TeamRole.VIEWER);
    const team = await this.dataSource.getRepository(Team).findOneBy({ id });
    if (!team) throw notFound('team');
    return team;
  }

  async list(actor: Actor, args: PageArgs): Promise<Page<Team>> {
    const viewer = this.access.viewer(actor);
    const qb = this.dataSource
      .getRepository(Team)
      .createQueryBuilder('team')
      .innerJoin(Membership, 'm', 'm.team_id = team.id AND m.user_id = :userId', {
        userId: viewer.userId,
      });
    if (viewer.tokenTeamId)
      qb.andWhere('team.id = :tokenTeamId', { tokenTeamId: viewer.tokenTeamId });
    const limit = applyListPage(qb, 'team', args);
    return listPage(await qb.getMany(), limit);
  }

  /** Teams with the caller's role, for `me { teams { id name role } }`. */
  async mine(actor: Actor): Promise<Team[]> {
    const viewer = this.access.viewer(actor);
    const rows: { id: string; name: string; created_at: Date; role: TeamRole }[] =
      await this.dataSource.query(
        `SELECT t.id, t.name, t.created_at, m.role FROM teams t
           JOIN memberships m ON m.team_id = t.id AND m.user_id = $1
          WHERE $2::uuid IS NULL OR t.id = $2::uuid
          ORDER BY t.created_at, t.id`,
        [viewer.userId, viewer.tokenTeamId],
      );
    return rows.map((row) => {
      actor.roles.set(row.id, row.role);
      return Object.assign(new Team(), { id: row.id, name: row.name, createdAt: row.created_at });
    });
  }

  async update(actor: Actor, input: UpdateTeamInput): Promise<Team> {
    await this.access.require(actor, input.id, TeamRole.ADMIN);
    await this.dataSource.getRepository(Team).update({ id: input.id }, { name: input.name.trim() });
    return this.get(actor, input.id);
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    await this.access.require(actor, id, TeamRole.OWNER);
    await this.dataSource.getRepository(Team).delete({ id });
    return true;
  }

  async members(actor: Actor, teamId: string, args: PageArgs): Promise<Page<Membership>> {
    await this.access.require(actor, teamId, TeamRole.VIEWER);
    const qb = this.dataSource
      .getRepository(Membership)
      .createQueryBuilder('membership')
      .where('membership.teamId = :teamId', { teamId });
    const limit = applyListPage(qb, 'membership', args);
    return listPage(await qb.getMany(), limit);
  }

  async updateMember(actor: Actor, input: UpdateTeamMemberInput): Promise<Membership> {
    await this.access.require(actor, input.teamId, TeamRole.ADMIN);
    const { membership, revoked } = await this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, input.teamId);
      const role = await this.callersRoleNow(manager, actor, input.teamId);
      const membership = await this.findMembership(input.teamId, input.userId, manager);
      const touchesOwner = membership.role === TeamRole.OWNER || input.role === TeamRole.OWNER;
      if (touchesOwner && role !== TeamRole.OWNER)
        throw forbidden('only an owner can change owners');
      if (membership.role === TeamRole.OWNER && input.role !== TeamRole.OWNER)
        await this.assertAnotherOwner(manager, input.teamId);
      membership.role = input.role;
      await manager.getRepository(Membership).update({ id: membership.id }, { role: input.role });
      const revoked = await revokeOutgrownTokens(manager, input.teamId, input.userId, input.role);
      await revokeOutgrownInvitations(manager, input.teamId, input.userId, input.role);
      return { membership, revoked };
    });
    await this.accessChanged(input.userId, revoked);
    actor.roles.delete(input.teamId);
    return membership;
  }

  async removeMember(actor: Actor, teamId: string, userId: string): Promise<boolean> {
    await this.access.require(actor, teamId, TeamRole.ADMIN);
    const revoked = await this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, teamId);
      const role = await this.callersRoleNow(manager, actor, teamId);
      const membership = await this.findMembership(teamId, userId, manager);
      if (membership.role === TeamRole.OWNER) {
        if (role !== TeamRole.OWNER) throw forbidden('only an owner can remove an owner');
        await this.assertAnotherOwner(manager, teamId);
      }
      await manager.getRepository(Membership).delete({ id: membership.id });
      await revokeOutgrownInvitations(manager, teamId, userId, null);
      return revokeOutgrownTokens(manager, teamId, userId, null);
    });
    await this.accessChanged(userId, revoked);
    actor.roles.delete(teamId);
    return true;
  }

  /**
   * The caller leaves the team, as if an admin removed them: their team-limited and worker
   * tokens there are revoked and their sockets re-checked. The last owner cannot leave, or the
   * team would have nobody to manage it.
   */
  async leave(actor: Actor, teamId: string): Promise<boolean> {
    await this.access.require(actor, teamId, TeamRole.VIEWER);
    const userId = this.access.viewer(actor).userId;
    const revoked = await this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, teamId);
      const role = await roleNow(manager, teamId, userId);
      if (!role) throw notFound('team');
      if (role === TeamRole.OWNER && (await ownerCount(manager, teamId)) < 2)
        throw conflict(
          'you are the last owner of this team: make another member owner first, or delete the team',
        );
      await manager.query('DELETE FROM memberships WHERE team_id = $1 AND user_id = $2', [
        teamId,
        userId,
      ]);
      await revokeOutgrownInvitations(manager, teamId, userId, null);
      return revokeOutgrownTokens(manager, teamId, userId, null);
    });
    await this.accessChanged(userId, revoked);
    actor.roles.delete(teamId);
    return true;
  }

  async user(id: string): Promise<User> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    if (!user) throw notFound('user');
    return user;
  }

  private async findMembership(
    teamId: string,
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Membership> {
    if (!isUuid(userId)) throw notFound('member');
    const membership = await manager.getRepository(Membership).findOneBy({ teamId, userId });
    if (!membership) throw notFound('member');
    return membership;
  }

  /** The caller's role read under the team lock: it may have changed since the request began. */
  private async callersRoleNow(
    manager: EntityManager,
    actor: Actor,
    teamId: string,
  ): Promise<TeamRole> {
    const role = await roleNow(manager, teamId, this.access.viewer(actor).userId);
    if (!role) throw notFound('team');
    if (!atLeast(role, TeamRole.ADMIN))
      throw forbidden(`this needs the admin role in the team; you are ${role}`);
    return role;
  }

  private async assertAnotherOwner(manager: EntityManager, teamId: string): Promise<void> {
    if ((await ownerCount(manager, teamId)) < 2)
      throw conflict('a team must keep at least one owner');
  }

  /** Drops revoked tokens from the credential cache and has open sockets checked again. */
  private async accessChanged(userId: string, revokedHashes: string[]): Promise<void> {
    for (const hash of revokedHashes) this.auth.forget(hash);
    await this.accessChanges.announce({ userId, credentialHashes: revokedHashes });
  }
}
