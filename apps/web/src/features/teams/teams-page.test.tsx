import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../session/session-context';
import { TeamsPage } from './teams-page';

const operationName = (query: DocumentNode) =>
  (query.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode).name
    ?.value;

function renderPage() {
  const results: Record<string, unknown> = {
    Me: {
      me: {
        __typename: 'User',
        id: 'u1',
        email: 'a@b.c',
        name: 'A',
        teams: [{ __typename: 'Team', id: 't1', name: 'Lab', role: 'MEMBER' }],
      },
    },
    MyInvitations: {
      me: {
        __typename: 'User',
        id: 'u1',
        invitations: [
          {
            __typename: 'Invitation',
            id: 'i1',
            teamName: 'Vision group',
            role: 'VIEWER',
            inviterName: 'Olga',
            expiresAt: '2026-12-09T10:00:00.000Z',
          },
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
      mutations.push({ name: operationName(operation.query), variables: operation.variables });
      return fromValue({ operation, data: {}, stale: false, hasNext: false });
    }),
    executeSubscription: vi.fn(() => never),
    reexecuteOperation: vi.fn(),
  };
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider value={client as unknown as Client}>
      <SessionProvider>{children}</SessionProvider>
    </Provider>
  );
  render(<TeamsPage />, { wrapper });
  return { mutations };
}

afterEach(cleanup);

describe('TeamsPage', () => {
  it('lists the invitations to the user and accepts one', async () => {
    const { mutations } = renderPage();
    const region = await screen.findByRole('region', { name: 'Invitations' });
    expect(within(region).getByText('Vision group')).toBeTruthy();
    expect(within(region).getByText('Olga')).toBeTruthy();
    fireEvent.click(within(region).getByRole('button', { name: 'Accept' }));
    await waitFor(() =>
      expect(mutations).toContainEqual({ name: 'AcceptInvitation', variables: { id: 'i1' } }),
    );
  });

  it('leaves a team only after confirming', async () => {
    const { mutations } = renderPage();
    const leave = await screen.findByRole('button', { name: 'Leave team' });
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false);
    fireEvent.click(leave);
    expect(mutations.filter((m) => m.name === 'LeaveTeam')).toHaveLength(0);
    confirm.mockReturnValueOnce(true);
    fireEvent.click(leave);
    await waitFor(() =>
      expect(mutations).toContainEqual({ name: 'LeaveTeam', variables: { teamId: 't1' } }),
    );
    confirm.mockRestore();
  });
});
