import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExperimentScoresSection } from './experiment-scores-section';
import type { ScoreRow } from './scores-model';
import { SourceScoresPanel } from './source-scores-panel';

const operationName = (query: DocumentNode) =>
  (query.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode).name
    ?.value;

function aScore(modelId: string, name: string, overrides: Partial<ScoreRow> = {}): ScoreRow {
  return {
    id: `score-${modelId}`,
    modelId,
    status: 'SUCCEEDED',
    trainSamples: null,
    logMe: -1,
    leep: -1.5,
    nce: -1.2,
    samples: 200,
    errorMessage: null,
    bestFineTunedAccuracy: null,
    model: { id: modelId, name },
    ...overrides,
  };
}

/** A client whose scores query answers `state.scores` (changed by the test as a worker would). */
function renderWith(ui: ReactNode, initial: ScoreRow[]) {
  const state = { scores: initial };
  const mutations: { name?: string; variables: unknown }[] = [];
  const queries: unknown[] = [];
  const client = {
    executeQuery: vi.fn((operation: { query: DocumentNode; variables: unknown }) => {
      if (operationName(operation.query) !== 'WebSourceModelScores') return never;
      queries.push(operation.variables);
      return fromValue({
        operation,
        data: { sourceModelScores: state.scores },
        stale: false,
        hasNext: false,
      });
    }),
    executeMutation: vi.fn((operation: { query: DocumentNode; variables: unknown }) => {
      mutations.push({ name: operationName(operation.query), variables: operation.variables });
      return fromValue({
        operation,
        data: { scoreSourceModels: [] },
        stale: false,
        hasNext: false,
      });
    }),
    executeSubscription: vi.fn(() => never),
  };
  render(<Provider value={client as unknown as Client}>{ui}</Provider>);
  return { state, mutations, queries };
}

afterEach(cleanup);

const candidates = [
  { id: 'm1', name: 'small-cnn digits' },
  { id: 'm2', name: 'small-cnn fashion' },
];

describe('SourceScoresPanel (new experiment)', () => {
  it('scores every candidate, shows queued and running jobs, then what LogME suggests', async () => {
    const { state, mutations } = renderWith(
      <SourceScoresPanel datasetId="d1" candidates={candidates} canScore />,
      [],
    );
    await screen.findByText('No source model has been scored for this dataset yet.');
    state.scores = [
      aScore('m1', 'small-cnn digits', { status: 'RUNNING', logMe: null, leep: null, nce: null }),
      aScore('m2', 'small-cnn fashion', { status: 'QUEUED', logMe: null, leep: null, nce: null }),
    ];
    fireEvent.click(screen.getByRole('button', { name: 'Score source models' }));
    await waitFor(() =>
      expect(mutations).toEqual([
        {
          name: 'WebScoreSourceModels',
          variables: { input: { datasetId: 'd1', modelIds: ['m1', 'm2'] } },
        },
      ]),
    );
    const table = await screen.findByTestId('source-scores');
    expect(within(table).getByText('scoring…')).toBeTruthy();
    expect(within(table).getByText('queued')).toBeTruthy();
    expect(screen.getByTestId('logme-suggestion').textContent).toBe(
      'Waiting for a worker to score them…',
    );

    // The worker finishes: the polled list ranks the fashion model first.
    state.scores = [
      aScore('m2', 'small-cnn fashion', { logMe: -0.25, leep: null, nce: null }),
      aScore('m1', 'small-cnn digits', { logMe: -1.5 }),
    ];
    await waitFor(
      () =>
        expect(screen.getByTestId('logme-suggestion').textContent).toBe(
          'LogME suggests: small-cnn fashion',
        ),
      { timeout: 5000 },
    );
    const rows = screen.getByTestId('source-scores').querySelectorAll('tbody tr');
    expect([...rows].map((row) => [...row.children].map((cell) => cell.textContent))).toEqual([
      ['1', 'small-cnn fashion', '-0.25', '—', '—', 'done'],
      ['2', 'small-cnn digits', '-1.5', '-1.5', '-1.2', 'done'],
    ]);
  });

  it('shows a failed job with its error, and no button to those who cannot score', async () => {
    renderWith(<SourceScoresPanel datasetId="d1" candidates={candidates} canScore={false} />, [
      aScore('m1', 'small-cnn digits', {
        status: 'FAILED',
        logMe: null,
        leep: null,
        nce: null,
        errorMessage: "The source model's files are unusable",
      }),
    ]);
    await screen.findByText("failed: The source model's files are unusable");
    expect(screen.getByTestId('logme-suggestion').textContent).toBe(
      'No score finished; see the errors below.',
    );
    expect(screen.queryByRole('button', { name: 'Score source models' })).toBeNull();
  });
});

describe('ExperimentScoresSection (experiment page)', () => {
  it('says honestly that τ needs two source models when there is one', async () => {
    renderWith(<ExperimentScoresSection datasetId="d1" sourceModelId="m1" />, [
      aScore('m1', 'small-cnn digits', { logMe: -1.25, bestFineTunedAccuracy: 0.91 }),
    ]);
    expect((await screen.findByTestId('logme-agreement')).textContent).toMatch(
      /needs ≥ 2 source models .*; there is one\./,
    );
    expect(screen.getByTestId('own-score').textContent).toBe(
      "This experiment's source model: LogME -1.2500, the one LogME ranks first.",
    );
    expect(screen.getByTestId('source-scores').querySelector('tr.highlight')?.textContent).toMatch(
      /small-cnn digits/,
    );
  });

  it('gives Kendall’s τ between LogME and the best fine-tuned accuracy per source model', async () => {
    renderWith(<ExperimentScoresSection datasetId="d1" sourceModelId="m1" />, [
      aScore('m2', 'small-cnn fashion', { logMe: -0.5, bestFineTunedAccuracy: 0.7 }),
      aScore('m1', 'small-cnn digits', { logMe: -1.25, bestFineTunedAccuracy: 0.91 }),
      aScore('m3', 'small-cnn letters', { logMe: -2, bestFineTunedAccuracy: 0.6 }),
    ]);
    // Pairs (−0.5, 0.7), (−1.25, 0.91), (−2, 0.6): two concordant, one discordant → τ = 1/3.
    expect((await screen.findByTestId('logme-agreement')).textContent).toMatch(
      /Kendall's τ between LogME and the best fine-tuned accuracy: 0\.33 over 3 source models/,
    );
    expect(screen.getByTestId('own-score').textContent).toBe(
      "This experiment's source model: LogME -1.2500; LogME suggests small-cnn fashion.",
    );
  });
});
