import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildRun } from '@/test-utils/run-factory';
import { SessionProvider } from '../session/session-context';
import { ExperimentPage, selectedRunIds } from './experiment-page';

const navigation = vi.hoisted(() => ({ search: '', replace: vi.fn(), push: vi.fn() }));
vi.mock('next/navigation', () => ({
  useSearchParams: () => new URLSearchParams(navigation.search),
  usePathname: () => '/experiments/e1',
  useRouter: () => ({ replace: navigation.replace, push: navigation.push }),
}));
// uPlot needs a real canvas; the chart's inputs are what matter here.
vi.mock('./line-chart', () => ({
  LineChart: ({ testId, model }: { testId: string; model: { lines: unknown[] } }) => (
    <div data-testid={testId} data-series={model.lines.length} />
  ),
}));

const runs = [
  buildRun({ frozenLayers: 0, learningRate: 0.001, seed: 0 }),
  buildRun({ frozenLayers: 0, learningRate: 0.001, seed: 1 }),
  buildRun({ frozenLayers: 1, learningRate: 0.001, seed: 0 }),
  buildRun({ frozenLayers: 1, learningRate: 0.001, seed: 1, status: 'RUNNING' }),
  buildRun({ initialization: 'SCRATCH', frozenLayers: 0, learningRate: 0.01, seed: 0 }),
];

const experiment = {
  __typename: 'Experiment',
  id: 'e1',
  name: 'Freeze × LR',
  status: 'ACTIVE',
  teamId: 't1',
  sweep: { frozenLayers: [0, 1, 2], learningRates: [0.001] },
  createdAt: '2026-11-27T10:00:00Z',
  project: { __typename: 'Project', id: 'p1', name: 'Digits' },
  sourceModel: {
    __typename: 'Model',
    id: 'm1',
    name: 'cnn',
    layers: [
      { __typename: 'Layer', name: 'conv1', type: 'Conv2D', weightBearing: true, weightIndex: 0 },
      { __typename: 'Layer', name: 'dense', type: 'Dense', weightBearing: true, weightIndex: 1 },
    ],
  },
  targetDataset: { __typename: 'Dataset', id: 'd1', name: 'digits 5–9' },
  runs: {
    __typename: 'RunConnection',
    nodes: runs.map((run) => ({ __typename: 'Run', ...run })),
    pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
  },
};

const grid = {
  __typename: 'Grid',
  metric: 'val_accuracy',
  summary: 'BEST',
  lowerIsBetter: false,
  cells: [
    {
      frozenLayers: 0,
      learningRate: 0.001,
      runCount: 2,
      totalRuns: 2,
      mean: 0.9,
      std: 0.01,
      best: 0.91,
      gainOverScratch: 0.1,
    },
    {
      frozenLayers: 1,
      learningRate: 0.001,
      runCount: 1,
      totalRuns: 2,
      mean: 0.95,
      std: null,
      best: 0.95,
      gainOverScratch: 0.15,
    },
  ],
  scratch: { runCount: 1, totalRuns: 1, mean: 0.8, std: null, best: 0.8 },
};

const operationName = (query: DocumentNode) =>
  (query.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode).name
    ?.value;

