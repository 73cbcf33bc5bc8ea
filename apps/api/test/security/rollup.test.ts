import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anExperiment, aTeam, aUser, LOG_METRICS } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;
let client: ApiClient;
let experimentId: string;

beforeAll(async () => {
  t = await startTestServer();
  client = (await aUser(t.url)).client;
  const team = await aTeam(client);
  experimentId = (await anExperiment(client, team.id)).experiment.id as string;
});
afterAll(async () => {
  await t?.stop();
});

const CREATE_RUN = `mutation($input: CreateRunInput!) { createRun(input: $input) { id } }`;
const GRID = `query($id: ID!, $summary: GridSummary!) { experiment(id: $id) {
  grid(metric: "val_accuracy", summary: $summary) { cells { frozenLayers learningRate mean } } } }`;

const cellOf = async (summary: 'BEST' | 'LAST') => {
  const data = await client.gql(GRID, { id: experimentId, summary });
  return data.experiment.grid.cells.find(
    (cell: { frozenLayers: number; learningRate: number }) =>
      cell.frozenLayers === 2 && cell.learningRate === 0.0042,
  );
};

describe('the roll-up after overwrites', () => {
  it.each([
    ['one point of the last chunk', [3], [0.9]],
    ['the whole last chunk at once, lowering its best', [1, 2, 3], [0.2, 0.1, 0.15]],
    ['a point far past the others (a new last chunk)', [5000], [0.95]],
    ['a step sent twice in one batch (the later value wins)', [3, 3], [0.1, 0.9]],
    ['a step sent twice in one batch, lowering the best', [2, 2], [0.9, 0.05]],
  ])('follows the stored values when %s is overwritten', async (_name, steps, values) => {
    const run = (
      await client.gql(CREATE_RUN, {
        input: { experimentId, frozenLayers: 2, learningRate: 0.0042, seed: steps.length },
      })
    ).createRun.id as string;
    await client.gql(LOG_METRICS, {
      runId: run,
      points: [1, 2, 3].map((step, i) => ({
        key: 'val_accuracy',
        step,
        value: [0.3, 0.5, 0.1][i],
      })),
    });
    if (steps.includes(5000))
      await client.gql(LOG_METRICS, {
        runId: run,
        points: [{ key: 'val_accuracy', step: 5000, value: 0.4 }],
      });
    await client.gql(LOG_METRICS, {
      runId: run,
      points: steps.map((step, i) => ({ key: 'val_accuracy', step, value: values[i] })),
    });
    const [stored] = await t.sql<{ best: number; last: number }>(
      `SELECT max(value) AS best,
              (SELECT value FROM metric_points WHERE run_id = $1 AND key = 'val_accuracy'
                ORDER BY step DESC LIMIT 1) AS last
         FROM metric_points WHERE run_id = $1 AND key = 'val_accuracy'`,
      [run],
    );
    const [chunks] = await t.sql<{ best: number }>(
      `SELECT max(high[1]) AS best FROM metric_chunks WHERE run_id = $1 AND key = 'val_accuracy'`,
      [run],
    );
    expect(chunks.best).toBe(stored.best);
    // Each case's run is alone in its cell: delete it once checked.
    expect((await cellOf('BEST')).mean).toBeCloseTo(stored.best, 12);
    expect((await cellOf('LAST')).mean).toBeCloseTo(stored.last, 12);
    await client.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: run });
  });
});
