import Link from 'next/link';
import type { ReactNode } from 'react';
import { DATASET_THUMBNAILS_PER_CLASS } from '@finetrack/shared';
import { DataTable } from '../ui/data-table';
import { formatDate } from '../ui/format';
import { Empty } from '../ui/states';
import { ClassCountsChart } from './class-counts-chart';
import type { ClassCount } from './class-counts-model';

export interface DatasetVersionView {
  id: string;
  version: number;
  createdAt: string;
  trainSamples: number;
  validationSamples: number;
  contentHash?: string | null;
}

export interface DatasetViewData {
  id: string;
  name: string;
  version: number;
  spec: Record<string, unknown>;
  classNames: string[];
  trainSamples: number;
  validationSamples: number;
  contentHash?: string | null;
  createdAt: string;
  classCounts: ClassCount[];
  thumbnails: { className: string; url: string }[];
  versions: DatasetVersionView[];
}

/** Up to DATASET_THUMBNAILS_PER_CLASS thumbnails of each class, in the classes' order. */
export function thumbnailsByClass(
  classNames: readonly string[],
  thumbnails: readonly { className: string; url: string }[],
): { className: string; urls: string[] }[] {
  return classNames.map((className) => ({
    className,
    urls: thumbnails
      .filter((thumbnail) => thumbnail.className === className)
      .slice(0, DATASET_THUMBNAILS_PER_CLASS)
      .map((thumbnail) => thumbnail.url),
  }));
}

/** Links to experiments, comma-separated, or a dash. */
export function ExperimentLinks({ experiments }: { experiments: { id: string; name: string }[] }) {
  if (experiments.length === 0) return <>—</>;
  return (
    <>
      {experiments.map((experiment, index) => (
        <span key={experiment.id}>
          {index > 0 ? ', ' : ''}
          <Link prefetch={false} href={`/experiments/${experiment.id}`}>
            {experiment.name}
          </Link>
        </span>
      ))}
    </>
  );
}

/**
 * One dataset version: its facts, class counts chart, sample thumbnails, and its versions, each
 * with what `experimentsOf` shows for it (the experiments that used it).
 */
export function DatasetView({
  dataset,
  experimentsOf,
}: {
  dataset: DatasetViewData;
  experimentsOf(versionId: string): ReactNode;
}) {
  const kind = typeof dataset.spec.kind === 'string' ? dataset.spec.kind : '—';
  const groups = thumbnailsByClass(dataset.classNames, dataset.thumbnails);
  const versions = [...dataset.versions].sort((a, b) => b.version - a.version);
  return (
    <>
      <h1>
        {dataset.name} <span className="muted">v{dataset.version}</span>
      </h1>
      <dl className="facts">
        <dt>Loader</dt>
        <dd>{kind}</dd>
        <dt>Classes</dt>
        <dd>{dataset.classNames.length}</dd>
        <dt>Images</dt>
        <dd>
          {dataset.trainSamples.toLocaleString('en')} train,{' '}
          {dataset.validationSamples.toLocaleString('en')} validation
        </dd>
        <dt>Content hash</dt>
        <dd>
          <code>{dataset.contentHash ?? '—'}</code>
        </dd>
        <dt>Created</dt>
        <dd>{formatDate(dataset.createdAt)}</dd>
      </dl>
      <h2>Images per class</h2>
      {dataset.classCounts.length > 0 ? (
        <ClassCountsChart counts={dataset.classCounts} />
      ) : (
        <Empty>
          Per-class counts are recorded for uploaded datasets; a built-in subset samples its caps
          across the classes.
        </Empty>
      )}
      <h2>Samples</h2>
      {dataset.thumbnails.length === 0 ? (
        <Empty>No thumbnails for this dataset (built-in datasets have none).</Empty>
      ) : (
        <div className="thumbnails" data-testid="thumbnails">
          {groups.map((group) => (
            <figure key={group.className} data-testid="thumbnail-class">
              <figcaption>{group.className}</figcaption>
              {group.urls.map((url, index) => (
                // Thumbnails are small PNGs served by the API; next/image would only add a resize step.
                <img
                  key={url}
                  src={url}
                  alt={`${group.className} sample ${index + 1}`}
                  width={64}
                  height={64}
                />
              ))}
            </figure>
          ))}
        </div>
      )}
      <h2>Versions and the experiments that used them</h2>
      <DataTable
        columns={[
          'Version',
          'Created',
          { label: 'Train', className: 'num' },
          { label: 'Validation', className: 'num' },
          'Content hash',
          'Experiments',
        ]}
      >
        {versions.map((version) => (
          <tr key={version.id} data-testid="dataset-version">
            <td>
              {version.id === dataset.id ? (
                <strong>v{version.version}</strong>
              ) : (
                <Link prefetch={false} href={`/datasets/${version.id}`}>
                  v{version.version}
                </Link>
              )}
            </td>
            <td>{formatDate(version.createdAt)}</td>
            <td className="num">{version.trainSamples.toLocaleString('en')}</td>
            <td className="num">{version.validationSamples.toLocaleString('en')}</td>
            <td>
              <code title={version.contentHash ?? undefined}>
                {version.contentHash?.slice(0, 12) ?? '—'}
              </code>
            </td>
            <td>{experimentsOf(version.id)}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
