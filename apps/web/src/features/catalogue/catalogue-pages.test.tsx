import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../session/session-context';
import { DatasetsPage } from './datasets-page';
import { PretrainPage } from './pretrain-page';

const push = vi.fn();
vi.mock('next/navigation', () => ({ useRouter: () => ({ push, replace: vi.fn() }) }));

afterEach(() => {
  cleanup();
  push.mockReset();
});

const operationName = (query: DocumentNode) =>
  (query.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode).name
    ?.value;

const dataset = (id: string, name: string) => ({
  __typename: 'Dataset',
  id,
  name,
  version: 1,
  classNames: ['0', '1'],
  trainSamples: 100,
  validationSamples: 20,
  contentHash: null,
  spec: { kind: 'mnist', classes: [0, 1] },
  createdAt: '2026-12-01T00:00:00.000Z',
});

/** A client whose Datasets answer is `lists[n]` on the n-th ask, and whose mutations answer `mutations`. */
function renderWith(
  page: ReactNode,
  lists: ReturnType<typeof dataset>[][],
  mutations: Record<string, unknown>,
  role = 'MEMBER',
) {
  let asked = 0;
  const client = {
    executeQuery: vi.fn((operation: { query: DocumentNode }) => {
      const name = operationName(operation.query);
      if (name === 'Me')
        return fromValue({
          operation,
          data: {
            me: {
              __typename: 'User',
              id: 'u1',
              email: 'a@b.c',
              name: 'A',
              teams: [{ __typename: 'Team', id: 't1', name: 'T', role }],
            },
          },
        });
      if (name === 'Datasets') {
        const nodes = lists[Math.min(asked, lists.length - 1)];
        asked += 1;
        return fromValue({
          operation,
          data: {
            datasets: {
              __typename: 'DatasetConnection',
              nodes,
              pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
            },
          },
        });
      }
      return never;
    }),
    executeMutation: vi.fn((operation: { query: DocumentNode; variables: unknown }) => {
      const name = operationName(operation.query)!;
      return fromValue({ operation, data: mutations[name] });
    }),
    executeSubscription: vi.fn(() => never),
  };
  render(
    <Provider value={client as unknown as Client}>
      <SessionProvider>{page}</SessionProvider>
    </Provider>,
  );
  return client;
}

describe('DatasetsPage', () => {
  it('adds a built-in dataset and shows it without a reload', async () => {
    const client = renderWith(<DatasetsPage />, [[], [dataset('d1', 'MNIST 0, 1')]], {
      CreateDataset: { createDataset: { __typename: 'Dataset', id: 'd1', name: 'MNIST 0, 1' } },
    });
    await screen.findByText(/No datasets in this team yet/);
    for (const label of ['2', '3', '4'])
      fireEvent.click(screen.getByRole('checkbox', { name: label }));
    fireEvent.click(screen.getByRole('button', { name: 'Create dataset' }));
    const link = await screen.findByRole('link', { name: 'MNIST 0, 1' });
    expect(link.getAttribute('href')).toBe('/datasets/d1');
    const sent = client.executeMutation.mock.calls[0][0] as { variables: { input: unknown } };
    expect(sent.variables.input).toMatchObject({
      teamId: 't1',
      name: 'MNIST 0, 1',
      classNames: ['0', '1'],
    });
  });

  it('offers viewers no forms', async () => {
    renderWith(<DatasetsPage />, [[dataset('d1', 'digits')]], {}, 'VIEWER');
    await screen.findByRole('link', { name: 'digits' });
    expect(screen.queryByTestId('dataset-upload')).toBeNull();
    expect(screen.queryByTestId('built-in-dataset')).toBeNull();
  });
});

describe('PretrainPage', () => {
  it('queues the pretraining run and opens its page', async () => {
    const client = renderWith(<PretrainPage />, [[dataset('d1', 'digits')]], {
      PretrainModel: {
        pretrainModel: { __typename: 'Run', id: 'run-9', modelId: 'm-9', status: 'QUEUED' },
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Start pretraining' }));
    await waitFor(() => expect(push).toHaveBeenCalledWith('/runs/run-9'));
    const sent = client.executeMutation.mock.calls[0][0] as { variables: { input: unknown } };
    expect(sent.variables.input).toMatchObject({
      teamId: 't1',
      architecture: 'small-cnn',
      datasetId: 'd1',
      name: 'small-cnn on digits',
      inputShape: [28, 28, 1],
    });
  });

  it('sends a team without datasets to add one first', async () => {
    renderWith(<PretrainPage />, [[]], {});
    const link = await screen.findByRole('link', { name: 'add one' });
    expect(link.getAttribute('href')).toBe('/datasets');
    expect(screen.queryByTestId('pretrain')).toBeNull();
  });
});
