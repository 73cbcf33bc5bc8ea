import { formatDuration, formatNumber } from '../ui/format';
import type { RunRow } from './grid-model';

export interface RunColumn {
  id: string;
  label: string;
  numeric: boolean;
  /** Hyperparameters take part in "differences only"; summaries always differ. */
  hyperparameter: boolean;
  defaultVisible: boolean;
  value(run: RunRow): string | number | boolean | null;
  format?(value: number): string;
}

/** The run's own values a column can show (the queue state is shown inside the status cell). */
type ScalarField = Exclude<keyof RunRow, 'queueState'>;

const col = (
  id: ScalarField,
  label: string,
  options: Partial<Omit<RunColumn, 'id' | 'label' | 'value'>> = {},
): RunColumn => ({
  id,
  label,
  numeric: options.numeric ?? false,
  hyperparameter: options.hyperparameter ?? false,
  defaultVisible: options.defaultVisible ?? true,
  format: options.format,
  value: (run) => run[id] ?? null,
});

export const RUN_COLUMNS: RunColumn[] = [
  col('status', 'Status'),
  col('initialization', 'Init', { hyperparameter: true }),
  col('frozenLayers', 'Frozen layers', { numeric: true, hyperparameter: true }),
  col('learningRate', 'LR', { numeric: true, hyperparameter: true, format: (v) => String(v) }),
  col('seed', 'Seed', { numeric: true, hyperparameter: true }),
  col('trainSamples', 'Train samples', { numeric: true, hyperparameter: true }),
  col('epochs', 'Epochs', { numeric: true, hyperparameter: true }),
  col('batchSize', 'Batch', { numeric: true, hyperparameter: true }),
  col('optimizer', 'Optimizer', { hyperparameter: true }),
  col('bestValAccuracy', 'Best val acc', { numeric: true }),
  col('lastValAccuracy', 'Last val acc', { numeric: true }),
  col('bestValLoss', 'Best val loss', { numeric: true }),
  col('lastValLoss', 'Last val loss', { numeric: true }),
  col('bestEpoch', 'Best epoch', { numeric: true }),
  col('wallSeconds', 'Wall time', { numeric: true, format: formatDuration }),
  col('samplesPerSecond', 'Samples/s', { numeric: true, defaultVisible: false }),
  col('backend', 'Backend', { hyperparameter: true, defaultVisible: false }),
  col('external', 'External', { hyperparameter: true, defaultVisible: false }),
  col('attempts', 'Attempts', { numeric: true, defaultVisible: false }),
  col('id', 'Run id', { defaultVisible: false }),
];

export function formatCell(column: RunColumn, value: string | number | boolean | null): string {
  if (value === null) return '—';
  if (typeof value === 'number') return column.format ? column.format(value) : formatNumber(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return column.numeric ? value : value.toLowerCase();
}

const COMPARISON = /^(<=|>=|!=|<|>|=)?\s*(-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?)$/i;

/**
 * A filter typed in a column header: for numbers `>0.9`, `<=3`, `!=0`, `2` or a range `1e-4..1e-2`;
 * for text a case-insensitive substring. Blank matches everything; an unparsable number filter
 * matches nothing rather than silently everything.
 */
export function parseFilter(
  text: string,
  numeric: boolean,
): (value: string | number | boolean | null) => boolean {
  const query = text.trim();
  if (!query) return () => true;
  if (!numeric) {
    const needle = query.toLowerCase();
    return (value) => value !== null && String(value).toLowerCase().includes(needle);
  }
  const range = query.split('..');
  if (range.length === 2) {
    const low = range[0].trim() === '' ? -Infinity : Number(range[0]);
    const high = range[1].trim() === '' ? Infinity : Number(range[1]);
    if (Number.isNaN(low) || Number.isNaN(high)) return () => false;
    return (value) => typeof value === 'number' && value >= low && value <= high;
  }
  const match = COMPARISON.exec(query);
  if (!match) return () => false;
  const operand = Number(match[2]);
  const operator = match[1] ?? '=';
  return (value) => {
    if (typeof value !== 'number') return false;
    switch (operator) {
      case '<':
        return value < operand;
      case '<=':
        return value <= operand;
      case '>':
        return value > operand;
      case '>=':
        return value >= operand;
      case '!=':
        return value !== operand;
      default:
        return Math.abs(value - operand) <= Math.abs(operand) * 1e-9;
    }
  };
}

export function filterRuns(runs: readonly RunRow[], filters: Record<string, string>): RunRow[] {
  const predicates = RUN_COLUMNS.filter((column) => filters[column.id]?.trim()).map((column) => ({
    column,
    matches: parseFilter(filters[column.id], column.numeric),
  }));
  if (predicates.length === 0) return [...runs];
  return runs.filter((run) =>
    predicates.every(({ column, matches }) => matches(column.value(run))),
  );
}

export type SortDirection = 'asc' | 'desc';

/** Stable sort; empty values always last. */
export function sortRuns(
  runs: readonly RunRow[],
  columnId: string | null,
  direction: SortDirection,
): RunRow[] {
  const column = RUN_COLUMNS.find((candidate) => candidate.id === columnId);
  if (!column) return [...runs];
  const sign = direction === 'asc' ? 1 : -1;
  return runs
    .map((run, index) => ({ run, index, value: column.value(run) }))
    .sort((a, b) => {
      if (a.value === null || b.value === null) {
        if (a.value === b.value) return a.index - b.index;
        return a.value === null ? 1 : -1;
      }
      const order =
        typeof a.value === 'number' && typeof b.value === 'number'
          ? a.value - b.value
          : String(a.value).localeCompare(String(b.value));
      return order !== 0 ? order * sign : a.index - b.index;
    })
    .map(({ run }) => run);
}

/** Columns whose values are not all the same across the rows ("differences only"). */
export function differingColumns(
  runs: readonly RunRow[],
  columns: readonly RunColumn[],
): RunColumn[] {
  return columns.filter((column) => {
    if (runs.length < 2) return true;
    const first = column.value(runs[0]);
    return runs.some((run) => column.value(run) !== first);
  });
}

function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  // A spreadsheet would run a text cell starting like a formula; numbers are left as they are.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV of the given rows and columns, raw values (not the rounded display). */
export function runsToCsv(runs: readonly RunRow[], columns: readonly RunColumn[]): string {
  const header = columns.map((column) => csvField(column.id)).join(',');
  const lines = runs.map((run) => columns.map((column) => csvField(column.value(run))).join(','));
  return [header, ...lines].join('\r\n') + '\r\n';
}
