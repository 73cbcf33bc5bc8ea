import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeam, anExperiment, aUser, LOG_METRICS } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aWorkerToken, CAPABILITIES, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';
import { CLAIM_RUN } from '@finetrack/shared';

// The seed's "how much target data" axis: a sweep over training-set sizes, the grid per size,
// and the best frozen depth per size beside the suggestion engine's advice.

let t: TestServer;
let client: ApiClient;
let teamId: string;
let experimentId: string;
let deepest: number;

interface RunRow {
  id: string;
  frozenLayers: number;
  initialization: string;
  trainSamples: number | null;
}
let runs: RunRow[];

const RUNS = `query($id: ID!, $filter: RunFilter) { experiment(id: $id) {
  runs(first: 100, filter: $filter) { nodes { id frozenLayers initialization trainSamples } } } }`;

beforeAll(async () => {
  t = await startTestServer();
  client = (await aUser(t.url)).client;
  teamId = (await aTeam(client)).id;
  const made = await anExperiment(client, teamId, {
    frozenLayers: [0, 2, 3],
    learningRates: [0.001],
    seeds: [1],
    trainSamples: [1000, 100],
  });
  experimentId = made.experiment.id;
  const model = await client.gql(
    `query($id: ID!) { model(id: $id) { layers { weightBearing } } }`,
    { id: made.model.id },
  );
  // The deepest freeze: every weight-bearing layer below the classifier the fine-tune replaces.
  deepest =
    model.model.layers.filter((l: { weightBearing: boolean }) => l.weightBearing).length - 1;
  runs = (await client.gql(RUNS, { id: experimentId })).experiment.runs.nodes;
  // Size 100: the deepest freeze wins (as the advice for little data says). Size 1000: full
  // fine-tuning wins, where the advice for a medium set is to freeze the early half.
  const accuracy = (run: RunRow) =>
    run.initialization === 'SCRATCH'
      ? 0.3
      : run.trainSamples === 100
        ? 0.5 + run.frozenLayers * 0.1
        : 0.9 - run.frozenLayers * 0.1;
  for (const run of runs)
    await client.gql(LOG_METRICS, {
      runId: run.id,
      points: [{ key: 'val_accuracy', step: 1, value: accuracy(run) }],
    });
});
afterAll(async () => {
  await t?.stop();
});

describe('a sweep over training-set sizes', () => {
  it('runs every cell and the baseline once per size, and each run records its size', () => {
    expect(runs).toHaveLength(2 * (3 + 1));
    for (const size of [100, 1000]) {
      const ofSize = runs.filter((run) => run.trainSamples === size);
      expect(ofSize.map((run) => run.frozenLayers).sort()).toEqual([0, 0, 2, 3]);
      expect(ofSize.filter((run) => run.initialization === 'SCRATCH')).toHaveLength(1);
    }
  });

  it('filters and sorts runs by size', async () => {
    const small = (await client.gql(RUNS, { id: experimentId, filter: { trainSamples: [100] } }))
      .experiment.runs.nodes;
    expect(small).toHaveLength(4);
    const sorted = await client.gql(
      `query($id: ID!) { experiment(id: $id) { runs(first: 100, orderBy: { field: TRAIN_SAMPLES, direction: DESC }) { nodes { trainSamples } } } }`,
      { id: experimentId },
    );
    expect(sorted.experiment.runs.nodes.map((r: RunRow) => r.trainSamples)).toEqual([
      ...Array(4).fill(1000),
      ...Array(4).fill(100),
    ]);
  });

  it('shows one size per grid, the largest unless asked', async () => {
    const GRID = `query($id: ID!, $size: Int) { experiment(id: $id) { trainSampleSizes
      grid(metric: "val_accuracy", summary: BEST, trainSamples: $size) {
        trainSamples cells { frozenLayers mean totalRuns } scratch { mean } } } }`;
    const largest = (await client.gql(GRID, { id: experimentId })).experiment;
    expect(largest.trainSampleSizes).toEqual([100, 1000]);
    expect(largest.grid.trainSamples).toBe(1000);
    expect(largest.grid.cells.map((c: { mean: number }) => c.mean)).toEqual([
      expect.closeTo(0.9, 9),
      expect.closeTo(0.7, 9),
      expect.closeTo(0.6, 9),
    ]);
    expect(largest.grid.cells.every((c: { totalRuns: number }) => c.totalRuns === 1)).toBe(true);
    const small = (await client.gql(GRID, { id: experimentId, size: 100 })).experiment.grid;
    expect(small.trainSamples).toBe(100);
    expect(small.cells.map((c: { mean: number }) => c.mean)).toEqual([
      expect.closeTo(0.5, 9),
      expect.closeTo(0.7, 9),
      expect.closeTo(0.8, 9),
    ]);
    const wrong = await client.request(GRID, { id: experimentId, size: 500 });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrong.errors?.[0]?.message).toMatch(/one of the sweep's sizes: 100, 1000/);
  });

  it('puts the best depth per size beside the advice, marking where they disagree', async () => {
    const data = await client.gql(
      `query($id: ID!) { experiment(id: $id) { depthBySize(metric: "val_accuracy", summary: BEST) {
        trainSamples bestFrozenLayers bestMean scratchMean suggestedFrozenLayers suggestionReason agrees } } }`,
      { id: experimentId },
    );
    const [small, large] = data.experiment.depthBySize;
    expect(deepest).toBe(3);
    expect(small).toMatchObject({
      trainSamples: 100,
      bestFrozenLayers: 3,
      suggestedFrozenLayers: 3,
      agrees: true,
      scratchMean: expect.closeTo(0.3, 9),
    });
    expect(small.suggestionReason).toMatch(/train only the head/);
    expect(large).toMatchObject({
      trainSamples: 1000,
      bestFrozenLayers: 0,
      suggestedFrozenLayers: 2,
      agrees: false,
      bestMean: expect.closeTo(0.9, 9),
    });
  });

  it('hands each run its size when a worker claims it', async () => {
    const worker = workerClient(t.url, await aWorkerToken(client, teamId));
    const claimed = await worker.request(CLAIM_RUN, {
      input: { workerId: 'size-test', capabilities: CAPABILITIES },
    });
    const run = runs.find((r) => r.id === claimed.claimRun!.runId)!;
    expect(claimed.claimRun!.hyperparameters.trainSamples).toBe(run.trainSamples);
    expect([100, 1000]).toContain(claimed.claimRun!.hyperparameters.trainSamples);
  });

  it('answers an empty size list and no depth rows for a sweep without sizes', async () => {
    const plain = await anExperiment(client, teamId);
    const data = await client.gql(
      `query($id: ID!) { experiment(id: $id) { trainSampleSizes
        depthBySize(metric: "val_accuracy", summary: BEST) { trainSamples }
        grid(metric: "val_accuracy", summary: BEST) { trainSamples cells { totalRuns } } } }`,
      { id: plain.experiment.id },
    );
    expect(data.experiment).toMatchObject({ trainSampleSizes: [], depthBySize: [] });
    expect(data.experiment.grid.trainSamples).toBeNull();
    expect(data.experiment.grid.cells.length).toBeGreaterThan(0);
  });
});
