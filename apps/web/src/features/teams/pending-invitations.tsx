'use client';

import { useEffect } from 'react';
import { useMutation, useQuery } from 'urql';
import { ROLE_LABELS } from '../session/roles';
import { DataTable } from '../ui/data-table';
import { FormError } from '../ui/states';
import { RevokeInvitationMutation, TeamInvitationsQuery } from './teams.graphql';

/** A team's open invitations with a Revoke button (admins). `version` bumps after each invite. */
export function PendingInvitations({ teamId, version }: { teamId: string; version: number }) {
  const [result, reexecute] = useQuery({ query: TeamInvitationsQuery, variables: { teamId } });
  const [revokeState, revoke] = useMutation(RevokeInvitationMutation);
  useEffect(() => {
    if (version > 0) reexecute({ requestPolicy: 'network-only' });
  }, [version, reexecute]);
  const invitations = result.data?.team.invitations ?? [];
  if (invitations.length === 0) return null;
  return (
    <section aria-label="Pending invitations">
      <h2>Pending invitations</h2>
      <FormError error={revokeState.error} />
      <DataTable columns={['Email', 'Role', 'Expires', 'Actions']}>
        {invitations.map((invitation) => (
          <tr key={invitation.id}>
            <td>{invitation.email}</td>
            <td>{ROLE_LABELS[invitation.role]}</td>
            <td>{new Date(String(invitation.expiresAt)).toLocaleDateString()}</td>
            <td>
              <button
                type="button"
                className="danger"
                onClick={async () => {
                  await revoke({ id: invitation.id });
                  reexecute({ requestPolicy: 'network-only' });
                }}
              >
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
