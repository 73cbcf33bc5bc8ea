'use client';

import Link from 'next/link';
import { useQuery } from 'urql';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, QueryState } from '../ui/states';
import { formatDate } from '../ui/format';
import { ProjectQuery } from './projects.graphql';
import { DataTable } from '../ui/data-table';

export function ProjectPage({ id }: { id: string }) {
  const [result, reexecute] = useQuery({ query: ProjectQuery, variables: { id } });
  const { roleIn } = useSession();
  const project = result.data?.project;
  const experiments = result.data?.experiments.nodes ?? [];
  const writable = canWrite(roleIn(project?.teamId));
  return (
    <main>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!project}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        <p>
          <Link prefetch={false} href="/projects">
            Projects
          </Link>{' '}
          /
        </p>
        <h1>{project?.name}</h1>
        {project?.description ? <p className="muted">{project.description}</p> : null}
        <h2>Experiments</h2>
        {writable ? (
          <p>
            <Link prefetch={false} className="button-link" href={`/projects/${id}/experiments/new`}>
              New experiment
            </Link>
          </p>
        ) : null}
        {experiments.length === 0 ? (
          <Empty>No experiments in this project yet.</Empty>
        ) : (
          <DataTable columns={['Name', 'Source model', 'Target dataset', 'Status', 'Created']}>
            {experiments.map((experiment) => (
              <tr key={experiment.id}>
                <td>
                  <Link prefetch={false} href={`/experiments/${experiment.id}`}>
                    {experiment.name}
                  </Link>
                </td>
                <td>
                  {experiment.sourceModel ? (
                    <Link prefetch={false} href={`/models/${experiment.sourceModel.id}`}>
                      {experiment.sourceModel.name}
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{experiment.targetDataset?.name ?? '—'}</td>
                <td>{experiment.status.toLowerCase()}</td>
                <td>{formatDate(experiment.createdAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </QueryState>
    </main>
  );
}
