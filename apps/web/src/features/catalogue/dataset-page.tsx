'use client';

import Link from 'next/link';
import { useQuery } from 'urql';
import { QueryState } from '../ui/states';
import { DatasetExperimentsQuery, DatasetPageQuery } from './catalogue.graphql';
import { DatasetView, ExperimentLinks } from './dataset-view';

export function DatasetPage({ id }: { id: string }) {
  const [result, reexecute] = useQuery({ query: DatasetPageQuery, variables: { id } });
  const dataset = result.data?.dataset;
  return (
    <main>
      <p>
        <Link prefetch={false} href="/datasets">
          Datasets
        </Link>{' '}
        /
      </p>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!dataset}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {dataset ? (
          <DatasetView
            dataset={dataset}
            experimentsOf={(versionId) => <VersionExperiments id={versionId} />}
          />
        ) : null}
      </QueryState>
    </main>
  );
}

function VersionExperiments({ id }: { id: string }) {
  const [result] = useQuery({ query: DatasetExperimentsQuery, variables: { id } });
  if (result.error) return <span className="muted">could not be read</span>;
  const experiments = result.data?.dataset.experiments;
  return experiments ? <ExperimentLinks experiments={experiments} /> : <>…</>;
}
