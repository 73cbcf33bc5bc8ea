'use client';

import { useCallback, useMemo } from 'react';
import { ExperimentScoresSection } from '../scores/experiment-scores-section';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { QueryState } from '../ui/states';
import { CurvesSection, DriftSection } from './curves-section';
import { ExperimentHeader } from './experiment-header';
import { DepthBySizeSection } from './depth-by-size-section';
import { GridSection, SelectionBar } from './grid-section';
import { metricById } from './metric-options';
import { useRunSelection } from './run-selection';
import { RunsSection } from './runs-section';
import {
  curveRunIdsOf,
  useCurves,
  useDrift,
  useExperiment,
  useGrid,
  useLiveRuns,
} from './use-experiment-data';
import { useExperimentView } from './use-experiment-view';
import { useRunActions } from './use-run-actions';
import { activeSize, runsOfSize, sweepSizes } from './size-axis-model';

export { selectedRunIds } from './run-selection';

/** One experiment: its grid, the selected runs' curves and drift, and the runs table. */
export function ExperimentPage({ id }: { id: string }) {
  const [view, setView] = useExperimentView();
  const { result, experiment, runs, runsById, weightLayers, refresh } = useExperiment(id);
  const { roleIn } = useSession();
  const metric = metricById(view.metric);
  const sizes = useMemo(() => sweepSizes(experiment?.sweep), [experiment?.sweep]);
  const size = activeSize(sizes, view.size);
  const runsShown = useMemo(() => runsOfSize(runs, size), [runs, size]);
  const grid = useGrid(id, metric, runsShown, view.target, size);
  const selection = useRunSelection(runs, runsById, view, setView);
  const curveRunIds = useMemo(
    () => curveRunIdsOf(runs, selection.selected),
    [runs, selection.selected],
  );
  const curves = useCurves(curveRunIds, runsById, view);
  const drift = useDrift(curveRunIds, weightLayers);

  const { refresh: refreshGrid } = grid;
  const refreshAll = useCallback(() => {
    refresh();
    refreshGrid();
  }, [refresh, refreshGrid]);
  useLiveRuns(id, runs, refreshAll);
  const runActions = useRunActions(canWrite(roleIn(experiment?.teamId)), refreshAll);

  return (
    <main>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!experiment}
        retry={refresh}
      >
        {experiment ? (
          <>
            <ExperimentHeader
              experiment={experiment}
              runs={runs}
              moreRuns={experiment.runs.pageInfo.hasNextPage}
            />
            <GridSection
              data={grid}
              metric={metric}
              view={view}
              setView={setView}
              sweep={experiment.sweep}
              weightLayers={weightLayers}
              selection={selection}
              sizes={sizes}
              size={size}
            />
            {experiment.targetDataset ? (
              <ExperimentScoresSection
                datasetId={experiment.targetDataset.id}
                sourceModelId={experiment.sourceModel?.id ?? null}
              />
            ) : null}
            {sizes.length > 0 ? (
              <DepthBySizeSection experimentId={experiment.id} metric={metric} />
            ) : null}
            <SelectionBar count={selection.selected.size} onClear={selection.clear} />
            <div className="panels">
              <CurvesSection
                curves={curves}
                runCount={curveRunIds.length}
                view={view}
                setView={setView}
              />
              <DriftSection drift={drift} />
            </div>
            <RunsSection
              experimentId={experiment.id}
              runs={runs}
              selected={selection.selected}
              onToggleRun={selection.toggleRun}
              diffOnly={view.diff}
              onDiffOnlyChange={(diff) => setView({ diff })}
              actions={runActions.actions}
              actionError={runActions.error}
            />
          </>
        ) : null}
      </QueryState>
    </main>
  );
}
