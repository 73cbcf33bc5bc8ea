import { useDeferredValue } from 'react';
import type { CombinedError } from 'urql';
import { Empty, FormError, Loading } from '../ui/states';
import type { RunRow } from './grid-model';
import { RunsTable } from './runs-table';

const NO_RUNS: RunRow[] = [];

/** The runs table (its rows: RunFields) with the error of the last cancel or retry. */
export function RunsSection({
  experimentId,
  runs,
  selected,
  onToggleRun,
  diffOnly,
  onDiffOnlyChange,
  actions,
  actionError,
}: {
  experimentId: string;
  runs: readonly RunRow[];
  selected: ReadonlySet<string>;
  onToggleRun(id: string): void;
  diffOnly: boolean;
  onDiffOnlyChange(value: boolean): void;
  actions: { cancel(id: string): void; retry(id: string): void } | undefined;
  actionError: CombinedError | undefined;
}) {
  // The table (hundreds of rows) renders after the grid and the curve request, not before.
  const tableRuns = useDeferredValue(runs, NO_RUNS);
  return (
    <>
      <h2>Runs</h2>
      <FormError error={actionError} />
      {runs.length === 0 ? (
        <Empty>No runs yet.</Empty>
      ) : tableRuns.length === 0 ? (
        <Loading label="Loading runs…" />
      ) : (
        <RunsTable
          runs={tableRuns}
          selected={selected}
          onToggleRun={onToggleRun}
          diffOnly={diffOnly}
          onDiffOnlyChange={onDiffOnlyChange}
          csvName={`experiment-${experimentId}-runs.csv`}
          actions={actions}
        />
      )}
    </>
  );
}
