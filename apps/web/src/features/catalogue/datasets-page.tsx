'use client';

import Link from 'next/link';
import { useMutation, useQuery } from 'urql';
import { errorMessage } from '@/lib/errors';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { DataTable } from '../ui/data-table';
import { ListState, Loading } from '../ui/states';
import { BuiltInDatasetForm } from './built-in-dataset-form';
import {
  CreateDatasetFromUploadMutation,
  CreateDatasetMutation,
  DatasetsQuery,
} from './catalogue.graphql';
import { DatasetUploadForm } from './dataset-upload-form';

export function DatasetsPage() {
  const { team } = useSession();
  if (!team) return <Loading />;
  return <TeamDatasets teamId={team.id} />;
}

function TeamDatasets({ teamId }: { teamId: string }) {
  const [result, reexecute] = useQuery({ query: DatasetsQuery, variables: { teamId } });
  const [created, createDataset] = useMutation(CreateDatasetMutation);
  const { roleIn } = useSession();
  const [, createDatasetFromUpload] = useMutation(CreateDatasetFromUploadMutation);
  const datasets = result.data?.datasets.nodes;
  // The list may hold no Dataset yet for the cache to invalidate: ask again after each addition.
  const refetch = () => reexecute({ requestPolicy: 'network-only' });
  return (
    <main>
      <h1>Datasets</h1>
      <ListState
        state={result}
        items={datasets}
        retry={refetch}
        empty="No datasets in this team yet: upload your images or pick a built-in dataset below."
      >
        {(items) => (
          <DataTable
            columns={[
              'Name',
              { label: 'Version', className: 'num' },
              'Loader',
              'Classes',
              { label: 'Train', className: 'num' },
              { label: 'Validation', className: 'num' },
              'Content hash',
            ]}
          >
            {items.map((dataset) => (
              <tr key={dataset.id} data-testid="dataset-row">
                <td>
                  <Link prefetch={false} href={`/datasets/${dataset.id}`}>
                    {dataset.name}
                  </Link>
                </td>
                <td className="num">v{dataset.version}</td>
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
      {canWrite(roleIn(teamId)) ? (
        <section aria-label="Upload images">
          <h2>Upload images</h2>
          <p className="muted">
            One folder per class, images inside (<code>cat/1.png</code>, <code>dog/7.jpg</code>): as
            a .zip, .tar or .tar.gz archive, or pick the folder. Large uploads go in chunks and
            continue where they stopped if the connection drops. Uploading under an existing name
            makes a new version of that dataset.
          </p>
          <DatasetUploadForm
            teamId={teamId}
            onCreate={async (input) => {
              const done = await createDatasetFromUpload({ input });
              if (done.error) return errorMessage(done.error);
              refetch();
              return undefined;
            }}
          />
        </section>
      ) : null}
      {canWrite(roleIn(teamId)) ? (
        <section aria-label="Add a built-in dataset">
          <h2>Add a built-in dataset</h2>
          <p className="muted">
            MNIST and Fashion-MNIST ship with Finetrack: pick the classes and how many samples to
            keep.
          </p>
          <BuiltInDatasetForm
            teamId={teamId}
            submitting={created.fetching}
            error={created.error ? errorMessage(created.error) : undefined}
            onSubmit={async (input) => {
              const done = await createDataset({ input });
              if (done.data) refetch();
            }}
          />
        </section>
      ) : null}
    </main>
  );
}
