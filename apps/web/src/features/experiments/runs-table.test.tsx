import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildRun } from '@/test-utils/run-factory';
import { RunsTable } from './runs-table';

const push = vi.fn();
vi.mock('next/navigation', () => ({ useRouter: () => ({ push, replace: vi.fn() }) }));

const runs = [
  buildRun({ frozenLayers: 0, learningRate: 0.01, seed: 0, bestValAccuracy: 0.7 }),
  buildRun({ frozenLayers: 1, learningRate: 0.01, seed: 1, bestValAccuracy: 0.9 }),
  buildRun({
    frozenLayers: 2,
    learningRate: 0.01,
    seed: 0,
    bestValAccuracy: 0.8,
    status: 'FAILED',
  }),
];

function renderTable(props: Partial<Parameters<typeof RunsTable>[0]> = {}) {
  const onToggleRun = vi.fn();
  const onDiffOnlyChange = vi.fn();
  const view = render(
    <RunsTable
      runs={runs}
      selected={new Set()}
      onToggleRun={onToggleRun}
      diffOnly={false}
      onDiffOnlyChange={onDiffOnlyChange}
      csvName="runs.csv"
      {...props}
    />,
  );
  return { ...view, onToggleRun, onDiffOnlyChange };
}

const column = (label: string) => {
  const headers = screen.getAllByRole('columnheader');
  const index = headers.findIndex((header) => header.textContent?.startsWith(label));
  return screen
    .getAllByTestId('run-row')
    .map((row) => within(row).getAllByRole('cell')[index].textContent);
};

afterEach(cleanup);
beforeEach(() => push.mockReset());

describe('RunsTable', () => {
  it('lists every run', () => {
    renderTable();
    expect(screen.getAllByTestId('run-row')).toHaveLength(3);
    expect(screen.getByText('3 of 3 runs')).toBeTruthy();
  });

  it('shows a queued run’s place in line in its status cell, the reason as its tooltip', () => {
    const queued = buildRun({
      status: 'QUEUED',
      queueState: { position: 2, reason: 'WAITING_FOR_TURN', message: '1 run ahead of it' },
    });
    renderTable({ runs: [queued] });
    const badge = within(screen.getByTestId('run-row')).getByTitle('1 run ahead of it');
    expect(badge.textContent).toMatch(/queued · #2 in line$/i);
  });

  it('sorts by a column, then the other way', () => {
    renderTable();
    fireEvent.click(screen.getByRole('button', { name: 'Best val acc' }));
    expect(column('Best val acc')).toEqual(['0.7', '0.8', '0.9']);
    fireEvent.click(screen.getByRole('button', { name: /Best val acc/ }));
    expect(column('Best val acc')).toEqual(['0.9', '0.8', '0.7']);
    expect(
      screen.getByRole('columnheader', { name: /Best val acc/ }).getAttribute('aria-sort'),
    ).toBe('descending');
  });

  it('filters on a hyperparameter and on status', () => {
    renderTable();
    fireEvent.change(screen.getByLabelText('Filter Frozen layers'), { target: { value: '>=1' } });
    expect(screen.getAllByTestId('run-row')).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('Filter Status'), { target: { value: 'fail' } });
    expect(screen.getAllByTestId('run-row')).toHaveLength(1);
    fireEvent.change(screen.getByLabelText('Filter Frozen layers'), { target: { value: '5' } });
    expect(screen.queryAllByTestId('run-row')).toHaveLength(0);
    expect(screen.getByText('No run matches these filters.')).toBeTruthy();
  });

  it('hides identical hyperparameters with "differences only"', () => {
    const { rerender, onDiffOnlyChange } = renderTable();
    expect(screen.getByRole('button', { name: 'LR' })).toBeTruthy();
    fireEvent.click(screen.getByLabelText('Differences only'));
    expect(onDiffOnlyChange).toHaveBeenCalledWith(true);
    rerender(
      <RunsTable
        runs={runs}
        selected={new Set()}
        onToggleRun={vi.fn()}
        diffOnly
        onDiffOnlyChange={vi.fn()}
        csvName="runs.csv"
      />,
    );
    expect(screen.queryByRole('button', { name: 'LR' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Epochs' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Frozen layers' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Seed' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Best val acc' })).toBeTruthy();
  });

  it('shows and hides columns from the picker', () => {
    renderTable();
    expect(screen.queryByRole('button', { name: 'Backend' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Columns' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Backend' }));
    expect(screen.getByRole('button', { name: 'Backend' })).toBeTruthy();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Seed' }));
    expect(screen.queryByRole('button', { name: 'Seed' })).toBeNull();
  });

  it('exports the visible rows and columns as CSV', async () => {
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:runs';
    });
    URL.revokeObjectURL = vi.fn();
    const click = vi
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(() => undefined);
    renderTable();
    fireEvent.change(screen.getByLabelText('Filter Frozen layers'), { target: { value: '<2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(click).toHaveBeenCalledOnce();
    const lines = (await blobs[0].text()).trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'status,initialization,frozenLayers,learningRate,seed,trainSamples,epochs,batchSize,optimizer,bestValAccuracy,lastValAccuracy,bestValLoss,lastValLoss,bestEpoch,wallSeconds',
    );
    expect(lines[1].startsWith('SUCCEEDED,PRETRAINED,0,0.01,0,')).toBe(true);
    click.mockRestore();
  });

  it('selects with the checkbox or the space bar and opens a run with Enter', () => {
    const { onToggleRun } = renderTable();
    const rows = screen.getAllByTestId('run-row');
    fireEvent.click(within(rows[0]).getByRole('checkbox'));
    expect(onToggleRun).toHaveBeenCalledWith(runs[0].id);
    rows[0].focus();
    fireEvent.keyDown(rows[0], { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[1]);
    fireEvent.keyDown(rows[1], { key: ' ' });
    expect(onToggleRun).toHaveBeenLastCalledWith(runs[1].id);
    fireEvent.keyDown(rows[1], { key: 'Enter' });
    expect(push).toHaveBeenCalledWith(`/runs/${runs[1].id}`);
  });

  it('offers cancel and retry only where they apply, and only with actions', () => {
    const cancel = vi.fn();
    const retry = vi.fn();
    renderTable({
      runs: [buildRun({ status: 'RUNNING' }), buildRun({ status: 'FAILED' })],
      actions: { cancel, retry },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(cancel).toHaveBeenCalledOnce();
    expect(retry).toHaveBeenCalledOnce();
    cleanup();
    renderTable({ runs: [buildRun({ status: 'RUNNING' })] });
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });
});
