import Link from 'next/link';
import { useMemo } from 'react';
import type { ExperimentHeaderFieldsFragment } from '@/gql/graphql';
import type { RunRow } from './grid-model';

/** Breadcrumbs, the name and the facts of an experiment, with its runs counted by status. */
export function ExperimentHeader({
  experiment,
  runs,
  moreRuns,
}: {
  experiment: ExperimentHeaderFieldsFragment;
  runs: readonly RunRow[];
  /** The API holds more runs than the page loaded. */
  moreRuns: boolean;
}) {
  const counts = useMemo(() => {
    const byStatus = new Map<string, number>();
    for (const run of runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    return [...byStatus.entries()]
      .map(([status, count]) => `${count} ${status.toLowerCase()}`)
      .join(', ');
  }, [runs]);
  return (
    <>
      <p>
        <Link prefetch={false} href="/projects">
          Projects
        </Link>{' '}
        /{' '}
        <Link prefetch={false} href={`/projects/${experiment.project.id}`}>
          {experiment.project.name}
        </Link>{' '}
        /
      </p>
      <h1>{experiment.name}</h1>
      <dl className="facts">
        <dt>Source model</dt>
        <dd>
          {experiment.sourceModel ? (
            <Link prefetch={false} href={`/models/${experiment.sourceModel.id}`}>
              {experiment.sourceModel.name}
            </Link>
          ) : (
            '—'
          )}
        </dd>
        <dt>Target dataset</dt>
        <dd>{experiment.targetDataset?.name ?? '—'}</dd>
        <dt>Runs</dt>
        <dd data-testid="run-counts">
          {runs.length} {counts ? `(${counts})` : ''}
          {moreRuns ? ' — showing the first 500' : ''}
        </dd>
      </dl>
    </>
  );
}
