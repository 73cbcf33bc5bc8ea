'use client';

import { useState } from 'react';
import { useMutation } from 'urql';
import { useSession } from '../session/session-context';
import { InlineForm } from '../ui/inline-form';
import { CreateTeamMutation } from './teams.graphql';
import { NameField } from '../ui/name-field';

export function CreateTeamForm() {
  const [state, createTeam] = useMutation(CreateTeamMutation);
  const { setTeamId, refresh } = useSession();
  const [name, setName] = useState('');

  async function submit() {
    const result = await createTeam({ input: { name: name.trim() } });
    if (result.data) {
      setTeamId(result.data.createTeam.id);
      setName('');
      refresh();
    }
  }

  return (
    <InlineForm label="New team" submitLabel="Create team" state={state} onSubmit={submit}>
      <NameField label="Team name" name="teamName" value={name} onChange={setName} />
    </InlineForm>
  );
}
