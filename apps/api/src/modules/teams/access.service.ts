import type { DataSource } from 'typeorm';
import type { Actor, Viewer } from '../../common/actor.js';
import { forbidden, notFound, unauthenticated } from '../../graphql/errors.js';
import { isUuid } from '../../common/pagination.js';
import { INSTANCE_WORKER_HOLDS_SQL } from '../runs/worker-viewer.js';
import { atLeast, isTeamRole, TeamRole } from './team-role.js';

/** Every team-scoped read and write goes through here. */
export class AccessService {
  constructor(private readonly dataSource: DataSource) {}

  viewer(actor: Actor): Viewer {
    if (!actor.viewer) throw unauthenticated();
    return actor.viewer;
  }

  /** The caller's role in a team, or null. A team-limited token sees no other team. */
  async roleIn(actor: Actor, teamId: string): Promise<TeamRole | null> {
    const viewer = this.viewer(actor);
    if (!isUuid(teamId)) return null;
    if (viewer.tokenTeamId && viewer.tokenTeamId !== teamId) return null;
    if (actor.roles.has(teamId)) return actor.roles.get(teamId) as TeamRole | null;
    // An instance worker belongs to no team: it writes to a team (metrics of its runs) as a
    // member only while it holds one of that team's runs or scoring jobs, never through its
    // creator's teams.
    const rows: { role: string }[] = viewer.instanceWorker
      ? (await this.dataSource.query(INSTANCE_WORKER_HOLDS_SQL, [teamId, viewer.tokenId])).map(
          () => ({ role: TeamRole.MEMBER }),
        )
      : await this.dataSource.query(
          'SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2',
          [teamId, viewer.userId],
        );
    const role = rows[0] && isTeamRole(rows[0].role) ? rows[0].role : null;
    actor.roles.set(teamId, role);
    return role;
  }

  /**
   * Throws NOT_FOUND when the caller is not in the team (so ids of other teams reveal nothing)
   * and FORBIDDEN when the role is too low.
   */
  async require(actor: Actor, teamId: string, minimum: TeamRole, what = 'team'): Promise<TeamRole> {
    const role = await this.roleIn(actor, teamId);
    if (!role) throw notFound(what);
    if (!atLeast(role, minimum))
      throw forbidden(`this needs the ${minimum} role in the team; you are ${role}`);
    return role;
  }

  /** Loads `SELECT team_id FROM <table> WHERE id = $1` and checks the role in that team. */
  async requireOwned(
    actor: Actor,
    table: 'projects' | 'datasets' | 'models' | 'experiments' | 'runs' | 'api_tokens',
    id: string,
    minimum: TeamRole,
    what: string,
  ): Promise<string> {
    this.viewer(actor);
    if (!isUuid(id)) throw notFound(what);
    const rows: { team_id: string }[] = await this.dataSource.query(
      `SELECT team_id FROM ${table} WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw notFound(what);
    await this.require(actor, rows[0].team_id, minimum, what);
    return rows[0].team_id;
  }
}
