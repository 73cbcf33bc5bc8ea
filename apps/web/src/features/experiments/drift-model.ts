import { alignSeries, PALETTE, type ChartModel, type MetricSeriesData } from './curves-model';

export const DRIFT_PREFIX = 'drift/';

/**
 * One line per layer: its drift from the source weights, averaged over the given runs, against
 * the epoch. The trainer logs drift once per epoch, at that epoch's last global step, so a
 * series' k-th point (in step order) is epoch k; runs with different steps per epoch line up.
 */
export function buildDriftChart(
  series: readonly MetricSeriesData[],
  layerOrder: readonly string[],
): ChartModel {
  const byKey = new Map<string, MetricSeriesData[]>();
  for (const item of series) byKey.set(item.key, [...(byKey.get(item.key) ?? []), item]);
  const keys = [...byKey.keys()].sort(
    (a, b) =>
      layerOrder.indexOf(a.slice(DRIFT_PREFIX.length)) -
      layerOrder.indexOf(b.slice(DRIFT_PREFIX.length)),
  );
  const flat = keys.flatMap((key) => byKey.get(key)!);
  const { xs, columns } = alignSeries(
    flat.map((item) => ({ xs: item.steps.map((_, index) => index + 1), ys: item.values })),
  );
  let offset = 0;
  const lines = keys.map((key, index) => {
    const members = byKey.get(key)!.length;
    const values = xs.map((_, x) => {
      let sum = 0;
      let count = 0;
      for (let m = offset; m < offset + members; m++) {
        const value = columns[m][x];
        if (value !== null) {
          sum += value;
          count++;
        }
      }
      return count ? sum / count : null;
    });
    offset += members;
    return {
      label: key.slice(DRIFT_PREFIX.length),
      colour: PALETTE[index % PALETTE.length],
      values,
      role: 'line' as const,
      runIds: byKey.get(key)!.map((item) => item.runId),
    };
  });
  return { xs, lines, bands: [] };
}
