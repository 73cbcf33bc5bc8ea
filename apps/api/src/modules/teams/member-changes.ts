import { MAX_TEAMS_PER_USER } from '@finetrack/shared';
import type { EntityManager } from 'typeorm';
import { conflict } from '../../graphql/errors.js';
import { ApiTokenRole } from '../tokens/api-token.entity.js';
import { atLeast, isTeamRole, TeamRole, WORKER_TOKEN_MINIMUM_ROLE } from './team-role.js';

/**
 * Membership changes of one team run one at a time: each locks the team's row first, then reads
 * the roles it decides on inside its transaction. Two owners demoting each other at once could
 * otherwise both see two owners and leave none.
 */
export async function lockTeam(manager: EntityManager, teamId: string): Promise<void> {
  await manager.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
}

/** A member's role as committed now (never the request's cached one), or null. */
export async function roleNow(
  manager: EntityManager,
  teamId: string,
  userId: string,
): Promise<TeamRole | null> {
  const rows: { role: string }[] = await manager.query(
    'SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2',
    [teamId, userId],
  );
  return rows[0] && isTeamRole(rows[0].role) ? rows[0].role : null;
}

export async function ownerCount(manager: EntityManager, teamId: string): Promise<number> {
  const [{ owners }]: { owners: number }[] = await manager.query(
    `SELECT count(*)::int AS owners FROM memberships WHERE team_id = $1 AND role = 'owner'`,
    [teamId],
  );
  return owners;
}

/**
 * Revokes the member's tokens that their new standing no longer covers — every token limited to
 * the team once they leave it, their worker tokens once they drop below admin — so none outlives
 * the access it was made with and the token lists say so. Returns the revoked tokens' hashes, to
 * drop from the credential cache after the commit.
 */
export async function revokeOutgrownTokens(
  manager: EntityManager,
  teamId: string,
  userId: string,
  role: TeamRole | null,
): Promise<string[]> {
  if (role && atLeast(role, WORKER_TOKEN_MINIMUM_ROLE)) return [];
  // A CTE so the driver answers rows (a bare UPDATE … RETURNING comes back as [rows, count]).
  const rows: { token_hash: string }[] = await manager.query(
    `WITH revoked AS (
       UPDATE api_tokens SET revoked_at = now()
        WHERE team_id = $1 AND user_id = $2 AND revoked_at IS NULL
          AND ($3::boolean OR role = $4)
        RETURNING token_hash)
     SELECT token_hash FROM revoked`,
    [teamId, userId, role === null, ApiTokenRole.WORKER],
  );
  return rows.map((row) => row.token_hash);
}

/**
 * Revokes the open invitations a member sent that their new standing no longer covers: all of
 * them once they leave or drop below admin, those to be owner once they are no longer owner. An
 * invitation never grants more than its sender could grant now.
 */
export async function revokeOutgrownInvitations(
  manager: EntityManager,
  teamId: string,
  userId: string,
  role: TeamRole | null,
): Promise<void> {
  if (role === TeamRole.OWNER) return;
  const keepsSome = role !== null && atLeast(role, TeamRole.ADMIN);
  await manager.query(
    `UPDATE team_invitations SET status = 'revoked', answered_at = now()
      WHERE team_id = $1 AND invited_by = $2 AND status = 'pending'
        AND (NOT $3::boolean OR role = 'owner')`,
    [teamId, userId, keepsSome],
  );
}

/**
 * Refuses a membership past MAX_TEAMS_PER_USER (queries price `User.teams` by it). The user's
 * row is locked first, so two teams joined at once cannot both take the last place.
 */
export async function assertRoomForAnotherTeam(
  manager: EntityManager,
  userId: string,
): Promise<void> {
  await manager.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
  const [{ teams }]: { teams: number }[] = await manager.query(
    'SELECT count(*)::int AS teams FROM memberships WHERE user_id = $1',
    [userId],
  );
  if (teams >= MAX_TEAMS_PER_USER)
    throw conflict(`a user belongs to at most ${MAX_TEAMS_PER_USER} teams`);
}