function mockClient(role = 'MEMBER') {
  const requests: { name: string | undefined; variables: Record<string, unknown> }[] = [];
  const results: Record<string, (variables: Record<string, unknown>) => unknown> = {
    Me: () => ({
      me: {
        __typename: 'User',
        id: 'u1',
        email: 'a@b.c',
        name: 'A',
        teams: [{ __typename: 'Team', id: 't1', name: 'T', role }],
      },
    }),
    Experiment: () => ({ experiment }),
    ExperimentGrid: () => ({ experiment: { __typename: 'Experiment', id: 'e1', grid } }),
    DepthBySize: () => ({
      experiment: {
        __typename: 'Experiment',
        id: 'e1',
        depthBySize: [100, 1000].map((trainSamples) => ({
          __typename: 'DepthForSize',
          trainSamples,
          bestFrozenLayers: trainSamples === 100 ? 2 : 0,
          bestLearningRate: 0.001,
          bestMean: 0.9,
          scratchMean: 0.8,
          suggestedFrozenLayers: trainSamples === 100 ? 2 : 1,
          suggestionReason: 'advice',
          agrees: trainSamples === 100,
        })),
      },
    }),
    Metrics: (variables) => ({
      metrics: (variables.runIds as string[]).flatMap((runId) =>
        (variables.keys as string[]).map((key) => ({
          __typename: 'MetricSeries',
          runId,
          key,
          steps: [1, 2, 3],
          values: [0.5, 0.7, 0.8],
        })),
      ),
    }),
  };
  const client = {
    executeQuery: vi.fn(
      (operation: { query: DocumentNode; variables: Record<string, unknown> }) => {
        const name = operationName(operation.query);
        requests.push({ name, variables: operation.variables });
        const result = name ? results[name] : undefined;
        return result
          ? fromValue({
              operation,
              data: result(operation.variables),
              stale: false,
              hasNext: false,
            })
          : never;
      },
    ),
    executeMutation: vi.fn(() => never),
    executeSubscription: vi.fn(() => never),
  };
  return { client: client as unknown as Client, requests };
}

function renderPage(role?: string) {
  const { client, requests } = mockClient(role);
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider value={client}>
      <SessionProvider>{children}</SessionProvider>
    </Provider>
  );
  render(<ExperimentPage id="e1" />, { wrapper });
  return requests;
}

afterEach(cleanup);
beforeEach(() => {
  navigation.search = '';
  navigation.replace.mockReset();
});

