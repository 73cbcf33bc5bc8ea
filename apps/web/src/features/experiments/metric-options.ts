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
    }
  | {
      id: string;
      label: string;
      /** Computed here from each run's down-sampled curve of `key`. */
      source: 'target';
      key: string;
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
  {
    id: 'epochsToTarget',
    label: 'Epochs to reach a target validation accuracy',
    source: 'target',
    key: 'val_accuracy',
  },
];

/**
 * Epochs until a curve first reaches `target` (null if it never does). Per-epoch curves count
 * epochs in their steps; batch-level curves are scaled onto the run's epoch count.
 */
export function epochsToTarget(
  steps: readonly number[],
  values: readonly number[],
  target: number,
  epochs: number,
): number | null {
  const index = values.findIndex((value) => value >= target);
  if (index < 0) return null;
  const lastStep = steps[steps.length - 1] ?? 0;
  return lastStep > epochs ? (steps[index] / lastStep) * epochs : steps[index];
}

export const DEFAULT_METRIC = METRIC_OPTIONS[0];

export function metricById(id: string | null | undefined): MetricOption {
  return METRIC_OPTIONS.find((option) => option.id === id) ?? DEFAULT_METRIC;
}

/**
 * Curves a reviewer can draw: the per-epoch metrics, and the training loss and accuracy workers
 * log every few steps (at global steps, like the epoch metrics), which show convergence within an
 * epoch.
 */
export const CURVE_KEYS = [
  'val_accuracy',
  'val_loss',
  'accuracy',
  'loss',
  'batch_accuracy',
  'batch_loss',
] as const;
