import { cleanup, render, screen, within } from '@testing-library/react';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunQuery } from '@/gql/graphql';
import { buildRun } from '@/test-utils/run-factory';
import { SessionProvider } from '../session/session-context';
import { formatBytes } from '../ui/format';
import { RunPage } from './run-page';
import { LIVE_RUN_POLL_MS } from './use-live-run';

// uPlot needs a real canvas; the charts are not what this test is about.
vi.mock('../experiments/line-chart', () => ({
  LineChart: ({ testId }: { testId: string }) => <div data-testid={testId} />,
}));

type Artifacts = NonNullable<RunQuery['run']>['artifacts'];

const SHA = 'ab'.repeat(32);
const ARTIFACTS: Artifacts = [
  {
    id: '11111111-1111-4111-8111-111111111111',
    kind: 'model-json',
    fileName: 'model.json',
    byteSize: 512,
    sha256: SHA,
    createdAt: '2026-11-27T10:00:14.000Z',
  },
  {
    id: '22222222-2222-4222-8222-222222222222',
    kind: 'weights',
    fileName: 'weights.bin',
    byteSize: 3 * 1024 * 1024 + 512 * 1024,
    sha256: 'cd'.repeat(32),
    createdAt: '2026-11-27T10:00:15.000Z',
  },
];

const operationName = (query: DocumentNode) =>
  (query.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode).name
    ?.value;

function renderPage(artifacts: Artifacts, overrides: Record<string, unknown> = {}) {
  const run = buildRun();
  const results: Record<string, unknown> = {
    Me: {
      me: {
        __typename: 'User',
        id: 'u1',
        email: 'a@b.c',
        name: 'A',
        teams: [{ __typename: 'Team', id: 't1', name: 'T', role: 'VIEWER' }],
      },
    },
    Run: {
      run: {
        __typename: 'Run',
        ...run,
        experimentId: 'e1',
        kind: 'FINETUNE',
        modelId: null,
        resultModelId: null,
        teamId: 't1',
        errorMessage: null,
        queuedAt: run.createdAt,
        heartbeatAt: null,
        workerId: null,
        updatedAt: run.finishedAt,
        artifacts,
        augmentation: { __typename: 'Augmentation', flip: false, crop: 0, rotation: 0 },
        featureCache: null,
        ...overrides,
      },
    },
    RunExperiment: { experiment: null },
    Metrics: { metrics: [] },
  };
  const client = {
    executeQuery: vi.fn((operation: { query: DocumentNode }) => {
      const name = operationName(operation.query);
      const data = name ? results[name] : undefined;
      return data ? fromValue({ operation, data, stale: false, hasNext: false }) : never;
    }),
    executeMutation: vi.fn(() => never),
    executeSubscription: vi.fn(() => never),
  };
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider value={client as unknown as Client}>
      <SessionProvider>{children}</SessionProvider>
    </Provider>
  );
  render(<RunPage id={run.id} />, { wrapper });
  return client;
}

afterEach(cleanup);

describe('RunPage augmentation', () => {
  it('shows the run’s augmentation and that it bypassed the feature cache', async () => {
    renderPage([], {
      augmentation: { __typename: 'Augmentation', flip: true, crop: 0.1, rotation: 10 },
      featureCache: 'BYPASSED_AUGMENTATION',
      frozenLayers: 2,
    });
    expect((await screen.findByTestId('run-augmentation')).textContent).toBe(
      'flip, crop 0.1, rotation ±10°',
    );
    expect(screen.getByTestId('run-feature-cache').textContent).toBe(
      'bypassed because of augmentation: the frozen layers ran on every batch',
    );
  });

  it('shows none and the cache used for a plain linear probe', async () => {
    renderPage([], { featureCache: 'USED', frozenLayers: 3 });
    expect((await screen.findByTestId('run-augmentation')).textContent).toBe('none');
    expect(screen.getByTestId('run-feature-cache').textContent).toMatch(/^used/);
  });
});

describe('RunPage artifacts', () => {
  it('lists the run’s files with size, short hash and a download link', async () => {
    renderPage(ARTIFACTS);
    const rows = await screen.findAllByTestId('artifact-row');
    expect(rows).toHaveLength(2);

    const first = within(rows[0]);
    expect(first.getByText('model.json')).toBeTruthy();
    expect(first.getByText('model-json')).toBeTruthy();
    expect(first.getByText('512 B')).toBeTruthy();
    const hash = first.getByText(SHA.slice(0, 12));
    expect(hash.getAttribute('title')).toBe(SHA);
    const link = first.getByRole('link', { name: 'Download' });
    expect(link.getAttribute('href')).toBe(`/artifacts/${ARTIFACTS[0].id}`);
    expect(link.hasAttribute('download')).toBe(true);

    const second = within(rows[1]);
    expect(second.getByText('weights.bin')).toBeTruthy();
    expect(second.getByText('3.5 MiB')).toBeTruthy();
    expect(second.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(
      `/artifacts/${ARTIFACTS[1].id}`,
    );
  });

  it('says so when the run has no files', async () => {
    renderPage([]);
    const section = await screen.findByRole('region', { name: 'Artifacts' });
    expect(within(section).getByText('No artifacts stored for this run yet.')).toBeTruthy();
    expect(within(section).queryByRole('table')).toBeNull();
  });
});

describe('a pretraining run', () => {
  const runQueries = (client: ReturnType<typeof renderPage>) =>
    client.executeQuery.mock.calls.filter(([operation]) => operationName(operation.query) === 'Run')
      .length;

  it('links to the source model it trains and asks again while it runs', async () => {
    const client = renderPage([], {
      kind: 'PRETRAIN',
      experimentId: null,
      modelId: 'm1',
      status: 'RUNNING',
      finishedAt: null,
    });
    expect(await screen.findByRole('heading', { name: /Pretraining run/ })).toBeTruthy();
    const link = screen.getByRole('link', { name: 'the source model this run pretrains' });
    expect(link.getAttribute('href')).toBe('/models/m1');
    // No experiment to ask for.
    expect(
      client.executeQuery.mock.calls.some(
        ([operation]) => operationName(operation.query) === 'RunExperiment',
      ),
    ).toBe(false);
    const before = runQueries(client);
    await new Promise((resolve) => setTimeout(resolve, LIVE_RUN_POLL_MS + 500));
    expect(runQueries(client)).toBeGreaterThan(before);
  });

  it('says why a queued run waits, next to its status', async () => {
    renderPage([], {
      status: 'QUEUED',
      startedAt: null,
      finishedAt: null,
      queueState: {
        __typename: 'QueueState',
        position: null,
        reason: 'NO_CAPABLE_WORKER',
        message: 'no worker can take this run: none online accepts fine-tuning runs',
      },
    });
    const state = await screen.findByTestId('queue-state');
    expect(state.textContent).toBe(
      'no worker takes it: no worker can take this run: none online accepts fine-tuning runs',
    );
  });

  it('stops asking once the run is over', async () => {
    const client = renderPage([], { kind: 'PRETRAIN', experimentId: null, modelId: 'm1' });
    await screen.findByRole('heading', { name: /Pretraining run/ });
    const before = runQueries(client);
    await new Promise((resolve) => setTimeout(resolve, LIVE_RUN_POLL_MS + 500));
    expect(runQueries(client)).toBe(before);
  });
});

describe('formatBytes', () => {
  it('uses binary units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
    expect(formatBytes(null)).toBe('—');
  });
});
