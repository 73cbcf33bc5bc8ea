import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_METRICS } from '../factories/builders.js';
import type { ApiClient, Loose } from '../factories/client.js';
import { startTestServer, type TestServer } from '../harness.js';
import { aScriptUser } from './script-setup.js';

const RUN_FIELDS = `id status external startedAt finishedAt bestValAccuracy lastValAccuracy
  bestValLoss lastValLoss bestEpoch wallSeconds errorMessage`;
const CREATE_RUN = `mutation($input: CreateRunInput!) { createRun(input: $input) { ${RUN_FIELDS} } }`;
const UPDATE_RUN = `mutation($input: UpdateRunInput!) { updateRun(input: $input) { ${RUN_FIELDS} } }`;
const GRID = `query($id: ID!) { experiment(id: $id) {
  grid(metric: "val_accuracy", summary: BEST) { cells { frozenLayers learningRate runCount totalRuns mean best } }
  runs(first: 500, filter: { external: true }) { nodes { id status bestValAccuracy } }
} }`;

let t: TestServer;
let script: ApiClient;
let experimentId: string;

beforeAll(async () => {
  t = await startTestServer();
  const made = await aScriptUser(t);
  script = made.client.withToken(made.token);
  experimentId = made.experiment.id;
});
afterAll(async () => {
  await t?.stop();
});

async function anExternalRun(overrides: Loose = {}): Promise<Loose> {
  const data = await script.gql(CREATE_RUN, {
    input: { experimentId, frozenLayers: 1, learningRate: 0.005, seed: 3, ...overrides },
  });
  return data.createRun;
}

const curve = (runId: string) =>
  script.gql(LOG_METRICS, {
    runId,
    points: [
      { key: 'val_accuracy', step: 1, value: 0.7 },
      { key: 'val_accuracy', step: 2, value: 0.9 },
      { key: 'val_accuracy', step: 3, value: 0.85 },
      { key: 'val_loss', step: 1, value: 0.9 },
      { key: 'val_loss', step: 2, value: 0.3 },
      { key: 'val_loss', step: 3, value: 0.4 },
    ],
  });

describe('external runs', () => {
  it('start running, and finishing fills the summary from the logged metrics', async () => {
    const run = await anExternalRun();
    expect(run).toMatchObject({ status: 'RUNNING', external: true, finishedAt: null });
    expect(run.startedAt).not.toBeNull();
    await curve(run.id);

    const finished = (await script.gql(UPDATE_RUN, { input: { id: run.id, status: 'SUCCEEDED' } }))
      .updateRun;
    expect(finished).toMatchObject({
      status: 'SUCCEEDED',
      bestValAccuracy: 0.9,
      lastValAccuracy: 0.85,
      bestValLoss: 0.3,
      lastValLoss: 0.4,
      bestEpoch: 2,
    });
    expect(finished.finishedAt).not.toBeNull();
    expect(finished.wallSeconds).toBeCloseTo(
      (Date.parse(finished.finishedAt) - Date.parse(run.startedAt)) / 1000,
      2,
    );

    // It is now a run of the grid and of the table like any other.
    const { experiment } = await script.gql(GRID, { id: experimentId });
    expect(experiment.grid.cells).toContainEqual({
      frozenLayers: 1,
      learningRate: 0.005,
      runCount: 1,
      totalRuns: 1,
      mean: 0.9,
      best: 0.9,
    });
    expect(experiment.runs.nodes).toContainEqual({
      id: run.id,
      status: 'SUCCEEDED',
      bestValAccuracy: 0.9,
    });
  });

  it('finishing again keeps finishedAt and what was set', async () => {
    const run = await anExternalRun({ frozenLayers: 2 });
    await curve(run.id);
    const first = (
      await script.gql(UPDATE_RUN, {
        input: { id: run.id, status: 'SUCCEEDED', bestValAccuracy: 0.95 },
      })
    ).updateRun;
    expect(first.bestValAccuracy).toBe(0.95); // what the script sent wins
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = (await script.gql(UPDATE_RUN, { input: { id: run.id, status: 'SUCCEEDED' } }))
      .updateRun;
    expect(again).toEqual(first);
  });

  it('without metrics finish with an empty summary but a wall time', async () => {
    const run = await anExternalRun({ frozenLayers: 3 });
    const failed = (
      await script.gql(UPDATE_RUN, {
        input: { id: run.id, status: 'FAILED', errorMessage: 'CUDA out of memory' },
      })
    ).updateRun;
    expect(failed).toMatchObject({
      status: 'FAILED',
      errorMessage: 'CUDA out of memory',
      bestValAccuracy: null,
      bestEpoch: null,
    });
    expect(failed.wallSeconds).toBeGreaterThanOrEqual(0);
  });

  it('are never queued', async () => {
    const run = await anExternalRun({ frozenLayers: 4 });
    const response = await script.request(UPDATE_RUN, { input: { id: run.id, status: 'QUEUED' } });
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringContaining('never queued'),
      extensions: { code: 'BAD_USER_INPUT', field: 'status' },
    });
    const [row] = await t.sql<{ status: string; queued_at: Date | null }>(
      'SELECT status, queued_at FROM runs WHERE id = $1',
      [run.id],
    );
    expect(row).toEqual({ status: 'running', queued_at: null });
  });

  it('can be reopened by a resumed script and finished again', async () => {
    const run = await anExternalRun({ frozenLayers: 5 });
    await script.gql(UPDATE_RUN, { input: { id: run.id, status: 'CANCELLED' } });
    const reopened = (await script.gql(UPDATE_RUN, { input: { id: run.id, status: 'RUNNING' } }))
      .updateRun;
    expect(reopened.status).toBe('RUNNING');
    await curve(run.id);
    const done = (await script.gql(UPDATE_RUN, { input: { id: run.id, status: 'SUCCEEDED' } }))
      .updateRun;
    expect(done).toMatchObject({ status: 'SUCCEEDED', bestValAccuracy: 0.9 });
  });
});
