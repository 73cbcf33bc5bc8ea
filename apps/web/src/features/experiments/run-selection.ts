'use client';

import { useCallback, useMemo } from 'react';
import { cellKey, type RunRow } from './grid-model';
import type { ExperimentView } from './page-state';
import { SCRATCH_KEY } from './run-grid';
import type { SetView } from './use-experiment-view';

const runCellKey = (run: RunRow) =>
  run.initialization === 'SCRATCH' ? SCRATCH_KEY : cellKey(run.frozenLayers, run.learningRate);

/** Runs picked by the selected grid cells plus runs ticked one by one in the table. */
export function selectedRunIds(
  runs: readonly RunRow[],
  cells: readonly string[],
  runIds: readonly string[],
): Set<string> {
  const cellSet = new Set(cells);
  const selected = new Set(runIds);
  if (cellSet.size === 0) return selected;
  for (const run of runs) if (cellSet.has(runCellKey(run))) selected.add(run.id);
  return selected;
}

/** The selection (grid cells and single runs, kept in the URL) and the two ways to change it. */
export function useRunSelection(
  runs: readonly RunRow[],
  runsById: ReadonlyMap<string, RunRow>,
  view: ExperimentView,
  setView: SetView,
) {
  const selected = useMemo(
    () => selectedRunIds(runs, view.cells, view.runs),
    [runs, view.cells, view.runs],
  );
  const selectedCells = useMemo(() => new Set(view.cells), [view.cells]);

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
        const key = run ? runCellKey(run) : '';
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
  const clear = useCallback(() => setView({ cells: [], runs: [] }), [setView]);
  return { selected, selectedCells, toggleCell, toggleRun, clear };
}
