'use client';

import { useEffect, type KeyboardEvent } from 'react';
import { formatNumber, formatRate } from '../ui/format';
import {
  cellKey,
  computeLine,
  layoutGrid,
  scalePosition,
  textColourOn,
  viridis,
  type GridData,
} from './grid-model';

export const SCRATCH_KEY = 'scratch';

interface RunGridProps {
  grid: GridData;
  sweep?: { frozenLayers?: number[]; learningRates?: number[] };
  metricLabel: string;
  selected: ReadonlySet<string>;
  /** Toggles a cell's runs (cellKey or SCRATCH_KEY); `extend` keeps the other selected cells. */
  onToggle(key: string, extend: boolean): void;
  /** Names for frozen-layer depths (the deepest frozen layer), when the model is known. */
  depthLabel?(frozenLayers: number): string | undefined;
}

/** Decimals that suit the metric's size, shared by mean, std and gain so they line up. */
function decimalsFor(value: number | null): number {
  const size = Math.abs(value ?? 0);
  return size < 1 ? 3 : size < 100 ? 2 : 0;
}

function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === 0 && value !== 0 ? `<${(10 ** -decimals).toFixed(decimals)}` : text;
}

const signed = (value: number, decimals: number) =>
  `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(decimals)}`;

function Stat({ mean, std }: { mean: number | null; std: number | null }) {
  if (mean === null) return <span className="stat">—</span>;
  const decimals = decimalsFor(mean);
  return (
    <span className="stat">
      <strong>{mean.toFixed(decimals)}</strong>
      {std !== null ? ` ± ${fixed(std, decimals)}` : ''}
    </span>
  );
}

/** Arrow keys move between the grid's buttons like a spreadsheet. */
function moveFocus(event: KeyboardEvent<HTMLTableElement>) {
  const deltas: Record<string, [number, number]> = {
    ArrowUp: [-1, 0],
    ArrowDown: [1, 0],
    ArrowLeft: [0, -1],
    ArrowRight: [0, 1],
  };
  const delta = deltas[event.key];
  const target = event.target as HTMLElement;
  if (!delta || target.dataset.row === undefined) return;
  const row = Number(target.dataset.row) + delta[0];
  const column = Number(target.dataset.col) + delta[1];
  const next =
    event.currentTarget.querySelector<HTMLElement>(`[data-row="${row}"][data-col="${column}"]`) ??
    (delta[0] !== 0
      ? event.currentTarget.querySelector<HTMLElement>(`[data-row="${row}"][data-col="0"]`)
      : null);
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

export function RunGrid({
  grid,
  sweep,
  metricLabel,
  selected,
  onToggle,
  depthLabel,
}: RunGridProps) {
  const layout = layoutGrid(grid, sweep);
  const scratch = grid.scratch;
  const drawn = layout.rows.length > 0;
  useEffect(() => {
    // Read by the benchmark: navigation start → grid on screen.
    if (drawn && performance.getEntriesByName('finetrack:grid-drawn').length === 0)
      performance.mark('finetrack:grid-drawn');
  }, [drawn]);
  if (layout.rows.length === 0 || layout.columns.length === 0)
    return <p className="state state-empty">No runs in this experiment yet.</p>;

  return (
    <div>
      <table
        className="run-grid"
        data-testid="run-grid"
        aria-label={`${metricLabel}: frozen layers by learning rate, mean ± std over seeds`}
        onKeyDown={moveFocus}
      >
        <thead>
          <tr>
            <th scope="col">Frozen ↓ / LR →</th>
            {layout.columns.map((rate) => (
              <th scope="col" key={rate}>
                {formatRate(rate)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {layout.rows.map((frozenLayers, rowIndex) => (
            <tr key={frozenLayers}>
              <th scope="row">
                {frozenLayers}
                {depthLabel?.(frozenLayers) ? (
                  <div className="muted count">{depthLabel(frozenLayers)}</div>
                ) : null}
              </th>
              {layout.columns.map((rate, columnIndex) => {
                const key = cellKey(frozenLayers, rate);
                const cell = layout.cell(frozenLayers, rate);
                const position = { 'data-row': rowIndex, 'data-col': columnIndex };
                if (!cell || cell.mean === null)
                  return (
                    <td key={key}>
                      <button
                        type="button"
                        className="cell empty"
                        data-testid="grid-cell"
                        data-cell={key}
                        aria-pressed={selected.has(key)}
                        disabled={!cell}
                        onClick={(event) =>
                          onToggle(key, event.shiftKey || event.metaKey || event.ctrlKey)
                        }
                        {...position}
                      >
                        {cell ? `no data yet (${cell.totalRuns} runs)` : 'no runs'}
                      </button>
                    </td>
                  );
                const t = scalePosition(cell.mean, layout, grid.lowerIsBetter);
                return (
                  <td key={key}>
                    <button
                      type="button"
                      className="cell"
                      data-testid="grid-cell"
                      data-cell={key}
                      aria-pressed={selected.has(key)}
                      style={{ background: viridis(t), color: textColourOn(t) }}
                      title={`frozen ${frozenLayers}, LR ${rate}: best ${formatNumber(cell.best)}`}
                      onClick={(event) =>
                        onToggle(key, event.shiftKey || event.metaKey || event.ctrlKey)
                      }
                      {...position}
                    >
                      <Stat mean={cell.mean} std={cell.std} />
                      {cell.gainOverScratch !== null ? (
                        <div className="gain">
                          {signed(cell.gainOverScratch, decimalsFor(cell.mean))} vs scratch
                        </div>
                      ) : null}
                      {computeLine(cell, grid.computeTarget) ? (
                        <div className="compute" data-testid="grid-compute">
                          {computeLine(cell, grid.computeTarget)}
                        </div>
                      ) : null}
                      <div className="count">
                        n={cell.runCount}
                        {cell.totalRuns !== cell.runCount ? `/${cell.totalRuns}` : ''}
                      </div>
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
          {scratch ? (
            <tr className="scratch-row">
              <th scope="row">Scratch baseline</th>
              <td colSpan={layout.columns.length}>
                <button
                  type="button"
                  className="cell"
                  data-testid="grid-scratch"
                  data-cell={SCRATCH_KEY}
                  aria-pressed={selected.has(SCRATCH_KEY)}
                  style={{ width: '100%', background: '#eceff1', color: '#000' }}
                  onClick={(event) =>
                    onToggle(SCRATCH_KEY, event.shiftKey || event.metaKey || event.ctrlKey)
                  }
                  data-row={layout.rows.length}
                  data-col={0}
                >
                  {scratch.mean === null ? (
                    `no data yet (${scratch.totalRuns} runs)`
                  ) : (
                    <>
                      <Stat mean={scratch.mean} std={scratch.std} />{' '}
                      <span className="count">
                        n={scratch.runCount}
                        {scratch.totalRuns !== scratch.runCount ? `/${scratch.totalRuns}` : ''}
                      </span>
                    </>
                  )}
                </button>
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <div className="legend" aria-hidden="true">
        <span>{grid.lowerIsBetter ? 'worse (higher)' : 'worse (lower)'}</span>
        <span
          className="bar"
          style={{
            background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(viridis).join(', ')})`,
          }}
        />
        <span>better</span>
        <span className="muted">· click a cell to select its runs, shift-click to add</span>
      </div>
    </div>
  );
}
