import { meanStd } from '@finetrack/shared';
import type { RunFieldsFragment } from '@/gql/graphql';

export type RunRow = RunFieldsFragment;

export interface CellStats {
  frozenLayers: number;
  learningRate: number;
  /** Runs with a value for the metric. */
  runCount: number;
  totalRuns: number;
  mean: number | null;
  std: number | null;
  best: number | null;
  gainOverScratch: number | null;
  /** From the API's grid: compute to first reach the grid's target; null: never reached. */
  computeToTarget?: { epochs: number; flops: number | null; reachedRuns: number } | null;
  speedupsOverScratch?: { epochs: number | null; flops: number | null } | null;
}

/**
 * The cell's line about compute to the target accuracy, as a reviewer reads it: how many times
 * fewer epochs and FLOPs than scratch it needed, or that it never got there. Null when the grid
 * has no target (no scratch baseline reached anything, or the grid is computed in the browser).
 */
export function computeLine(
  cell: CellStats,
  computeTarget: number | null | undefined,
): string | null {
  if (computeTarget === null || computeTarget === undefined || cell.computeToTarget === undefined)
    return null;
  const target = `${(computeTarget * 100).toFixed(1)} %`;
  if (cell.computeToTarget === null) return `never reached ${target}`;
  const times = (ratio: number | null | undefined) =>
    ratio === null || ratio === undefined ? null : `${ratio.toPrecision(2)}×`;
  const epochs = times(cell.speedupsOverScratch?.epochs);
  const flops = times(cell.speedupsOverScratch?.flops);
  const parts = [epochs && `${epochs} fewer epochs`, flops && `${flops} fewer FLOPs`].filter(
    Boolean,
  );
  return parts.length > 0
    ? `to ${target}: ${parts.join(', ')}`
    : `reached ${target} in ${cell.computeToTarget.epochs.toPrecision(2)} epochs (scratch never did)`;
}

export interface BaselineStats {
  runCount: number;
  totalRuns: number;
  mean: number | null;
  std: number | null;
  best: number | null;
}

export interface GridData {
  cells: CellStats[];
  /** The grid draws no best value for the baseline, so the API's grid need not send one. */
  scratch: Omit<BaselineStats, 'best'> | null;
  lowerIsBetter: boolean;
  /** The API grid's compute-to-target accuracy (absent for grids computed in the browser). */
  computeTarget?: number | null;
}

export const cellKey = (frozenLayers: number, learningRate: number) =>
  `${frozenLayers}_${learningRate}`;

export function parseCellKey(key: string): { frozenLayers: number; learningRate: number } | null {
  const [frozen, rate] = key.split('_');
  const frozenLayers = Number(frozen);
  const learningRate = Number(rate);
  if (!Number.isInteger(frozenLayers) || !Number.isFinite(learningRate) || rate === undefined)
    return null;
  return { frozenLayers, learningRate };
}

/** Positive is better, whichever way the metric points. */
export function gain(
  mean: number | null,
  baseline: number | null,
  lowerIsBetter: boolean,
): number | null {
  if (mean === null || baseline === null) return null;
  return lowerIsBetter ? baseline - mean : mean - baseline;
}

function stats(values: number[], totalRuns: number, lowerIsBetter: boolean): BaselineStats {
  const { mean, std } = meanStd(values);
  const best =
    values.length === 0 ? null : lowerIsBetter ? Math.min(...values) : Math.max(...values);
  return { runCount: values.length, totalRuns, mean, std, best };
}

/**
 * Aggregates a per-run summary (e.g. the epoch of the best validation accuracy) into grid cells
 * over seeds, for the metrics the API's grid does not compute from curves.
 */
export function aggregateRuns(
  runs: readonly RunRow[],
  value: (run: RunRow) => number | null | undefined,
  lowerIsBetter: boolean,
): GridData {
  const groups = new Map<string, { frozenLayers: number; learningRate: number; runs: RunRow[] }>();
  const scratchRuns: RunRow[] = [];
  for (const run of runs) {
    if (run.initialization === 'SCRATCH') {
      scratchRuns.push(run);
      continue;
    }
    const key = cellKey(run.frozenLayers, run.learningRate);
    let group = groups.get(key);
    if (!group) {
      group = { frozenLayers: run.frozenLayers, learningRate: run.learningRate, runs: [] };
      groups.set(key, group);
    }
    group.runs.push(run);
  }
  const valuesOf = (list: RunRow[]) =>
    list.map(value).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const scratch =
    scratchRuns.length > 0 ? stats(valuesOf(scratchRuns), scratchRuns.length, lowerIsBetter) : null;
  const cells = [...groups.values()].map((group) => {
    const cell = stats(valuesOf(group.runs), group.runs.length, lowerIsBetter);
    return {
      frozenLayers: group.frozenLayers,
      learningRate: group.learningRate,
      ...cell,
      gainOverScratch: gain(cell.mean, scratch?.mean ?? null, lowerIsBetter),
    };
  });
  return { cells, scratch, lowerIsBetter };
}

export interface GridLayout {
  rows: number[];
  columns: number[];
  cell(frozenLayers: number, learningRate: number): CellStats | undefined;
  /** Range of the cell means, for the colour scale. */
  min: number | null;
  max: number | null;
}

/** Rows and columns from the sweep and the cells (a sweep value with no runs still gets a place). */
export function layoutGrid(
  grid: GridData,
  sweep: { frozenLayers?: number[]; learningRates?: number[] } = {},
): GridLayout {
  const rows = new Set<number>(sweep.frozenLayers ?? []);
  const columns = new Set<number>(sweep.learningRates ?? []);
  const lookup = new Map<string, CellStats>();
  let min: number | null = null;
  let max: number | null = null;
  for (const cell of grid.cells) {
    rows.add(cell.frozenLayers);
    columns.add(cell.learningRate);
    lookup.set(cellKey(cell.frozenLayers, cell.learningRate), cell);
    if (cell.mean !== null) {
      min = min === null ? cell.mean : Math.min(min, cell.mean);
      max = max === null ? cell.mean : Math.max(max, cell.mean);
    }
  }
  return {
    rows: [...rows].sort((a, b) => a - b),
    columns: [...columns].sort((a, b) => a - b),
    cell: (frozenLayers, learningRate) => lookup.get(cellKey(frozenLayers, learningRate)),
    min,
    max,
  };
}

// Viridis, sampled at nine points: perceptually uniform and readable with colour-vision deficiencies.
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
] as const;

/** Viridis colour for t in [0, 1] (clamped), as an rgb() string. */
export function viridis(t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (VIRIDIS.length - 1);
  const low = Math.floor(position);
  const high = Math.min(VIRIDIS.length - 1, low + 1);
  const fraction = position - low;
  const channel = (index: number) =>
    Math.round(VIRIDIS[low][index] + (VIRIDIS[high][index] - VIRIDIS[low][index]) * fraction);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

/** Black on the light end of the scale, white on the dark end (contrast ≥ 4.5 either way). */
export function textColourOn(t: number): string {
  return t > 0.55 ? '#000000' : '#ffffff';
}

/** Where a value sits on the scale: 1 is the best cell, whichever way the metric points. */
export function scalePosition(value: number, layout: GridLayout, lowerIsBetter: boolean): number {
  if (layout.min === null || layout.max === null || layout.max === layout.min) return 1;
  const t = (value - layout.min) / (layout.max - layout.min);
  return lowerIsBetter ? 1 - t : t;
}
