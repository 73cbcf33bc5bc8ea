import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GridData } from './grid-model';
import { RunGrid, SCRATCH_KEY } from './run-grid';

afterEach(cleanup);

const grid: GridData = {
  lowerIsBetter: false,
  scratch: { runCount: 3, totalRuns: 3, mean: 0.8, std: 0.02 },
  cells: [
    {
      frozenLayers: 0,
      learningRate: 0.001,
      runCount: 3,
      totalRuns: 3,
      mean: 0.9,
      std: 0.01,
      best: 0.91,
      gainOverScratch: 0.1,
    },
    {
      frozenLayers: 0,
      learningRate: 0.01,
      runCount: 1,
      totalRuns: 3,
      mean: 0.7,
      std: null,
      best: 0.7,
      gainOverScratch: -0.1,
    },
    {
      frozenLayers: 2,
      learningRate: 0.001,
      runCount: 0,
      totalRuns: 2,
      mean: null,
      std: null,
      best: null,
      gainOverScratch: null,
    },
  ],
};

function renderGrid(onToggle = vi.fn(), selected: string[] = []) {
  render(
    <RunGrid
      grid={grid}
      sweep={{ frozenLayers: [0, 2], learningRates: [0.001, 0.01] }}
      metricLabel="Best validation accuracy"
      selected={new Set(selected)}
      onToggle={onToggle}
    />,
  );
  return onToggle;
}

describe('RunGrid', () => {
  it('writes mean ± std, gain over scratch and run counts in each cell', () => {
    renderGrid();
    const cell = screen.getAllByTestId('grid-cell').find((c) => c.dataset.cell === '0_0.001')!;
    expect(cell.textContent).toContain('0.900 ± 0.010');
    expect(cell.textContent).toContain('+0.100 vs scratch');
    expect(cell.textContent).toContain('n=3');
    const partial = screen.getAllByTestId('grid-cell').find((c) => c.dataset.cell === '0_0.01')!;
    expect(partial.textContent).toContain('0.700');
    expect(partial.textContent).not.toContain('±');
    expect(partial.textContent).toContain('−0.100 vs scratch');
    expect(partial.textContent).toContain('n=1/3');
  });

  it('shows every (depth, rate) pair, with empty cells marked', () => {
    renderGrid();
    const cells = screen.getAllByTestId('grid-cell');
    expect(cells).toHaveLength(4);
    expect(cells.find((c) => c.dataset.cell === '2_0.001')!.textContent).toBe(
      'no data yet (2 runs)',
    );
    const missing = cells.find((c) => c.dataset.cell === '2_0.01')!;
    expect(missing.textContent).toBe('no runs');
    expect(missing).toHaveProperty('disabled', true);
  });

  it('colours cells on a viridis scale with the best cell brightest', () => {
    renderGrid();
    const best = screen.getAllByTestId('grid-cell').find((c) => c.dataset.cell === '0_0.001')!;
    const worst = screen.getAllByTestId('grid-cell').find((c) => c.dataset.cell === '0_0.01')!;
    expect(best.style.background).toBe('rgb(253, 231, 37)');
    expect(worst.style.background).toBe('rgb(68, 1, 84)');
    expect(worst.style.color).toBe('rgb(255, 255, 255)');
  });

  it('has a scratch baseline row', () => {
    renderGrid();
    const scratch = screen.getByTestId('grid-scratch');
    expect(scratch.textContent).toContain('0.800 ± 0.020');
    expect(within(scratch.closest('tr')!).getByText('Scratch baseline')).toBeTruthy();
  });

  it('selects a cell on click and extends with shift', () => {
    const onToggle = renderGrid(vi.fn(), ['0_0.001']);
    const cells = screen.getAllByTestId('grid-cell');
    expect(cells.find((c) => c.dataset.cell === '0_0.001')!.getAttribute('aria-pressed')).toBe(
      'true',
    );
    fireEvent.click(cells.find((c) => c.dataset.cell === '0_0.01')!);
    expect(onToggle).toHaveBeenLastCalledWith('0_0.01', false);
    fireEvent.click(screen.getByTestId('grid-scratch'), { shiftKey: true });
    expect(onToggle).toHaveBeenLastCalledWith(SCRATCH_KEY, true);
  });

  it('moves focus with the arrow keys', () => {
    renderGrid();
    const cells = screen.getAllByTestId('grid-cell');
    const first = cells.find((c) => c.dataset.cell === '0_0.001')!;
    first.focus();
    fireEvent.keyDown(first, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(cells.find((c) => c.dataset.cell === '0_0.01'));
  });

  it('says so when there is nothing to show', () => {
    render(
      <RunGrid
        grid={{ cells: [], scratch: null, lowerIsBetter: false }}
        metricLabel="x"
        selected={new Set()}
        onToggle={vi.fn()}
      />,
    );
    expect(screen.getByText('No runs in this experiment yet.')).toBeTruthy();
  });
});
