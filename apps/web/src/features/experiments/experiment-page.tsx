'use client';

import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useDeferredValue, useEffect, useMemo } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { liveUpdatesEnabled } from '@/lib/urql-client';
import { errorMessage } from '@/lib/errors';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, ErrorState, Loading, QueryState } from '../ui/states';
import { buildChart, type MetricSeriesData } from './curves-model';
import { buildDriftChart, DRIFT_PREFIX } from './drift-model';
import {
  CancelRunMutation,
  ExperimentQuery,
  GridQuery,
  MetricsQuery,
  RetryRunMutation,
  RunUpdatedSubscription,
} from './experiment.graphql';
import { aggregateRuns, cellKey, type GridData, type RunRow } from './grid-model';
import { LineChart } from './line-chart';
import { CURVE_KEYS, epochsToTarget, METRIC_OPTIONS, metricById } from './metric-options';
import { GROUP_OPTIONS, parseView, serializeView, X_AXES, type ExperimentView } from './page-state';
import { RunGrid, SCRATCH_KEY } from './run-grid';
import { RunsTable } from './runs-table';

const NO_RUNS: RunRow[] = [];
const MAX_CURVE_RUNS = 200;
const MAX_DRIFT_RUNS = 50;
const POLL_MS = 5000;
const X_LABELS = { step: 'Step', epoch: 'Epoch', wall: 'Wall time (s)' } as const;
const GROUP_LABELS = {
  none: 'None (each run)',
  cell: 'Grid cell',
  frozenLayers: 'Frozen layers',
  learningRate: 'Learning rate',
  seed: 'Seed',
  initialization: 'Initialization',
} as const;

