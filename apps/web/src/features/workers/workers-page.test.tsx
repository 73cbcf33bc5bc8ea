import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../session/session-context';
import { formatAgo } from '../ui/format';
import { WorkersPage } from './workers-page';

const operationName = (query: DocumentNode) =>
  (query.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode).name
    ?.value;

const SEEN = new Date(Date.now() - 42_000).toISOString();
const worker = (overrides: Record<string, unknown>) => ({
  __typename: 'Worker',
  id: 'w1',
  name: 'gpu box',
  hostname: 'gpu-1',
  backends: ['tensorflow-gpu'],
  device: 'NVIDIA H200',
  kinds: ['PRETRAIN', 'FINETUNE'],
  concurrency: 2,
  version: '0.1.0',
  instance: false,
  online: true,
  busy: true,
  lastHeartbeatAt: SEEN,
  currentRun: {
    __typename: 'Run',
    id: 'run-1',
    kind: 'FINETUNE',
    frozenLayers: 3,
    learningRate: 0.001,
    status: 'RUNNING',
  },
  ...overrides,
});

function renderPage(role = 'ADMIN') {
  const results: Record<string, unknown> = {
    Me: {
      me: {
        __typename: 'User',
        id: 'u1',
        email: 'a@b.c',
        name: 'A',
        teams: [{ __typename: 'Team', id: 't1', name: 'Lab', role }],
      },
    },
    TeamWorkers: {
      team: {
        __typename: 'Team',
        id: 't1',
        workers: [
          worker({}),
          worker({
            id: 'w2',
            name: 'pool',
            hostname: 'pool-host',
            instance: true,
            online: false,
            currentRun: null,
          }),
        ],
      },
    },
  };
  const mutations: { name: string | undefined; variables: unknown }[] = [];
  const client = {
    executeQuery: vi.fn((operation: { query: DocumentNode }) => {
      const data = results[operationName(operation.query) ?? ''];
      return data ? fromValue({ operation, data, stale: false, hasNext: false }) : never;
    }),
    executeMutation: vi.fn((operation: { query: DocumentNode; variables: unknown }) => {
      const name = operationName(operation.query);
      mutations.push({ name, variables: operation.variables });
      const data =
        name === 'CreateApiToken'
          ? {
              createApiToken: {
                __typename: 'CreatedApiToken',
                token: 'ft_secret123',
                apiToken: { __typename: 'ApiToken', id: 'k1', name: 'worker', prefix: 'ft_sec' },
              },
            }
          : { revokeWorker: true };
      return fromValue({ operation, data, stale: false, hasNext: false });
    }),
    executeSubscription: vi.fn(() => never),
    reexecuteOperation: vi.fn(),
  };
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider value={client as unknown as Client}>
      <SessionProvider>{children}</SessionProvider>
    </Provider>
  );
  render(<WorkersPage apiUrl="https://finetrack.example.com" />, { wrapper });
  return { mutations };
}

afterEach(cleanup);

describe('WorkersPage', () => {
  it('lists each worker with its host, backend, concurrency, version, heartbeat and run', async () => {
    renderPage();
    const rows = await screen.findAllByTestId('worker-row');
    expect(rows).toHaveLength(2);
    const [own, pool] = rows;
    const cells = [...own.querySelectorAll('td')].map((cell) => cell.textContent);
    expect(cells.slice(0, 6)).toEqual([
      'gpu boxonline',
      'gpu-1',
      'tensorflow-gpuNVIDIA H200',
      '2',
      '0.1.0',
      formatAgo(SEEN),
    ]);
    expect(within(own).getByText(formatAgo(SEEN))).toBeTruthy();
    const run = within(own).getByRole('link', { name: 'frozen 3 · lr 0.001' });
    expect(run.getAttribute('href')).toBe('/runs/run-1');
    expect(within(pool).getByText('(instance)')).toBeTruthy();
    expect(within(pool).getByText('offline')).toBeTruthy();
    expect(within(pool).getByText('another team’s run')).toBeTruthy();
  });

  it('connects a worker: a team worker token and the commands to paste, shown once', async () => {
    const { mutations } = renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Connect a worker' }));
    const npx = await screen.findByTestId('worker-command-npx');
    expect(npx.textContent).toBe(
      'npx finetrack-worker --api https://finetrack.example.com --token ft_secret123',
    );
    expect(screen.getByTestId('worker-command-docker').textContent).toContain(
      'FINETRACK_GPU_API_URL=https://finetrack.example.com FINETRACK_WORKER_TOKEN=ft_secret123',
    );
    expect(mutations[0]).toMatchObject({
      name: 'CreateApiToken',
      variables: { input: { teamId: 't1', role: 'WORKER' } },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('worker-command')).toBeNull();
  });

  it('revokes a worker only after confirming', async () => {
    const { mutations } = renderPage();
    const [own] = await screen.findAllByTestId('worker-row');
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false);
    fireEvent.click(within(own).getByRole('button', { name: 'Revoke' }));
    expect(mutations).toEqual([]);
    confirm.mockReturnValueOnce(true);
    fireEvent.click(within(own).getByRole('button', { name: 'Revoke' }));
    await waitFor(() =>
      expect(mutations).toContainEqual({
        name: 'RevokeWorker',
        variables: { teamId: 't1', workerId: 'w1' },
      }),
    );
    confirm.mockRestore();
  });

  it('shows viewers the list without connect or revoke', async () => {
    renderPage('VIEWER');
    await screen.findAllByTestId('worker-row');
    expect(screen.queryByRole('button', { name: 'Connect a worker' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Revoke' })).toBeNull();
  });
});