describe('ExperimentPage', () => {
  it('shows one training-set size at a time and the best depth per size beside the advice', async () => {
    const plainSweep = experiment.sweep;
    experiment.sweep = { ...plainSweep, trainSamples: [1000, 100] } as typeof plainSweep;
    try {
      navigation.search = 'size=100';
      const requests = renderPage();
      const table = await screen.findByTestId('depth-by-size');
      expect(requests.find((r) => r.name === 'ExperimentGrid')?.variables.trainSamples).toBe(100);
      const select = screen.getByLabelText('Training samples') as HTMLSelectElement;
      expect(select.value).toBe('100');
      expect([...select.options].map((option) => option.value)).toEqual(['100', '1000']);
      const rows = table.querySelectorAll('tbody tr');
      expect(rows[0]!.textContent).toContain('yes');
      expect(rows[1]!.textContent).toContain('no: measurement and advice differ');
    } finally {
      experiment.sweep = plainSweep;
    }
  });

  it('shows no size picker for a sweep without sizes', async () => {
    const requests = renderPage();
    await screen.findByTestId('run-grid');
    expect(screen.queryByLabelText('Training samples')).toBeNull();
    expect(requests.some((r) => r.name === 'DepthBySize')).toBe(false);
  });

  it('shows the grid from the API, the baseline and every run', async () => {
    renderPage();
    await screen.findByTestId('run-grid');
    const cells = screen.getAllByTestId('grid-cell');
    expect(cells.map((cell) => cell.dataset.cell)).toEqual(['0_0.001', '1_0.001', '2_0.001']);
    expect(cells[0].textContent).toContain('0.900 ± 0.010');
    expect(cells[1].textContent).toContain('n=1/2');
    expect(cells[2].textContent).toBe('no runs');
    expect(screen.getByTestId('grid-scratch').textContent).toContain('0.800');
    expect(await screen.findAllByTestId('run-row')).toHaveLength(5);
    expect(screen.getByTestId('run-counts').textContent).toContain('4 succeeded, 1 running');
  });

  it('draws every run when nothing is selected, and the selected cell’s runs from the URL', async () => {
    const requests = renderPage();
    await screen.findByTestId('curves');
    const curves = requests.filter(
      (r) => r.name === 'Metrics' && (r.variables.keys as string[])[0] === 'val_accuracy',
    );
    expect(curves.at(-1)!.variables.runIds).toHaveLength(5);
    expect(curves.at(-1)!.variables.maxPoints).toBe(500);
    cleanup();

    navigation.search = 'cells=1_0.001&group=seed';
    const selectedRequests = renderPage();
    await screen.findByTestId('curves');
    const selected = selectedRequests.filter(
      (r) => r.name === 'Metrics' && (r.variables.keys as string[])[0] === 'val_accuracy',
    );
    expect(selected.at(-1)!.variables.runIds).toEqual([runs[2].id, runs[3].id]);
    expect(screen.getByTestId('selection-count').textContent).toBe('2 runs selected');
    // grouped by seed: two groups, each a mean line and two band edges
    expect(screen.getByTestId('curves').dataset.series).toBe('6');
    const drift = selectedRequests.find(
      (r) => r.name === 'Metrics' && (r.variables.keys as string[])[0] === 'drift/conv1',
    );
    expect(drift?.variables.keys).toEqual(['drift/conv1', 'drift/dense']);
  });

  it('puts the selection and the metric in the URL', async () => {
    renderPage();
    await screen.findByTestId('run-grid');
    fireEvent.click(screen.getAllByTestId('grid-cell')[1]);
    expect(navigation.replace).toHaveBeenLastCalledWith('/experiments/e1?cells=1_0.001', {
      scroll: false,
    });
    fireEvent.change(screen.getByLabelText('Grid metric'), { target: { value: 'val_loss:LAST' } });
    expect(navigation.replace).toHaveBeenLastCalledWith('/experiments/e1?metric=val_loss%3ALAST', {
      scroll: false,
    });
  });

  it('asks the API for the chosen curve metric and aggregates run summaries itself', async () => {
    navigation.search = 'metric=val_loss%3ALAST';
    const requests = renderPage();
    await screen.findByTestId('run-grid');
    expect(requests.find((r) => r.name === 'ExperimentGrid')?.variables).toEqual({
      id: 'e1',
      metric: 'val_loss',
      summary: 'LAST',
      trainSamples: null,
    });
    cleanup();
    navigation.search = 'metric=bestEpoch';
    const runRequests = renderPage();
    await screen.findByTestId('run-grid');
    expect(runRequests.some((r) => r.name === 'ExperimentGrid')).toBe(false);
    const cell = screen.getAllByTestId('grid-cell').find((c) => c.dataset.cell === '0_0.001')!;
    expect(cell.textContent).toContain('3.00'); // every run's best epoch is 3
  });

  it('counts epochs to a target accuracy from every run’s curve', async () => {
    navigation.search = 'metric=epochsToTarget&target=0.75';
    const requests = renderPage();
    await screen.findByTestId('run-grid');
    const curves = requests.find(
      (r) =>
        r.name === 'Metrics' &&
        r.variables.maxPoints === 500 &&
        (r.variables.runIds as string[]).length === 5,
    );
    expect(curves).toBeTruthy();
    // the mocked curves reach 0.75 at step 3 (0.5, 0.7, 0.8)
    const cell = screen.getAllByTestId('grid-cell').find((c) => c.dataset.cell === '0_0.001')!;
    expect(cell.textContent).toContain('3.00');
    expect((screen.getByLabelText('Target') as HTMLInputElement).value).toBe('0.75');
  });

  it('gives members cancel buttons and viewers none', async () => {
    renderPage('MEMBER');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toBeTruthy());
    cleanup();
    renderPage('VIEWER');
    await screen.findAllByTestId('run-row');
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });

  it('combines cell and single-run selections', () => {
    const ids = selectedRunIds(runs, ['scratch', '0_0.001'], [runs[3].id]);
    expect([...ids].sort()).toEqual([runs[0].id, runs[1].id, runs[3].id, runs[4].id].sort());
  });
});
