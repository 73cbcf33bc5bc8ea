import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETE_RUN, type CompleteRunInput } from '@finetrack/shared';
import { aCompletion, aQueuedExperiment, claim, failure, upload } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

// A run's final confusion matrix on its validation set: sent by the worker with completeRun,
// checked against the run's dataset, shown on the run and as the grid's worst-class accuracy.

let t: TestServer;
let setup: Awaited<ReturnType<typeof aQueuedExperiment>>;

beforeAll(async () => {
  t = await startTestServer();
  // Digits 5–9: five classes (the factories' dataset).
  setup = await aQueuedExperiment(t.url, { seeds: [1, 2] });
});
afterAll(async () => {
  await t?.stop();
});

const CLASSES = ['5', '6', '7', '8', '9'];
const diagonal = (right: number, wrong: number) =>
  CLASSES.map((_, i) => CLASSES.map((__, j) => (i === j ? right : j === (i + 1) % 5 ? wrong : 0)));

async function completeWith(confusionMatrix: unknown) {
  const run = (await claim(setup.worker))!;
  const artifact = await upload(setup.worker, run, 'model-json', 'model.json', Buffer.from('{}'));
  const input = { ...aCompletion(run, [artifact.id]), confusionMatrix } as CompleteRunInput;
  return { run, artifact, answer: setup.worker.request(COMPLETE_RUN, { input }) };
}

const RUN = `query($id: ID!) { run(id: $id) { status worstClassAccuracy worstClass
  confusionMatrix { classNames counts perClassAccuracy } } }`;

describe('confusion matrices', () => {
  it('refuses a matrix that does not fit the run’s dataset, and changes nothing', async () => {
    const wrongShape = {
      classNames: ['5', '6'],
      counts: [
        [1, 0],
        [0, 1],
      ],
    };
    const { run, artifact, answer } = await completeWith(wrongShape);
    expect(await failure(answer)).toMatchObject({ code: 'BAD_USER_INPUT' });
    const row = (await setup.owner.gql(RUN, { id: run.runId })).run;
    expect(row).toMatchObject({ status: 'RUNNING', confusionMatrix: null });
    const negative = { classNames: CLASSES, counts: diagonal(-1, 0) };
    const retry = setup.worker.request(COMPLETE_RUN, {
      input: { ...aCompletion(run, [artifact.id]), confusionMatrix: negative } as CompleteRunInput,
    });
    expect(await failure(retry)).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await setup.owner.gql(RUN, { id: run.runId })).run.status).toBe('RUNNING');
  });

  it('stores the matrix, its per-class accuracy and the worst class', async () => {
    // The first run is still claimed by the test above; complete the second one.
    const { run, answer } = await completeWith({ classNames: CLASSES, counts: diagonal(8, 2) });
    await answer;
    const row = (await setup.owner.gql(RUN, { id: run.runId })).run;
    expect(row.status).toBe('SUCCEEDED');
    expect(row.confusionMatrix.counts).toEqual(diagonal(8, 2));
    expect(row.confusionMatrix.perClassAccuracy).toEqual([0.8, 0.8, 0.8, 0.8, 0.8]);
    expect(row.worstClassAccuracy).toBeCloseTo(0.8, 12);
    expect(row.worstClass).toBe('5');
    const grid = await setup.owner.gql(
      `query($id: ID!) { experiment(id: $id) { grid(metric: "val_accuracy", summary: BEST) {
        cells { worstClassAccuracy totalRuns } } } }`,
      { id: setup.experiment.id },
    );
    expect(grid.experiment.grid.cells[0].worstClassAccuracy).toBeCloseTo(0.8, 12);
  });

  it('keeps the matrix from another team', async () => {
    const other = await aQueuedExperiment(t.url);
    const [runId] = setup.runIds;
    const answer = await other.owner.request(RUN, { id: runId });
    expect(answer.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
