'use client';

import { useCallback, useEffect, useMemo } from 'react';
import { useQuery, useSubscription } from 'urql';
import { liveUpdatesEnabled } from '@/lib/urql-client';
import { buildChart, type MetricSeriesData } from './curves-model';
import { buildDriftChart, DRIFT_PREFIX } from './drift-model';
import {
  ExperimentQuery,
  GridQuery,
  MetricsQuery,
  RunUpdatedSubscription,
} from './experiment.graphql';
import { aggregateRuns, type GridData, type RunRow } from './grid-model';
import { epochsToTarget, type MetricOption } from './metric-options';
import type { ExperimentView } from './page-state';

// The experiment page's reads: one hook per query, so each section's data has one owner.

const MAX_CURVE_RUNS = 200;
const MAX_DRIFT_RUNS = 50;
const POLL_MS = 5000;

/** The experiment with its (first 500) runs, and the names of its weight-bearing layers. */
export function useExperiment(id: string) {
  const [result, reexecute] = useQuery({ query: ExperimentQuery, variables: { id } });
  const experiment = result.data?.experiment;
  const runs: RunRow[] = useMemo(() => experiment?.runs.nodes ?? [], [experiment]);
  const runsById = useMemo(() => new Map(runs.map((run) => [run.id, run])), [runs]);
  const layers = experiment?.sourceModel?.layers;
  const weightLayers = useMemo(
    () => (layers ?? []).filter((layer) => layer.weightBearing).map((layer) => layer.name),
    [layers],
  );
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return { result, experiment, runs, runsById, weightLayers, refresh };
}

/**
 * The grid for the chosen metric: from the API for curve metrics, aggregated here from run
 * summaries, or from every run's curve for epochs to a target accuracy (the API has no such summary).
 */
export function useGrid(
  id: string,
  metric: MetricOption,
  runs: readonly RunRow[],
  target: number,
  /** For sweeps over training-set sizes, the size shown; `runs` are that size's already. */
  trainSamples: number | null = null,
) {
  const [gridResult, reexecuteGrid] = useQuery({
    query: GridQuery,
    variables: {
      id,
      metric: metric.source === 'curve' ? metric.key : 'val_accuracy',
      summary: metric.source === 'curve' ? metric.summary : 'BEST',
      trainSamples,
    },
    pause: metric.source !== 'curve',
  });
  const [targetCurves, reexecuteTargetCurves] = useQuery({
    query: MetricsQuery,
    variables: {
      runIds: runs.slice(0, 500).map((run) => run.id),
      keys: ['val_accuracy'],
      maxPoints: 500,
    },
    pause: metric.source !== 'target' || runs.length === 0,
  });
  const grid: GridData | undefined = useMemo(() => {
    if (metric.source === 'run') return aggregateRuns(runs, metric.value, metric.lowerIsBetter);
    if (metric.source === 'target') {
      const curves = targetCurves.data?.metrics;
      if (!curves) return undefined;
      const byRun = new Map(curves.map((curve) => [curve.runId, curve]));
      return aggregateRuns(
        runs,
        (run) => {
          const curve = byRun.get(run.id);
          return curve ? epochsToTarget(curve.steps, curve.values, target, run.epochs) : null;
        },
        true,
      );
    }
    return gridResult.data?.experiment.grid;
  }, [metric, runs, gridResult.data, targetCurves.data, target]);
  const error =
    metric.source === 'curve'
      ? gridResult.error
      : metric.source === 'target'
        ? targetCurves.error
        : undefined;
  const refresh = useCallback(
    () => reexecuteGrid({ requestPolicy: 'network-only' }),
    [reexecuteGrid],
  );
  const retry = useCallback(() => {
    reexecuteGrid({ requestPolicy: 'network-only' });
    reexecuteTargetCurves({ requestPolicy: 'network-only' });
  }, [reexecuteGrid, reexecuteTargetCurves]);
  return { grid, error, refresh, retry };
}

/** Nothing selected: every run (up to the cap) is drawn, so the page is never blank. */
export function curveRunIdsOf(runs: readonly RunRow[], selected: ReadonlySet<string>): string[] {
  const ids =
    selected.size > 0
      ? runs.filter((run) => selected.has(run.id)).map((run) => run.id)
      : runs.map((run) => run.id);
  return ids.slice(0, MAX_CURVE_RUNS);
}

/** The learning curves of `runIds` for the view's curve key, x axis and grouping. */
export function useCurves(
  runIds: string[],
  runsById: ReadonlyMap<string, RunRow>,
  view: ExperimentView,
) {
  const [result] = useQuery({
    query: MetricsQuery,
    variables: {
      runIds,
      keys: [view.curve],
      maxPoints: 500,
      withWallTimes: view.x === 'wall',
    },
    pause: runIds.length === 0,
  });
  const model = useMemo(
    () =>
      buildChart(
        (result.data?.metrics ?? []) as MetricSeriesData[],
        runsById,
        view.x,
        view.group,
        view.log,
      ),
    [result.data, runsById, view.x, view.group, view.log],
  );
  return { result, model };
}

/** Weight drift per layer (keys drift/<layer>) of the first curve runs. */
export function useDrift(curveRunIds: string[], weightLayers: string[]) {
  const keys = useMemo(
    () => weightLayers.slice(0, 50).map((name) => `${DRIFT_PREFIX}${name}`),
    [weightLayers],
  );
  const runIds = useMemo(() => curveRunIds.slice(0, MAX_DRIFT_RUNS), [curveRunIds]);
  const [result] = useQuery({
    query: MetricsQuery,
    variables: { runIds, keys, maxPoints: 200 },
    pause: runIds.length === 0 || keys.length === 0,
  });
  const model = useMemo(
    () => buildDriftChart((result.data?.metrics ?? []) as MetricSeriesData[], weightLayers),
    [result.data, weightLayers],
  );
  return { result, model, keys, runIds };
}

/**
 * Live view: the API pushes run changes over graphql-ws when the browser can reach it
 * (NEXT_PUBLIC_GRAPHQL_WS_URL); otherwise, and as a fallback, poll while anything is active.
 */
export function useLiveRuns(experimentId: string, runs: readonly RunRow[], refresh: () => void) {
  const active = runs.some((run) => run.status === 'QUEUED' || run.status === 'RUNNING');
  const [live] = useSubscription({
    query: RunUpdatedSubscription,
    variables: { experimentId },
    pause: !liveUpdatesEnabled() || !active,
  });
  useEffect(() => {
    if (!live.data) return;
    const timer = setTimeout(refresh, 500); // many updates in a burst → one refresh
    return () => clearTimeout(timer);
  }, [live.data, refresh]);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(refresh, live.data ? POLL_MS * 6 : POLL_MS);
    return () => clearInterval(timer);
  }, [active, refresh, live.data]);
}