function useExperimentView() {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const view = useMemo(
    () => parseView(new URLSearchParams(searchParams.toString())),
    [searchParams],
  );
  const setView = useCallback(
    (patch: Partial<ExperimentView>) => {
      const query = serializeView({ ...view, ...patch });
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [router, pathname, view],
  );
  return [view, setView] as const;
}

/** Runs picked by the selected grid cells plus runs ticked one by one in the table. */
export function selectedRunIds(
  runs: readonly RunRow[],
  cells: readonly string[],
  runIds: readonly string[],
): Set<string> {
  const cellSet = new Set(cells);
  const selected = new Set(runIds);
  if (cellSet.size === 0) return selected;
  for (const run of runs) {
    const key =
      run.initialization === 'SCRATCH' ? SCRATCH_KEY : cellKey(run.frozenLayers, run.learningRate);
    if (cellSet.has(key)) selected.add(run.id);
  }
  return selected;
}

export function ExperimentPage({ id }: { id: string }) {
  const [view, setView] = useExperimentView();
  const [result, reexecute] = useQuery({ query: ExperimentQuery, variables: { id } });
  const { roleIn } = useSession();
  const experiment = result.data?.experiment;
  const runs = useMemo(() => experiment?.runs.nodes ?? [], [experiment]);
  // The table (hundreds of rows) renders after the grid and the curve request, not before.
  const tableRuns = useDeferredValue(runs, NO_RUNS);
  const runsById = useMemo(() => new Map(runs.map((run) => [run.id, run])), [runs]);
  const metric = metricById(view.metric);
  const writable = canWrite(roleIn(experiment?.teamId));

  const [gridResult, reexecuteGrid] = useQuery({
    query: GridQuery,
    variables: {
      id,
      metric: metric.source === 'curve' ? metric.key : 'val_accuracy',
      summary: metric.source === 'curve' ? metric.summary : 'BEST',
    },
    pause: metric.source !== 'curve',
  });
  // Epochs to a target accuracy: every run's curve, crossed here (the API has no such summary).
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
          return curve ? epochsToTarget(curve.steps, curve.values, view.target, run.epochs) : null;
        },
        true,
      );
    }
    return gridResult.data?.experiment.grid;
  }, [metric, runs, gridResult.data, targetCurves.data, view.target]);
  const gridError =
    metric.source === 'curve'
      ? gridResult.error
      : metric.source === 'target'
        ? targetCurves.error
        : undefined;

  const selected = useMemo(
    () => selectedRunIds(runs, view.cells, view.runs),
    [runs, view.cells, view.runs],
  );
  const selectedCells = useMemo(() => new Set(view.cells), [view.cells]);

  // Nothing selected: every run (up to the cap) is drawn, so the page is never blank.
  const curveRunIds = useMemo(() => {
    const ids =
      selected.size > 0
        ? runs.filter((run) => selected.has(run.id)).map((run) => run.id)
        : runs.map((run) => run.id);
    return ids.slice(0, MAX_CURVE_RUNS);
  }, [runs, selected]);
  const [metricsResult] = useQuery({
    query: MetricsQuery,
    variables: {
      runIds: curveRunIds,
      keys: [view.curve],
      maxPoints: 500,
      withWallTimes: view.x === 'wall',
    },
    pause: curveRunIds.length === 0,
  });
  const curveModel = useMemo(
    () =>
      buildChart(
        (metricsResult.data?.metrics ?? []) as MetricSeriesData[],
        runsById,
        view.x,
        view.group,
        view.log,
      ),
    [metricsResult.data, runsById, view.x, view.group, view.log],
  );

  const layers = experiment?.sourceModel?.layers;
  const weightLayers = useMemo(
    () => (layers ?? []).filter((layer) => layer.weightBearing).map((layer) => layer.name),
    [layers],
  );
  const driftKeys = useMemo(
    () => weightLayers.slice(0, 50).map((name) => `${DRIFT_PREFIX}${name}`),
    [weightLayers],
  );
  const driftRunIds = useMemo(() => curveRunIds.slice(0, MAX_DRIFT_RUNS), [curveRunIds]);
  const [driftResult] = useQuery({
    query: MetricsQuery,
    variables: { runIds: driftRunIds, keys: driftKeys, maxPoints: 200 },
    pause: driftRunIds.length === 0 || driftKeys.length === 0,
  });
  const driftModel = useMemo(
    () => buildDriftChart((driftResult.data?.metrics ?? []) as MetricSeriesData[], weightLayers),
    [driftResult.data, weightLayers],
  );

  // Live view: the API pushes run changes over graphql-ws when the browser can reach it
  // (NEXT_PUBLIC_GRAPHQL_WS_URL); otherwise, and as a fallback, poll while anything is active.
  const active = runs.some((run) => run.status === 'QUEUED' || run.status === 'RUNNING');
  const refreshAll = useCallback(() => {
    reexecute({ requestPolicy: 'network-only' });
    reexecuteGrid({ requestPolicy: 'network-only' });
  }, [reexecute, reexecuteGrid]);
  const [live] = useSubscription({
    query: RunUpdatedSubscription,
    variables: { experimentId: id },
    pause: !liveUpdatesEnabled() || !active,
  });
  useEffect(() => {
    if (!live.data) return;
    const timer = setTimeout(refreshAll, 500); // many updates in a burst → one refresh
    return () => clearTimeout(timer);
  }, [live.data, refreshAll]);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(refreshAll, live.data ? POLL_MS * 6 : POLL_MS);
    return () => clearInterval(timer);
  }, [active, refreshAll, live.data]);

  const [cancelState, cancelRun] = useMutation(CancelRunMutation);
  const [retryState, retryRun] = useMutation(RetryRunMutation);
  const actions = useMemo(
    () =>
      writable
        ? {
            cancel: (runId: string) => void cancelRun({ id: runId }).then(refreshAll),
            retry: (runId: string) => void retryRun({ id: runId }).then(refreshAll),
          }
        : undefined,
    [writable, cancelRun, retryRun, refreshAll],
  );
  const statusError = cancelState.error ?? retryState.error;

  const toggleCell = useCallback(
    (key: string, extend: boolean) => {
      const has = view.cells.includes(key);
      const cells = extend
        ? has
          ? view.cells.filter((c) => c !== key)
          : [...view.cells, key]
        : has && view.cells.length === 1
          ? []
          : [key];
      setView({ cells, runs: extend ? view.runs : [] });
    },
    [view.cells, view.runs, setView],
  );
  const toggleRun = useCallback(
    (runId: string) => {
      if (selected.has(runId)) {
        // Unticking a run picked through its cell turns the cell into individual runs.
        const run = runsById.get(runId);
        const key = run
          ? run.initialization === 'SCRATCH'
            ? SCRATCH_KEY
            : cellKey(run.frozenLayers, run.learningRate)
          : '';
        const cells = view.cells.filter((c) => c !== key);
        const fromCell = view.cells.includes(key)
          ? runs.filter((r) => selectedRunIds([r], [key], []).size > 0).map((r) => r.id)
          : [];
        setView({
          cells,
          runs: [...new Set([...view.runs, ...fromCell])].filter((idInView) => idInView !== runId),
        });
      } else setView({ runs: [...view.runs, runId] });
    },
    [selected, runsById, runs, view.cells, view.runs, setView],
  );

  const sweep = experiment?.sweep as
    { frozenLayers?: number[]; learningRates?: number[] } | undefined;
  const depthLabel = useCallback(
    (frozen: number) =>
      frozen > 0 && weightLayers[frozen - 1]
        ? `up to ${weightLayers[frozen - 1]}`
        : frozen === 0
          ? 'none frozen'
          : undefined,
    [weightLayers],
  );
  const counts = useMemo(() => {
    const byStatus = new Map<string, number>();
    for (const run of runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    return [...byStatus.entries()]
      .map(([status, count]) => `${count} ${status.toLowerCase()}`)
      .join(', ');
  }, [runs]);

  return (
    <main>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!experiment}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {experiment ? (
          <>
            <p>
              <Link prefetch={false} href="/projects">
                Projects
              </Link>{' '}
              /{' '}
              <Link prefetch={false} href={`/projects/${experiment.project.id}`}>
                {experiment.project.name}
              </Link>{' '}
              /
            </p>
            <h1>{experiment.name}</h1>
            <dl className="facts">
              <dt>Source model</dt>
              <dd>
                {experiment.sourceModel ? (
                  <Link prefetch={false} href={`/models/${experiment.sourceModel.id}`}>
                    {experiment.sourceModel.name}
                  </Link>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Target dataset</dt>
              <dd>{experiment.targetDataset?.name ?? '—'}</dd>
              <dt>Runs</dt>
              <dd data-testid="run-counts">
                {runs.length} {counts ? `(${counts})` : ''}
                {experiment.runs.pageInfo.hasNextPage ? ' — showing the first 500' : ''}
              </dd>
            </dl>

            <h2>Grid</h2>
            <div className="toolbar">
              <label>
                Grid metric
                <select
                  name="metric"
                  value={metric.id}
                  onChange={(e) => setView({ metric: e.target.value })}
                >
                  {METRIC_OPTIONS.map((option) => (
                    <option key={option.id} value={option.id}>
                      {option.label}
                    </option>
                  ))}
                </select>
              </label>
              {metric.source === 'target' ? (
                <label>
                  Target
                  <input
                    key={view.target}
                    name="target"
                    type="number"
                    min={0}
                    max={1}
                    step={0.01}
                    defaultValue={view.target}
                    onBlur={(e) => {
                      const target = Number(e.target.value);
                      if (Number.isFinite(target) && target > 0) setView({ target });
                    }}
                    onKeyDown={(e) => {
                      const target = Number(e.currentTarget.value);
                      if (e.key === 'Enter' && Number.isFinite(target) && target > 0)
                        setView({ target });
                    }}
                  />
                </label>
              ) : null}
              <span className="muted">
                mean ± std over seeds; gain is over the from-scratch baseline (positive is better)
              </span>
            </div>
            {gridError ? (
              <ErrorState
                error={gridError}
                retry={() => {
                  reexecuteGrid({ requestPolicy: 'network-only' });
                  reexecuteTargetCurves({ requestPolicy: 'network-only' });
                }}
              />
            ) : grid ? (
              <RunGrid
                grid={grid}
                sweep={sweep}
                metricLabel={metric.label}
                selected={selectedCells}
                onToggle={toggleCell}
                depthLabel={depthLabel}
              />
            ) : (
              <Loading label="Loading the grid…" />
            )}

            <div className="toolbar" aria-live="polite">
              <span data-testid="selection-count">
                {selected.size > 0
                  ? `${selected.size} runs selected`
                  : 'No runs selected: curves show all runs'}
              </span>
              {selected.size > 0 ? (
                <button type="button" onClick={() => setView({ cells: [], runs: [] })}>
                  Clear selection
                </button>
              ) : null}
            </div>

            <div className="panels">
              <section aria-label="Learning curves">
                <h2>Learning curves</h2>
                <div className="toolbar">
                  <label>
                    Curve
                    <select
                      name="curve"
                      value={view.curve}
                      onChange={(e) => setView({ curve: e.target.value })}
                    >
                      {CURVE_KEYS.map((key) => (
                        <option key={key} value={key}>
                          {key}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    X axis
                    <select
                      name="x"
                      value={view.x}
                      onChange={(e) => setView({ x: e.target.value as ExperimentView['x'] })}
                    >
                      {X_AXES.map((axis) => (
                        <option key={axis} value={axis}>
                          {X_LABELS[axis]}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Group by
                    <select
                      name="group"
                      value={view.group}
                      onChange={(e) =>
                        setView({ group: e.target.value as ExperimentView['group'] })
                      }
                    >
                      {GROUP_OPTIONS.map((option) => (
                        <option key={option} value={option}>
                          {GROUP_LABELS[option]}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    <input
                      type="checkbox"
                      checked={view.log}
                      onChange={(e) => setView({ log: e.target.checked })}
                    />
                    Log scale
                  </label>
                </div>
                {metricsResult.error ? (
                  <ErrorState error={metricsResult.error} />
                ) : metricsResult.fetching && !metricsResult.data ? (
                  <Loading label="Loading curves…" />
                ) : curveModel.lines.length === 0 ? (
                  <Empty>No {view.curve} points logged for these runs yet.</Empty>
                ) : (
                  <LineChart
                    model={curveModel}
                    title={`${view.curve} (${curveRunIds.length} runs${view.group !== 'none' ? `, mean ± std by ${GROUP_LABELS[view.group].toLowerCase()}` : ''})`}
                    xLabel={X_LABELS[view.x]}
                    yLabel={view.curve}
                    logY={view.log}
                    testId="curves"
                  />
                )}
              </section>
              <section aria-label="Weight drift">
                <h2>Weight drift per layer</h2>
                {driftKeys.length === 0 ? (
                  <Empty>
                    The source model&apos;s layers are unknown, so there is no drift to show.
                  </Empty>
                ) : driftResult.error ? (
                  <ErrorState error={driftResult.error} />
                ) : driftResult.fetching && !driftResult.data ? (
                  <Loading label="Loading drift…" />
                ) : driftModel.lines.length === 0 ? (
                  <Empty>No drift logged for these runs (keys drift/&lt;layer&gt;).</Empty>
                ) : (
                  <LineChart
                    model={driftModel}
                    title={`‖W − W₀‖ / ‖W₀‖, mean over ${driftRunIds.length} runs`}
                    xLabel="Epoch"
                    yLabel="drift"
                    testId="drift"
                  />
                )}
              </section>
            </div>

            <h2>Runs</h2>
            {statusError ? (
              <p role="alert" className="form-error">
                {errorMessage(statusError)}
              </p>
            ) : null}
            {runs.length === 0 ? (
              <Empty>No runs yet.</Empty>
            ) : tableRuns.length === 0 ? (
              <Loading label="Loading runs…" />
            ) : (
              <RunsTable
                runs={tableRuns}
                selected={selected}
                onToggleRun={toggleRun}
                diffOnly={view.diff}
                onDiffOnlyChange={(diff) => setView({ diff })}
                csvName={`experiment-${experiment.id}-runs.csv`}
                actions={actions}
              />
            )}
          </>
        ) : null}
      </QueryState>
    </main>
  );
}
