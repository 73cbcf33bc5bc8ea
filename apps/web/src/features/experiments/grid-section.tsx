import { useCallback } from 'react';
import { ErrorState, Loading } from '../ui/states';
import { METRIC_OPTIONS, type MetricOption } from './metric-options';
import type { ExperimentView } from './page-state';
import { RunGrid } from './run-grid';
import type { useRunSelection } from './run-selection';
import type { useGrid } from './use-experiment-data';
import type { SetView } from './use-experiment-view';

/** The metric picker and the frozen-layers × learning-rate grid (its data: RunGridFields). */
export function GridSection({
  data: { grid, error, retry },
  metric,
  view,
  setView,
  sweep,
  weightLayers,
  selection,
  sizes = [],
  size = null,
}: {
  data: Pick<ReturnType<typeof useGrid>, 'grid' | 'error' | 'retry'>;
  metric: MetricOption;
  view: ExperimentView;
  setView: SetView;
  sweep: Record<string, unknown> | undefined;
  weightLayers: readonly string[];
  selection: Pick<ReturnType<typeof useRunSelection>, 'selectedCells' | 'toggleCell'>;
  /** The sweep's training-set sizes (empty when it varies none) and the one shown. */
  sizes?: readonly number[];
  size?: number | null;
}) {
  const depthLabel = useCallback(
    (frozen: number) =>
      frozen > 0 && weightLayers[frozen - 1]
        ? `up to ${weightLayers[frozen - 1]}`
        : frozen === 0
          ? 'none frozen'
          : undefined,
    [weightLayers],
  );
  return (
    <>
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
        {sizes.length > 0 ? (
          <label>
            Training samples
            <select
              name="size"
              value={size ?? ''}
              onChange={(e) => setView({ size: Number(e.target.value) })}
            >
              {sizes.map((option) => (
                <option key={option} value={option}>
                  {option.toLocaleString('en')}
                </option>
              ))}
            </select>
          </label>
        ) : null}
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
                if (e.key === 'Enter' && Number.isFinite(target) && target > 0) setView({ target });
              }}
            />
          </label>
        ) : null}
        <span className="muted">
          mean ± std over seeds; gain is over the from-scratch baseline (positive is better)
        </span>
      </div>
      {error ? (
        <ErrorState error={error} retry={retry} />
      ) : grid ? (
        <RunGrid
          grid={grid}
          sweep={sweep as { frozenLayers?: number[]; learningRates?: number[] } | undefined}
          metricLabel={metric.label}
          selected={selection.selectedCells}
          onToggle={selection.toggleCell}
          depthLabel={depthLabel}
        />
      ) : (
        <Loading label="Loading the grid…" />
      )}
    </>
  );
}

/** How many runs the grid and the table picked, and a way to drop them all. */
export function SelectionBar({ count, onClear }: { count: number; onClear(): void }) {
  return (
    <div className="toolbar" aria-live="polite">
      <span data-testid="selection-count">
        {count > 0 ? `${count} runs selected` : 'No runs selected: curves show all runs'}
      </span>
      {count > 0 ? (
        <button type="button" onClick={onClear}>
          Clear selection
        </button>
      ) : null}
    </div>
  );
}
