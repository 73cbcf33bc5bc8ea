'use client';

import { useMutation, useQuery } from 'urql';
import { ROLE_LABELS } from '../session/roles';
import { useSession } from '../session/session-context';
import { DataTable } from '../ui/data-table';
import { FormError } from '../ui/states';
import {
  AcceptInvitationMutation,
  DeclineInvitationMutation,
  MyInvitationsQuery,
} from './teams.graphql';

/** Invitations to the signed-in user's email, to accept or decline. Nothing when there are none. */
export function MyInvitations() {
  const [result, reexecute] = useQuery({ query: MyInvitationsQuery });
  const [acceptState, accept] = useMutation(AcceptInvitationMutation);
  const [declineState, decline] = useMutation(DeclineInvitationMutation);
  const { refresh } = useSession();
  const invitations = result.data?.me.invitations ?? [];
  if (invitations.length === 0) return null;
  const answered = () => {
    reexecute({ requestPolicy: 'network-only' });
    refresh();
  };
  return (
    <section aria-label="Invitations">
      <h2>Invitations</h2>
      <FormError error={acceptState.error ?? declineState.error} />
      <DataTable columns={['Team', 'Role', 'From', 'Actions']}>
        {invitations.map((invitation) => (
          <tr key={invitation.id}>
            <td>{invitation.teamName}</td>
            <td>{ROLE_LABELS[invitation.role]}</td>
            <td>{invitation.inviterName ?? '—'}</td>
            <td>
              <button
                type="button"
                onClick={async () => {
                  await accept({ id: invitation.id });
                  answered();
                }}
              >
                Accept
              </button>{' '}
              <button
                type="button"
                onClick={async () => {
                  await decline({ id: invitation.id });
                  answered();
                }}
              >
                Decline
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
