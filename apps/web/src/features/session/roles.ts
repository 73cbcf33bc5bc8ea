import type { TeamRole } from '@/gql/graphql';

/** Members and above write models, datasets, experiments and runs; viewers only read. */
export function canWrite(role: TeamRole | undefined): boolean {
  return role === 'OWNER' || role === 'ADMIN' || role === 'MEMBER';
}

/** Admins and owners manage members and team tokens. */
export function canAdmin(role: TeamRole | undefined): boolean {
  return role === 'OWNER' || role === 'ADMIN';
}

export const ROLE_LABELS: Record<TeamRole, string> = {
  OWNER: 'Owner',
  ADMIN: 'Admin',
  MEMBER: 'Member',
  VIEWER: 'Viewer',
};
