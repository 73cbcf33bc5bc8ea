import type { RunRow } from './grid-model';
import type { GroupBy, XAxis } from './page-state';

export interface MetricSeriesData {
  runId: string;
  key: string;
  steps: number[];
  values: number[];
  /** Only fetched when the x axis is wall time. */
  wallTimes?: number[];
}

export interface ChartLine {
  label: string;
  colour: string;
  values: (number | null)[];
  /** Band edges are drawn without a stroke and left out of the legend. */
  role: 'line' | 'upper' | 'lower';
  runIds: string[];
}

export interface ChartModel {
  xs: number[];
  lines: ChartLine[];
  /** Index pairs into `lines` (upper, lower) to fill between. */
  bands: { upper: number; lower: number; colour: string }[];
}

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];

const MAX_ALIGNED_POINTS = 1500;
const BINS = 500;

function xValues(series: MetricSeriesData, run: RunRow | undefined, axis: XAxis): number[] {
  if (axis === 'wall' && series.wallTimes) {
    const wallTimes = series.wallTimes;
    const start = wallTimes[0] ?? 0;
    return wallTimes.map((time) => time - start);
  }
  if (axis === 'epoch' && run) {
    const lastStep = series.steps[series.steps.length - 1] ?? 0;
    // Per-epoch curves already count epochs; batch-level ones are scaled onto the epoch count.
    if (lastStep > run.epochs) return series.steps.map((step) => (step / lastStep) * run.epochs);
  }
  return series.steps;
}

/**
 * Puts every curve on one x array (what uPlot draws from). Curves logged at the same steps share
 * points; when their x values disagree too much (wall time), they are binned into 500 slots.
 */
export function alignSeries(curves: { xs: number[]; ys: number[] }[]): {
  xs: number[];
  columns: (number | null)[][];
} {
  const unique = new Set<number>();
  for (const curve of curves) for (const x of curve.xs) unique.add(x);
  if (unique.size <= MAX_ALIGNED_POINTS) {
    const xs = [...unique].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const columns = curves.map((curve) => {
      const column: (number | null)[] = new Array(xs.length).fill(null);
      curve.xs.forEach((x, i) => (column[index.get(x)!] = curve.ys[i]));
      return column;
    });
    return { xs, columns };
  }
  let min = Infinity;
  let max = -Infinity;
  for (const x of unique) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const width = (max - min) / BINS || 1;
  const xs = Array.from({ length: BINS }, (_, i) => min + (i + 0.5) * width);
  const columns = curves.map((curve) => {
    const column: (number | null)[] = new Array(BINS).fill(null);
    curve.xs.forEach(
      (x, i) => (column[Math.min(BINS - 1, Math.floor((x - min) / width))] = curve.ys[i]),
    );
    return column;
  });
  return { xs, columns };
}

export function groupKey(run: RunRow, group: GroupBy): string {
  switch (group) {
    case 'cell':
      return run.initialization === 'SCRATCH'
        ? 'scratch'
        : `frozen ${run.frozenLayers}, LR ${run.learningRate}`;
    case 'frozenLayers':
      return run.initialization === 'SCRATCH' ? 'scratch' : `frozen ${run.frozenLayers}`;
    case 'learningRate':
      return `LR ${run.learningRate}`;
    case 'seed':
      return `seed ${run.seed}`;
    case 'initialization':
      return run.initialization.toLowerCase();
    case 'none':
      return run.id;
  }
}

function runLabel(run: RunRow | undefined, runId: string): string {
  if (!run) return runId.slice(0, 8);
  const init = run.initialization === 'SCRATCH' ? 'scratch' : `k=${run.frozenLayers}`;
  return `${init} lr=${run.learningRate} s=${run.seed}`;
}

/** Overlaid runs, or one mean line with a ±1 std band per group. */
export function buildChart(
  series: readonly MetricSeriesData[],
  runs: ReadonlyMap<string, RunRow>,
  axis: XAxis,
  group: GroupBy,
  logY = false,
): ChartModel {
  const curves = series.map((item) => ({
    xs: xValues(item, runs.get(item.runId), axis),
    ys: item.values.map((value) => (logY && value <= 0 ? Number.NaN : value)),
  }));
  const { xs, columns } = alignSeries(curves);
  const clean = (column: (number | null)[]) =>
    column.map((v) => (v === null || Number.isNaN(v) ? null : v));

  if (group === 'none') {
    return {
      xs,
      lines: series.map((item, i) => ({
        label: runLabel(runs.get(item.runId), item.runId),
        colour: PALETTE[i % PALETTE.length],
        values: clean(columns[i]),
        role: 'line',
        runIds: [item.runId],
      })),
      bands: [],
    };
  }

  const groups = new Map<string, number[]>();
  series.forEach((item, i) => {
    const run = runs.get(item.runId);
    const key = run ? groupKey(run, group) : item.runId;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const lines: ChartLine[] = [];
  const bands: ChartModel['bands'] = [];
  [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .forEach(([key, members], groupIndex) => {
      const colour = PALETTE[groupIndex % PALETTE.length];
      const mean: (number | null)[] = [];
      const upper: (number | null)[] = [];
      const lower: (number | null)[] = [];
      for (let x = 0; x < xs.length; x++) {
        let sum = 0;
        let count = 0;
        for (const member of members) {
          const value = columns[member][x];
          if (value !== null && !Number.isNaN(value)) {
            sum += value;
            count++;
          }
        }
        if (count === 0) {
          mean.push(null);
          upper.push(null);
          lower.push(null);
          continue;
        }
        const average = sum / count;
        let squares = 0;
        for (const member of members) {
          const value = columns[member][x];
          if (value !== null && !Number.isNaN(value)) squares += (value - average) ** 2;
        }
        const std = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
        mean.push(average);
        upper.push(average + std);
        lower.push(logY ? Math.max(average - std, average * 0.01) : average - std);
      }
      const runIds = members.map((member) => series[member].runId);
      const base = lines.length;
      lines.push({
        label: `${key} (n=${new Set(runIds).size})`,
        colour,
        values: mean,
        role: 'line',
        runIds,
      });
      lines.push({ label: `${key} +std`, colour, values: upper, role: 'upper', runIds });
      lines.push({ label: `${key} −std`, colour, values: lower, role: 'lower', runIds });
      bands.push({ upper: base + 1, lower: base + 2, colour });
    });
  return { xs, lines, bands };
}
