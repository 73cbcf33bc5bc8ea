'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { DataTable } from '../ui/data-table';
import { InlineForm } from '../ui/inline-form';
import { Empty, ListState, Loading } from '../ui/states';
import { formatDate } from '../ui/format';
import { CreateProjectMutation, ProjectsQuery } from './projects.graphql';
import { CreateTeamForm } from '../teams/create-team-form';
import { NameField } from '../ui/name-field';

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
      <ListState
        state={result}
        items={projects}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
        empty={`No projects yet${writable ? ': create the first one above.' : '.'}`}
      >
        {(items) => (
          <DataTable columns={['Name', 'Description', 'Created']}>
            {items.map((project) => (
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
          </DataTable>
        )}
      </ListState>
    </main>
  );
}

// An empty list names no Project type, so urql's document cache cannot tell it is stale.
function CreateProjectForm({ teamId, onCreated }: { teamId: string; onCreated(): void }) {
  const [state, createProject] = useMutation(CreateProjectMutation);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');

  async function submit() {
    const result = await createProject({ input: { teamId, name: name.trim(), description } });
    if (!result.error) {
      setName('');
      setDescription('');
      onCreated();
    }
  }

  return (
    <InlineForm label="New project" submitLabel="Create project" state={state} onSubmit={submit}>
      <NameField label="Project name" name="projectName" value={name} onChange={setName} />
      <label>
        Description
        <input
          name="description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
    </InlineForm>
  );
}
