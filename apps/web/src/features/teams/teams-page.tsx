'use client';

import Link from 'next/link';
import { canAdmin, ROLE_LABELS } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, Loading } from '../ui/states';
import { CreateTeamForm } from './create-team-form';
import { DataTable } from '../ui/data-table';

export function TeamsPage() {
  const { me, team, setTeamId } = useSession();
  if (!me) return <Loading />;
  return (
    <main>
      <h1>Teams</h1>
      <CreateTeamForm />
      {me.teams.length === 0 ? (
        <Empty>You are in no team yet.</Empty>
      ) : (
        <DataTable columns={['Team', 'Your role', 'Actions']}>
          {me.teams.map((candidate) => (
            <tr key={candidate.id} className={candidate.id === team?.id ? 'selected' : undefined}>
              <td>{candidate.name}</td>
              <td>{ROLE_LABELS[candidate.role]}</td>
              <td>
                <button
                  type="button"
                  onClick={() => setTeamId(candidate.id)}
                  disabled={candidate.id === team?.id}
                >
                  {candidate.id === team?.id ? 'Current team' : 'Switch to'}
                </button>{' '}
                {canAdmin(candidate.role) ? (
                  <Link prefetch={false} href={`/teams/${candidate.id}/members`}>
                    Members
                  </Link>
                ) : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </main>
  );
}
