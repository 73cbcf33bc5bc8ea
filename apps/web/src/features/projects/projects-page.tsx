'use client';

import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorMessage } from '@/lib/errors';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, Loading, QueryState } from '../ui/states';
import { formatDate } from '../ui/format';
import { CreateProjectMutation, ProjectsQuery } from './projects.graphql';
import { CreateTeamForm } from '../teams/create-team-form';

export function ProjectsPage() {
  const { me, team, fetching } = useSession();
  if (!me) return fetching ? <Loading /> : <Loading label="Checking your session…" />;
  if (!team)
    return (
      <main>
        <h1>Projects</h1>
        <Empty>You are not in a team yet. Create one to start.</Empty>
        <CreateTeamForm />
      </main>
    );
  return <TeamProjects teamId={team.id} teamName={team.name} writable={canWrite(team.role)} />;
}

function TeamProjects({
  teamId,
  teamName,
  writable,
}: {
  teamId: string;
  teamName: string;
  writable: boolean;
}) {
  const [result, reexecute] = useQuery({ query: ProjectsQuery, variables: { teamId } });
  const projects = result.data?.projects.nodes;
  return (
    <main>
      <h1>Projects of {teamName}</h1>
      {writable ? (
        <CreateProjectForm
          teamId={teamId}
          onCreated={() => reexecute({ requestPolicy: 'network-only' })}
        />
      ) : null}
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!projects}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {projects && projects.length === 0 ? (
          <Empty>No projects yet{writable ? ': create the first one above.' : '.'}</Empty>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {projects?.map((project) => (
                <tr key={project.id}>
                  <td>
                    <Link prefetch={false} href={`/projects/${project.id}`}>
                      {project.name}
                    </Link>
                  </td>
                  <td>{project.description}</td>
                  <td>{formatDate(project.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </main>
  );
}

// An empty list names no Project type, so urql's document cache cannot tell it is stale.
function CreateProjectForm({ teamId, onCreated }: { teamId: string; onCreated(): void }) {
  const [state, createProject] = useMutation(CreateProjectMutation);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await createProject({ input: { teamId, name: name.trim(), description } });
    if (!result.error) {
      setName('');
      setDescription('');
      onCreated();
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New project">
      <label>
        Project name
        <input
          name="projectName"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={200}
        />
      </label>
      <label>
        Description
        <input
          name="description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <button type="submit" disabled={state.fetching}>
        Create project
      </button>
      {state.error ? (
        <p role="alert" className="form-error">
          {errorMessage(state.error)}
        </p>
      ) : null}
    </form>
  );
}
