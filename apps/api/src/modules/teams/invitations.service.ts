import {
  INVITATION_TTL_DAYS,
  MAX_INVITATIONS_LISTED,
  MAX_PENDING_INVITATIONS_PER_TEAM,
} from '@finetrack/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor, Viewer } from '../../common/actor.js';
import type { Config } from '../../config.js';
import { isUuid } from '../../common/pagination.js';
import { conflict, forbidden, notFound, rateLimited } from '../../graphql/errors.js';
import type { AccessService } from './access.service.js';
import { Invitation, InvitationStatus } from './invitation.entity.js';
import { assertRoomForAnotherTeam, lockTeam, roleNow } from './member-changes.js';
import { Membership } from './membership.entity.js';
import { atLeast, TeamRole } from './team-role.js';
import type { InviteTeamMemberInput } from './teams.inputs.js';

const HOUR_MS = 3_600_000;

/**
 * Invitations to a team: an admin sends one to an email, the account with that email accepts
 * or declines it. Sending never looks an account up, so its answer (and its time) is the same
 * whether or not the address has one; counts of what was sent, read under the team's lock, hold
 * the hourly limits across API processes.
 */
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly limits: Pick<
      Config,
      'invitationsPerTeamPerHour' | 'invitationsPerInviterPerHour'
    >,
  ) {}

  async invite(actor: Actor, input: InviteTeamMemberInput): Promise<Invitation> {
    const viewer = this.access.viewer(actor);
    await this.access.require(actor, input.teamId, TeamRole.ADMIN);
    const email = input.email.trim().toLowerCase();
    return this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, input.teamId);
      const role = await roleNow(manager, input.teamId, viewer.userId);
      if (!role) throw notFound('team');
      if (!atLeast(role, TeamRole.ADMIN))
        throw forbidden(`this needs the admin role in the team; you are ${role}`);
      if (!atLeast(role, input.role))
        throw forbidden(`you can invite with your own role (${role}) or below`);
      // The inviter's row too: their hourly count spans teams whose locks differ.
      await manager.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [viewer.userId]);
      await this.assertWithinLimits(manager, input.teamId, viewer.userId);
      // Only this team's members are looked at: admins see their emails anyway, so this says
      // nothing about accounts outside the team, and it runs the same query either way.
      const [member]: unknown[] = await manager.query(
        `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.team_id = $1 AND lower(u.email) = $2`,
        [input.teamId, email],
      );
      if (member) throw conflict('someone with that email is already in the team');
      const [open]: unknown[] = await manager.query(
        `SELECT 1 FROM team_invitations
          WHERE team_id = $1 AND email = $2 AND status = 'pending' AND expires_at > now()`,
        [input.teamId, email],
      );
      if (open) throw conflict('that email already has an open invitation; revoke it first');
      // An expired pending invitation would hold the unique index: it ends now.
      await manager.query(
        `UPDATE team_invitations SET status = 'revoked', answered_at = now()
          WHERE team_id = $1 AND email = $2 AND status = 'pending'`,
        [input.teamId, email],
      );
      const [row]: { id: string }[] = await manager.query(
        `INSERT INTO team_invitations (team_id, email, role, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(days => $5)) RETURNING id`,
        [input.teamId, email, input.role, viewer.userId, INVITATION_TTL_DAYS],
      );
      const [invitation] = toViews(await manager.query(`${SELECT_VIEW} WHERE i.id = $1`, [row.id]));
      return invitation;
    });
  }

  /** The team's open invitations, newest first (admins only). */
  async forTeam(actor: Actor, teamId: string): Promise<Invitation[]> {
    await this.access.require(actor, teamId, TeamRole.ADMIN);
    return this.dataSource
      .query(
        `${SELECT_VIEW} WHERE i.team_id = $1 AND i.status = 'pending' AND i.expires_at > now()
        ORDER BY i.created_at DESC, i.id LIMIT $2`,
        [teamId, MAX_PENDING_INVITATIONS_PER_TEAM],
      )
      .then(toViews);
  }

  /** Open invitations to the caller's email, newest first; none through a team-limited token. */
  async mine(actor: Actor): Promise<Invitation[]> {
    const viewer = this.access.viewer(actor);
    if (viewer.tokenTeamId) return [];
    return this.dataSource
      .query(
        `${SELECT_VIEW} JOIN users me ON me.id = $1 AND lower(me.email) = i.email
        WHERE i.status = 'pending' AND i.expires_at > now()
        ORDER BY i.created_at DESC, i.id LIMIT $2`,
        [viewer.userId, MAX_INVITATIONS_LISTED],
      )
      .then(toViews);
  }

  async revoke(actor: Actor, id: string): Promise<boolean> {
    const viewer = this.access.viewer(actor);
    const teamId = await this.teamOf(id);
    if (!teamId) throw notFound('invitation');
    await this.access.require(actor, teamId, TeamRole.ADMIN, 'invitation');
    await this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, teamId);
      const role = await roleNow(manager, teamId, viewer.userId);
      if (!role || !atLeast(role, TeamRole.ADMIN))
        throw forbidden('this needs the admin role in the team');
      const invitation = await this.lockInvitation(manager, id);
      if (invitation.role === TeamRole.OWNER && role !== TeamRole.OWNER)
        throw forbidden('only an owner can revoke an invitation to be owner');
      this.assertPending(invitation);
      await this.answer(manager, id, InvitationStatus.REVOKED);
    });
    return true;
  }

  /** Joins the team with the invitation's role, under the team lock membership changes use. */
  async accept(actor: Actor, id: string): Promise<Membership> {
    const viewer = this.inviteeViewer(actor);
    const teamId = await this.teamOf(id);
    if (!teamId) throw notFound('invitation');
    const membership = await this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, teamId);
      const invitation = await this.lockInvitation(manager, id);
      await this.assertAddressedTo(manager, invitation, viewer.userId);
      this.assertPending(invitation);
      if (await roleNow(manager, teamId, viewer.userId))
        throw conflict('you are already in this team');
      await assertRoomForAnotherTeam(manager, viewer.userId);
      await this.answer(manager, id, InvitationStatus.ACCEPTED);
      return manager
        .getRepository(Membership)
        .save({ teamId, userId: viewer.userId, role: invitation.role });
    });
    actor.roles.delete(teamId);
    return membership;
  }

  async decline(actor: Actor, id: string): Promise<boolean> {
    const viewer = this.inviteeViewer(actor);
    const teamId = await this.teamOf(id);
    if (!teamId) throw notFound('invitation');
    await this.dataSource.transaction(async (manager) => {
      await lockTeam(manager, teamId);
      const invitation = await this.lockInvitation(manager, id);
      await this.assertAddressedTo(manager, invitation, viewer.userId);
      this.assertPending(invitation);
      await this.answer(manager, id, InvitationStatus.DECLINED);
    });
    return true;
  }

  /** A team-limited token acts in one team only: it cannot answer for its user elsewhere. */
  private inviteeViewer(actor: Actor): Viewer {
    const viewer = this.access.viewer(actor);
    if (viewer.tokenTeamId) throw forbidden('a team-limited token cannot answer invitations');
    return viewer;
  }

  private async teamOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const rows: { team_id: string }[] = await this.dataSource.query(
      'SELECT team_id FROM team_invitations WHERE id = $1',
      [id],
    );
    return rows[0]?.team_id ?? null;
  }

  private async lockInvitation(manager: EntityManager, id: string): Promise<Invitation> {
    const invitation = await manager
      .getRepository(Invitation)
      .createQueryBuilder('invitation')
      .where('invitation.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
    if (!invitation) throw notFound('invitation');
    return invitation;
  }

  /** Someone else's invitation is NOT_FOUND, like any id the caller may not see. */
  private async assertAddressedTo(
    manager: EntityManager,
    invitation: Invitation,
    userId: string,
  ): Promise<void> {
    const [user]: { email: string }[] = await manager.query(
      'SELECT email FROM users WHERE id = $1',
      [userId],
    );
    if (!user || user.email.trim().toLowerCase() !== invitation.email) throw notFound('invitation');
  }

  private assertPending(invitation: Invitation): void {
    if (invitation.status !== InvitationStatus.PENDING)
      throw conflict(`this invitation was already ${invitation.status}`);
    if (invitation.expiresAt.getTime() <= Date.now())
      throw conflict('this invitation has expired; ask for a new one');
  }

  private async answer(manager: EntityManager, id: string, status: InvitationStatus) {
    await manager.query(
      'UPDATE team_invitations SET status = $2, answered_at = now() WHERE id = $1',
      [id, status],
    );
  }

  private async assertWithinLimits(
    manager: EntityManager,
    teamId: string,
    inviterId: string,
  ): Promise<void> {
    const [counts]: { team: number; inviter: number; open: number; oldest: Date | null }[] =
      await manager.query(
        `SELECT
           count(*) FILTER (WHERE team_id = $1 AND created_at > now() - interval '1 hour')::int AS team,
           count(*) FILTER (WHERE invited_by = $2 AND created_at > now() - interval '1 hour')::int AS inviter,
           count(*) FILTER (WHERE team_id = $1 AND status = 'pending' AND expires_at > now())::int AS open,
           min(created_at) FILTER (WHERE created_at > now() - interval '1 hour') AS oldest
           FROM team_invitations WHERE team_id = $1 OR invited_by = $2`,
        [teamId, inviterId],
      );
    if (counts.open >= MAX_PENDING_INVITATIONS_PER_TEAM)
      throw conflict(
        `a team has at most ${MAX_PENDING_INVITATIONS_PER_TEAM} open invitations; revoke some first`,
      );
    const retryAfter = counts.oldest
      ? Math.max(1, Math.ceil((counts.oldest.getTime() + HOUR_MS - Date.now()) / 1000))
      : 1;
    const { invitationsPerTeamPerHour: perTeam, invitationsPerInviterPerHour: perInviter } =
      this.limits;
    if (counts.team >= perTeam)
      throw rateLimited(
        `a team may send ${perTeam} invitations an hour; try again later`,
        retryAfter,
      );
    if (counts.inviter >= perInviter)
      throw rateLimited(
        `one person may send ${perInviter} invitations an hour; try again later`,
        retryAfter,
      );
  }
}

const SELECT_VIEW = `SELECT i.id, i.team_id, i.email, i.role, i.invited_by, i.status, i.created_at,
       i.expires_at, t.name AS team_name, inviter.name AS inviter_name
  FROM team_invitations i
  JOIN teams t ON t.id = i.team_id
  LEFT JOIN users inviter ON inviter.id = i.invited_by`;

interface ViewRow {
  id: string;
  team_id: string;
  email: string;
  role: TeamRole;
  invited_by: string | null;
  status: InvitationStatus;
  created_at: Date;
  expires_at: Date;
  team_name: string;
  inviter_name: string | null;
}

function toViews(rows: ViewRow[]): Invitation[] {
  return rows.map((row) =>
    Object.assign(new Invitation(), {
      id: row.id,
      teamId: row.team_id,
      email: row.email,
      role: row.role,
      invitedBy: row.invited_by,
      status: row.status,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      teamName: row.team_name,
      inviterName: row.inviter_name,
    }),
  );
}
