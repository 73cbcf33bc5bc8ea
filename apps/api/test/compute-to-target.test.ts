import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cumulativeTrainingFlops, trainingFlopsPerSample } from '@finetrack/shared';
import { smallCnnLayers } from '@finetrack/shared/testing';
import { aTeam, anExperiment, aUser, LOG_METRICS } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { startTestServer, type TestServer } from './harness.js';

// The seed's claim that fine-tuning needs less compute than training from scratch, measured per
// grid cell in epochs, samples, seconds and estimated FLOPs.

let t: TestServer;
let client: ApiClient;
let experimentId: string;

const RUNS = `query($id: ID!) { experiment(id: $id) {
  runs(first: 100) { nodes { id frozenLayers learningRate initialization } } } }`;
const GRID = `query($id: ID!, $target: Float) { experiment(id: $id) {
  grid(metric: "val_accuracy", summary: BEST, target: $target) {
    computeTarget
    scratchComputeToTarget { epochs samples seconds flops reachedRuns totalRuns }
    cells { frozenLayers learningRate
      computeToTarget { epochs samples seconds flops reachedRuns totalRuns }
      speedupOverScratch speedupsOverScratch { epochs samples seconds flops } } } } }`;

/** Validation accuracy per epoch (steps 1..n) of each kind of run. */
const CURVES: Record<string, number[]> = {
  scratch: [0.2, 0.4, 0.6, 0.8, 0.8],
  '0': [0.5, 0.7, 0.79, 0.8, 0.81],
  '2': [0.78, 0.8, 0.8, 0.8, 0.8],
  '3': [0.3, 0.35, 0.4, 0.4, 0.4],
};

beforeAll(async () => {
  t = await startTestServer();
  client = (await aUser(t.url)).client;
  const team = await aTeam(client);
  experimentId = (
    await anExperiment(client, team.id, {
      frozenLayers: [0, 2, 3],
      learningRates: [0.001],
      seeds: [1, 2],
      epochs: 5,
    })
  ).experiment.id;
  const runs = (await client.gql(RUNS, { id: experimentId })).experiment.runs.nodes as {
    id: string;
    frozenLayers: number;
    initialization: string;
  }[];
  for (const run of runs) {
    // Each epoch took 10 s from the run's start.
    await t.sql(`UPDATE runs SET started_at = to_timestamp(1000) WHERE id = $1`, [run.id]);
    const curve = CURVES[run.initialization === 'SCRATCH' ? 'scratch' : String(run.frozenLayers)]!;
    await client.gql(LOG_METRICS, {
      runId: run.id,
      // Scratch logs at step = epoch, as scripts do; the others at each epoch's last global step
      // (19 steps an epoch), as workers do: both count epochs the same.
      points: curve.map((value, i) => ({
        key: 'val_accuracy',
        step: run.initialization === 'SCRATCH' ? i + 1 : 19 * (i + 1),
        value,
        wallTime: 1000 + 10 * (i + 1),
      })),
    });
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('compute to reach a target accuracy', () => {
  it('measures each cell against 95 % of scratch’s best by default, with speed-ups in every unit', async () => {
    const grid = (await client.gql(GRID, { id: experimentId })).experiment.grid;
    expect(grid.computeTarget).toBeCloseTo(0.95 * 0.8, 12);
    // Scratch first reaches 0.76 at epoch 4: 4 × 1,000 samples, 40 s.
    expect(grid.scratchComputeToTarget).toMatchObject({
      epochs: 4,
      samples: 4000,
      seconds: 40,
      reachedRuns: 2,
      totalRuns: 2,
    });
    const layers = smallCnnLayers(5);
    const flops = (frozen: number, epochs: number) =>
      cumulativeTrainingFlops(trainingFlopsPerSample(layers, frozen), 1000, epochs, frozen > 0);
    expect(grid.scratchComputeToTarget.flops).toBeCloseTo(flops(0, 4), 0);
    const [full, partial, deep] = grid.cells;
    expect(full.computeToTarget).toMatchObject({ epochs: 3, samples: 3000, seconds: 30 });
    expect(full.speedupsOverScratch.epochs).toBeCloseTo(4 / 3, 12);
    expect(partial.computeToTarget).toMatchObject({ epochs: 1, samples: 1000, seconds: 10 });
    expect(partial.speedupsOverScratch).toMatchObject({ epochs: 4, samples: 4, seconds: 4 });
    // The headline speed-up is in wall seconds.
    expect(partial.speedupOverScratch).toBe(4);
    expect(full.speedupOverScratch).toBeCloseTo(40 / 30, 12);
    // Two frozen layers run forward once (cached) and the rest train: fewer FLOPs than epochs say.
    expect(partial.computeToTarget.flops).toBeCloseTo(flops(2, 1), 0);
    expect(partial.speedupsOverScratch.flops).toBeCloseTo(flops(0, 4) / flops(2, 1), 9);
    expect(partial.speedupsOverScratch.flops).toBeGreaterThan(4);
    // The deepest freeze never gets there: said as such, not as zero.
    expect(deep.computeToTarget).toBeNull();
    expect(deep.speedupOverScratch).toBeNull();
    expect(deep.speedupsOverScratch).toEqual({
      epochs: null,
      samples: null,
      seconds: null,
      flops: null,
    });
  });

  it('takes a target given with the query', async () => {
    const grid = (await client.gql(GRID, { id: experimentId, target: 0.35 })).experiment.grid;
    expect(grid.computeTarget).toBe(0.35);
    expect(grid.scratchComputeToTarget.epochs).toBe(2);
    expect(grid.cells[2].computeToTarget).toMatchObject({ epochs: 2, reachedRuns: 2 });
    const wrong = await client.request(GRID, { id: experimentId, target: 1.5 });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
