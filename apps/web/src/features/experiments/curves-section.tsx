import { Empty, ErrorState, Loading } from '../ui/states';
import { LineChart } from './line-chart';
import { CURVE_KEYS } from './metric-options';
import { GROUP_OPTIONS, X_AXES, type ExperimentView } from './page-state';
import type { useCurves, useDrift } from './use-experiment-data';
import type { SetView } from './use-experiment-view';

const X_LABELS = { step: 'Step', epoch: 'Epoch', wall: 'Wall time (s)' } as const;
const GROUP_LABELS = {
  none: 'None (each run)',
  cell: 'Grid cell',
  frozenLayers: 'Frozen layers',
  learningRate: 'Learning rate',
  seed: 'Seed',
  initialization: 'Initialization',
} as const;

/** Learning curves of the selected runs (all runs when none is), with axis and grouping options. */
export function CurvesSection({
  curves: { result, model },
  runCount,
  view,
  setView,
}: {
  curves: ReturnType<typeof useCurves>;
  runCount: number;
  view: ExperimentView;
  setView: SetView;
}) {
  return (
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
            onChange={(e) => setView({ group: e.target.value as ExperimentView['group'] })}
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
      {result.error ? (
        <ErrorState error={result.error} />
      ) : result.fetching && !result.data ? (
        <Loading label="Loading curves…" />
      ) : model.lines.length === 0 ? (
        <Empty>No {view.curve} points logged for these runs yet.</Empty>
      ) : (
        <LineChart
          model={model}
          title={`${view.curve} (${runCount} runs${view.group !== 'none' ? `, mean ± std by ${GROUP_LABELS[view.group].toLowerCase()}` : ''})`}
          xLabel={X_LABELS[view.x]}
          yLabel={view.curve}
          logY={view.log}
          testId="curves"
        />
      )}
    </section>
  );
}

/** ‖W − W₀‖ / ‖W₀‖ per weight-bearing layer, averaged over the first curve runs. */
export function DriftSection({
  drift: { result, model, keys, runIds },
}: {
  drift: ReturnType<typeof useDrift>;
}) {
  return (
    <section aria-label="Weight drift">
      <h2>Weight drift per layer</h2>
      {keys.length === 0 ? (
        <Empty>The source model&apos;s layers are unknown, so there is no drift to show.</Empty>
      ) : result.error ? (
        <ErrorState error={result.error} />
      ) : result.fetching && !result.data ? (
        <Loading label="Loading drift…" />
      ) : model.lines.length === 0 ? (
        <Empty>No drift logged for these runs (keys drift/&lt;layer&gt;).</Empty>
      ) : (
        <LineChart
          model={model}
          title={`‖W − W₀‖ / ‖W₀‖, mean over ${runIds.length} runs`}
          xLabel="Epoch"
          yLabel="drift"
          testId="drift"
        />
      )}
    </section>
  );
}
