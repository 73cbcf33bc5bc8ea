'use client';

import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { TeamRole } from '@/gql/graphql';
import { canAdmin, ROLE_LABELS } from '../session/roles';
import { useSession } from '../session/session-context';
import { DataTable } from '../ui/data-table';
import { InlineForm } from '../ui/inline-form';
import { Empty, FormError, QueryState } from '../ui/states';
import { PendingInvitations } from './pending-invitations';
import {
  InviteTeamMemberMutation,
  RemoveTeamMemberMutation,
  TeamMembersQuery,
  UpdateTeamMemberMutation,
} from './teams.graphql';

const ROLES: TeamRole[] = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'];

export function MembersPage({ teamId }: { teamId: string }) {
  const [result, reexecute] = useQuery({ query: TeamMembersQuery, variables: { teamId } });
  const { me } = useSession();
  const [updateState, updateMember] = useMutation(UpdateTeamMemberMutation);
  const [removeState, removeMember] = useMutation(RemoveTeamMemberMutation);
  const team = result.data?.team;
  const admin = canAdmin(team?.role);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const mutationError = updateState.error ?? removeState.error;
  const [invited, setInvited] = useState(0);

  return (
    <main>
      <QueryState fetching={result.fetching} error={result.error} hasData={!!team} retry={refresh}>
        <h1>Members of {team?.name}</h1>
        {!admin ? (
          <Empty>Only admins and owners manage members.</Empty>
        ) : (
          <>
            <InviteForm teamId={teamId} onInvited={() => setInvited((count) => count + 1)} />
            <PendingInvitations teamId={teamId} version={invited} />
            <FormError error={mutationError} />
            <DataTable columns={['Name', 'Email', 'Role', 'Actions']}>
              {team?.members.nodes.map((membership) => (
                <tr key={membership.id}>
                  <td>{membership.user.name}</td>
                  <td>{membership.user.email}</td>
                  <td>
                    <label>
                      <span className="visually-hidden">Role of {membership.user.email}</span>
                      <select
                        value={membership.role}
                        disabled={membership.userId === me?.id}
                        onChange={async (event) => {
                          await updateMember({
                            input: {
                              teamId,
                              userId: membership.userId,
                              role: event.target.value as TeamRole,
                            },
                          });
                          refresh();
                        }}
                      >
                        {ROLES.map((role) => (
                          <option key={role} value={role}>
                            {ROLE_LABELS[role]}
                          </option>
                        ))}
                      </select>
                    </label>
                  </td>
                  <td>
                    {membership.userId !== me?.id ? (
                      <button
                        type="button"
                        className="danger"
                        onClick={async () => {
                          if (!window.confirm(`Remove ${membership.user.email} from the team?`))
                            return;
                          await removeMember({ teamId, userId: membership.userId });
                          refresh();
                        }}
                      >
                        Remove
                      </button>
                    ) : (
                      <span className="muted">you</span>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          </>
        )}
      </QueryState>
    </main>
  );
}

/** Invites an email: nobody joins until they accept, and the answer is the same for any address. */
function InviteForm({ teamId, onInvited }: { teamId: string; onInvited(): void }) {
  const [state, invite] = useMutation(InviteTeamMemberMutation);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TeamRole>('MEMBER');

  async function submit() {
    const result = await invite({ input: { teamId, email: email.trim(), role } });
    if (!result.error) {
      setEmail('');
      onInvited();
    }
  }

  return (
    <InlineForm
      label="Invite someone"
      submitLabel="Send invitation"
      state={state}
      onSubmit={submit}
    >
      <label>
        Email to invite
        <input
          name="memberEmail"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
      </label>
      <label>
        Role
        <select name="role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
          {ROLES.map((candidate) => (
            <option key={candidate} value={candidate}>
              {ROLE_LABELS[candidate]}
            </option>
          ))}
        </select>
      </label>
    </InlineForm>
  );
}
