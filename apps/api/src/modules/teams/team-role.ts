import { registerEnumType } from 'type-graphql';

export enum TeamRole {
  OWNER = 'owner',
  ADMIN = 'admin',
  MEMBER = 'member',
  VIEWER = 'viewer',
}
registerEnumType(TeamRole, {
  name: 'TeamRole',
  description:
    'viewer reads; member writes models, datasets, experiments, runs and metrics; admin manages members and tokens; owner everything',
});

const RANK: Record<TeamRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function atLeast(role: TeamRole, minimum: TeamRole): boolean {
  return RANK[role] >= RANK[minimum];
}

export function isTeamRole(value: string): value is TeamRole {
  return value in RANK;
}

/** Worker tokens act for their whole team: only an admin or owner may make or keep one. */
export const WORKER_TOKEN_MINIMUM_ROLE = TeamRole.ADMIN;
