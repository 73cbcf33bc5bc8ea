import type { GridSummary } from '@/gql/graphql';
import type { RunRow } from './grid-model';

export type MetricOption =
  | { id: string; label: string; source: 'curve'; key: string; summary: GridSummary }
  | {
      id: string;
      label: string;
      source: 'run';
      lowerIsBetter: boolean;
      value(run: RunRow): number | null;
    };

/**
 * Curve metrics are aggregated by the API's grid (best or last point of each run's curve);
 * run metrics come from each run's summary and are aggregated here.
 */
export const METRIC_OPTIONS: MetricOption[] = [
  {
    id: 'val_accuracy:BEST',
    label: 'Best validation accuracy',
    source: 'curve',
    key: 'val_accuracy',
    summary: 'BEST',
  },
  {
    id: 'val_accuracy:LAST',
    label: 'Last validation accuracy',
    source: 'curve',
    key: 'val_accuracy',
    summary: 'LAST',
  },
  {
    id: 'val_loss:BEST',
    label: 'Best validation loss',
    source: 'curve',
    key: 'val_loss',
    summary: 'BEST',
  },
  {
    id: 'val_loss:LAST',
    label: 'Last validation loss',
    source: 'curve',
    key: 'val_loss',
    summary: 'LAST',
  },
  {
    id: 'accuracy:LAST',
    label: 'Last training accuracy',
    source: 'curve',
    key: 'accuracy',
    summary: 'LAST',
  },
  { id: 'loss:LAST', label: 'Last training loss', source: 'curve', key: 'loss', summary: 'LAST' },
  {
    id: 'bestEpoch',
    label: 'Epochs to best validation accuracy',
    source: 'run',
    lowerIsBetter: true,
    value: (run) => run.bestEpoch,
  },
  {
    id: 'wallSeconds',
    label: 'Wall time (s)',
    source: 'run',
    lowerIsBetter: true,
    value: (run) => run.wallSeconds,
  },
];

export const DEFAULT_METRIC = METRIC_OPTIONS[0];

export function metricById(id: string | null | undefined): MetricOption {
  return METRIC_OPTIONS.find((option) => option.id === id) ?? DEFAULT_METRIC;
}

export const CURVE_KEYS = ['val_accuracy', 'val_loss', 'accuracy', 'loss'] as const;
