'use client';

import Link from 'next/link';
import { useMutation } from 'urql';
import { canAdmin, ROLE_LABELS } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, Loading } from '../ui/states';
import { CreateTeamForm } from './create-team-form';
import { DataTable } from '../ui/data-table';
import { MyInvitations } from './my-invitations';
import { LeaveTeamMutation } from './teams.graphql';
import { FormError } from '../ui/states';

export function TeamsPage() {
  const { me, team, setTeamId, refresh } = useSession();
  const [leaveState, leave] = useMutation(LeaveTeamMutation);
  if (!me) return <Loading />;
  return (
    <main>
      <h1>Teams</h1>
      <MyInvitations />
      <CreateTeamForm />
      <FormError error={leaveState.error} />
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
                ) : null}{' '}
                <button
                  type="button"
                  className="danger"
                  onClick={async () => {
                    if (
                      !window.confirm(
                        `Leave ${candidate.name}? You need a new invitation to return.`,
                      )
                    )
                      return;
                    const result = await leave({ teamId: candidate.id });
                    if (!result.error) refresh();
                  }}
                >
                  Leave team
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </main>
  );
}
