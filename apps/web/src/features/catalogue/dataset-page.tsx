'use client';

import Link from 'next/link';
import { useQuery } from 'urql';
import { QueryState } from '../ui/states';
import { DatasetPageQuery } from './dataset-uploads.documents';
import { DatasetView } from './dataset-view';

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
        {dataset ? <DatasetView dataset={dataset} /> : null}
      </QueryState>
    </main>
  );
}
