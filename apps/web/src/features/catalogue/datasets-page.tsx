'use client';

import { useQuery } from 'urql';
import { useSession } from '../session/session-context';
import { DataTable } from '../ui/data-table';
import { ListState, Loading } from '../ui/states';
import { DatasetsQuery } from './catalogue.graphql';

export function DatasetsPage() {
  const { team } = useSession();
  if (!team) return <Loading />;
  return <TeamDatasets teamId={team.id} />;
}

function TeamDatasets({ teamId }: { teamId: string }) {
  const [result, reexecute] = useQuery({ query: DatasetsQuery, variables: { teamId } });
  const datasets = result.data?.datasets.nodes;
  return (
    <main>
      <h1>Datasets</h1>
      <ListState
        state={result}
        items={datasets}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
        empty="No datasets registered in this team. Workers and scripts register them through the API."
      >
        {(items) => (
          <DataTable
            columns={[
              'Name',
              'Loader',
              'Classes',
              { label: 'Train', className: 'num' },
              { label: 'Validation', className: 'num' },
              'Content hash',
            ]}
          >
            {items.map((dataset) => (
              <tr key={dataset.id}>
                <td>{dataset.name}</td>
                <td>{typeof dataset.spec.kind === 'string' ? dataset.spec.kind : '—'}</td>
                <td title={dataset.classNames.join(', ')}>
                  {dataset.classNames.length}: {dataset.classNames.slice(0, 6).join(', ')}
                  {dataset.classNames.length > 6 ? '…' : ''}
                </td>
                <td className="num">{dataset.trainSamples.toLocaleString('en')}</td>
                <td className="num">{dataset.validationSamples.toLocaleString('en')}</td>
                <td>
                  <code title={dataset.contentHash ?? undefined}>
                    {dataset.contentHash?.slice(0, 12) ?? '—'}
                  </code>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListState>
    </main>
  );
}
