'use client';

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { errorMessage } from '@/lib/errors';
import { useSession } from '../session/session-context';
import { CreateTeamMutation } from './teams.graphql';

export function CreateTeamForm() {
  const [state, createTeam] = useMutation(CreateTeamMutation);
  const { setTeamId, refresh } = useSession();
  const [name, setName] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await createTeam({ input: { name: name.trim() } });
    if (result.data) {
      setTeamId(result.data.createTeam.id);
      setName('');
      refresh();
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New team">
      <label>
        Team name
        <input
          name="teamName"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={200}
        />
      </label>
      <button type="submit" disabled={state.fetching}>
        Create team
      </button>
      {state.error ? (
        <p role="alert" className="form-error">
          {errorMessage(state.error)}
        </p>
      ) : null}
    </form>
  );
}
