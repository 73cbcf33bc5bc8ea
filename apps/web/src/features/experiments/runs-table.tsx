'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { RunRow } from './grid-model';
import {
  differingColumns,
  filterRuns,
  formatCell,
  RUN_COLUMNS,
  runsToCsv,
  sortRuns,
  type SortDirection,
} from './runs-table-model';
import { queueStateLabel } from '../runs/queue-state';

interface RunsTableProps {
  runs: readonly RunRow[];
  selected: ReadonlySet<string>;
  onToggleRun(id: string): void;
  diffOnly: boolean;
  onDiffOnlyChange(value: boolean): void;
  csvName: string;
  /** Present for members: cancel or retry a run. */
  actions?: { cancel(id: string): void; retry(id: string): void };
}

const CANCELLABLE = new Set(['QUEUED', 'RUNNING']);
const RETRYABLE = new Set(['FAILED', 'CANCELLED']);

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function RunsTable({
  runs,
  selected,
  onToggleRun,
  diffOnly,
  onDiffOnlyChange,
  csvName,
  actions,
}: RunsTableProps) {
  const router = useRouter();
  const [sort, setSort] = useState<{ column: string | null; direction: SortDirection }>({
    column: null,
    direction: 'asc',
  });
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [visible, setVisible] = useState<ReadonlySet<string>>(
    () => new Set(RUN_COLUMNS.filter((column) => column.defaultVisible).map((column) => column.id)),
  );
  const [pickerOpen, setPickerOpen] = useState(false);

  const rows = useMemo(
    () => sortRuns(filterRuns(runs, filters), sort.column, sort.direction),
    [runs, filters, sort],
  );
  const columns = useMemo(() => {
    const chosen = RUN_COLUMNS.filter((column) => visible.has(column.id));
    if (!diffOnly) return chosen;
    const differing = new Set(differingColumns(rows, chosen).map((column) => column.id));
    // Summaries and status always stay: only identical hyperparameters are noise.
    return chosen.filter((column) => !column.hyperparameter || differing.has(column.id));
  }, [visible, diffOnly, rows]);

  function toggleSort(id: string) {
    setSort((current) =>
      current.column === id
        ? { column: id, direction: current.direction === 'asc' ? 'desc' : 'asc' }
        : { column: id, direction: 'asc' },
    );
  }

  function onRowKey(event: KeyboardEvent<HTMLTableRowElement>, run: RunRow) {
    const row = event.currentTarget;
    if (event.target !== row) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = (
        event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling
      ) as HTMLElement | null;
      next?.focus();
    } else if (event.key === 'Enter') {
      router.push(`/runs/${run.id}`);
    } else if (event.key === ' ') {
      event.preventDefault();
      onToggleRun(run.id);
    }
  }

  return (
    <section aria-label="Runs">
      <div className="toolbar">
        <span>
          {rows.length} of {runs.length} runs
        </span>
        <label>
          <input
            type="checkbox"
            checked={diffOnly}
            onChange={(e) => onDiffOnlyChange(e.target.checked)}
          />
          Differences only
        </label>
        <div className="column-picker">
          <button
            type="button"
            aria-expanded={pickerOpen}
            onClick={() => setPickerOpen((open) => !open)}
          >
            Columns
          </button>
          {pickerOpen ? (
            <fieldset className="options">
              <legend className="visually-hidden">Visible columns</legend>
              {RUN_COLUMNS.map((column) => (
                <label key={column.id}>
                  <input
                    type="checkbox"
                    checked={visible.has(column.id)}
                    onChange={(e) => {
                      const next = new Set(visible);
                      if (e.target.checked) next.add(column.id);
                      else next.delete(column.id);
                      setVisible(next);
                    }}
                  />{' '}
                  {column.label}
                </label>
              ))}
            </fieldset>
          ) : null}
        </div>
        <button type="button" onClick={() => download(csvName, runsToCsv(rows, columns))}>
          Export CSV
        </button>
        {Object.values(filters).some(Boolean) ? (
          <button type="button" onClick={() => setFilters({})}>
            Clear filters
          </button>
        ) : null}
      </div>
      <div className="table-scroll">
        <table className="data" data-testid="runs-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Selected</span>
              </th>
              <th scope="col">Run</th>
              {columns.map((column) => (
                <th
                  key={column.id}
                  scope="col"
                  className={column.numeric ? 'num' : undefined}
                  aria-sort={
                    sort.column === column.id
                      ? sort.direction === 'asc'
                        ? 'ascending'
                        : 'descending'
                      : undefined
                  }
                >
                  <button type="button" className="sort" onClick={() => toggleSort(column.id)}>
                    {column.label}
                    {sort.column === column.id ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
              {actions ? <th scope="col">Actions</th> : null}
            </tr>
            <tr>
              <th />
              <th />
              {columns.map((column) => (
                <th key={column.id}>
                  <input
                    aria-label={`Filter ${column.label}`}
                    placeholder={column.numeric ? '>0.9, 1..3' : 'contains'}
                    size={8}
                    value={filters[column.id] ?? ''}
                    onChange={(e) => setFilters({ ...filters, [column.id]: e.target.value })}
                  />
                </th>
              ))}
              {actions ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((run) => (
              <tr
                key={run.id}
                data-testid="run-row"
                tabIndex={0}
                className={selected.has(run.id) ? 'selected' : undefined}
                aria-selected={selected.has(run.id)}
                onKeyDown={(event) => onRowKey(event, run)}
              >
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select run ${run.id.slice(0, 8)}`}
                    checked={selected.has(run.id)}
                    onChange={() => onToggleRun(run.id)}
                  />
                </td>
                <td>
                  <Link href={`/runs/${run.id}`} data-testid="run-link" prefetch={false}>
                    {run.id.slice(0, 8)}
                  </Link>
                </td>
                {columns.map((column) => (
                  <td key={column.id} className={column.numeric ? 'num' : undefined}>
                    {column.id === 'status' ? (
                      <span className={`badge ${run.status}`} title={run.queueState?.message}>
                        {formatCell(column, column.value(run))}
                        {run.queueState ? ` · ${queueStateLabel(run.queueState)}` : null}
                      </span>
                    ) : (
                      formatCell(column, column.value(run))
                    )}
                  </td>
                ))}
                {actions ? (
                  <td>
                    {CANCELLABLE.has(run.status) ? (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => actions.cancel(run.id)}
                      >
                        Cancel
                      </button>
                    ) : null}
                    {RETRYABLE.has(run.status) ? (
                      <button type="button" onClick={() => actions.retry(run.id)}>
                        Retry
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 ? (
          <p className="state state-empty">No run matches these filters.</p>
        ) : null}
      </div>
    </section>
  );
}
