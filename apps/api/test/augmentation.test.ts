import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMPLETE_RUN,
  MAX_AUGMENTATION_CROP,
  MAX_AUGMENTATION_ROTATION_DEGREES,
  type CompleteRunInput,
} from '@finetrack/shared';
import {
  aDataset,
  aProject,
  aSourceModel,
  aTeam,
  aUser,
  CREATE_EXPERIMENT,
} from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aCompletion, aQueuedExperiment, claim, upload } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

// Training-time augmentation as a sweep's hyperparameter: stored on every run, checked by the
// shared rules, carried in the claim, and the worker's note on the feature cache kept on the run.

let t: TestServer;
let client: ApiClient;
let teamId: string;

const ON = { flip: true, crop: 0.1, rotation: 10 };
const RUNS = `query($id: ID!) { experiment(id: $id) { sweep
  runs(first: 100) { nodes { initialization augmentation { flip crop rotation } featureCache } } } }`;

beforeAll(async () => {
  t = await startTestServer();
  client = (await aUser(t.url)).client;
  teamId = (await aTeam(client)).id;
});
afterAll(async () => {
  await t?.stop();
});

async function sweepInput(augmentation: unknown) {
  const [project, dataset, model] = await Promise.all([
    aProject(client, teamId),
    aDataset(client, teamId),
    aSourceModel(client, teamId),
  ]);
  return {
    project,
    input: {
      projectId: project.id,
      sourceModelId: model.id,
      targetDatasetId: dataset.id,
      sweep: {
        frozenLayers: [0, 2],
        learningRates: [0.01],
        seeds: [1],
        epochs: 2,
        batchSize: 32,
        includeScratchBaseline: true,
        ...(augmentation === undefined ? {} : { augmentation }),
      },
    },
  };
}

describe('augmentation in createExperiment', () => {
  it('gives every run of the sweep, the scratch baseline too, the augmentation asked for', async () => {
    const { input } = await sweepInput(ON);
    const made = await client.gql(CREATE_EXPERIMENT, { input });
    const { experiment } = await client.gql(RUNS, { id: made.createExperiment.id });
    expect(experiment.sweep.augmentation).toEqual(ON);
    expect(experiment.runs.nodes).toHaveLength(3);
    expect(
      experiment.runs.nodes.map((run: { initialization: string }) => run.initialization),
    ).toContain('SCRATCH');
    for (const run of experiment.runs.nodes) {
      expect(run.augmentation).toEqual(ON);
      expect(run.featureCache).toBeNull();
    }
  });

  it('leaves it off without the field, and for a partial one only what was given is on', async () => {
    const plain = await client.gql(CREATE_EXPERIMENT, {
      input: (await sweepInput(undefined)).input,
    });
    const plainRuns = (await client.gql(RUNS, { id: plain.createExperiment.id })).experiment;
    expect(plainRuns.sweep).not.toHaveProperty('augmentation');
    for (const run of plainRuns.runs.nodes)
      expect(run.augmentation).toEqual({ flip: false, crop: 0, rotation: 0 });
    const flipOnly = await client.gql(CREATE_EXPERIMENT, {
      input: (await sweepInput({ flip: true })).input,
    });
    const flipRuns = (await client.gql(RUNS, { id: flipOnly.createExperiment.id })).experiment;
    for (const run of flipRuns.runs.nodes)
      expect(run.augmentation).toEqual({ flip: true, crop: 0, rotation: 0 });
  });

  it.each([
    ['a crop past the limit', { crop: MAX_AUGMENTATION_CROP + 0.1 }, 'sweep.augmentation.crop'],
    ['a negative crop', { crop: -0.1 }, 'sweep.augmentation.crop'],
    [
      'a rotation past the limit',
      { rotation: MAX_AUGMENTATION_ROTATION_DEGREES + 1 },
      'sweep.augmentation.rotation',
    ],
    ['a negative rotation', { rotation: -5 }, 'sweep.augmentation.rotation'],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_name, augmentation, field) => {
    const { project, input } = await sweepInput(augmentation);
    const answer = await client.request(CREATE_EXPERIMENT, { input });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.extensions?.fields).toEqual([expect.objectContaining({ field })]);
    expect(answer.data ?? null).toBeNull();
    const listed = await client.gql(
      `query($id: ID!) { experiments(projectId: $id, first: 10) { nodes { id } } }`,
      { id: project.id },
    );
    expect(listed.experiments.nodes).toEqual([]);
  });

  it('refuses a flip that is no boolean (GraphQL types it)', async () => {
    const { input } = await sweepInput({ flip: 'yes' });
    const answer = await client.request(CREATE_EXPERIMENT, { input });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('augmentation and the worker', () => {
  it('is in the claim, and completeRun’s feature-cache note lands on the run', async () => {
    const setup = await aQueuedExperiment(t.url, { augmentation: ON });
    const run = (await claim(setup.worker))!;
    expect(run.hyperparameters.augmentation).toEqual(ON);
    const artifact = await upload(setup.worker, run, 'model-json', 'model.json', Buffer.from('{}'));
    const input = aCompletion(run, [artifact.id], {
      summary: { featureCache: 'BYPASSED_AUGMENTATION' },
    }) as CompleteRunInput;
    await setup.worker.request(COMPLETE_RUN, { input });
    const stored = await setup.owner.gql(
      `query($id: ID!) { run(id: $id) { status featureCache augmentation { flip crop rotation } } }`,
      { id: run.runId },
    );
    expect(stored.run).toEqual({
      status: 'SUCCEEDED',
      featureCache: 'BYPASSED_AUGMENTATION',
      augmentation: ON,
    });
  });

  it('claims a run without augmentation with every part off', async () => {
    const setup = await aQueuedExperiment(t.url);
    const run = (await claim(setup.worker))!;
    expect(run.hyperparameters.augmentation).toEqual({ flip: false, crop: 0, rotation: 0 });
  });
});

describe('augmentation in pretrainModel', () => {
  const PRETRAIN = `mutation($input: PretrainModelInput!) {
    pretrainModel(input: $input) { id augmentation { flip crop rotation } } }`;
  const input = async (augmentation?: unknown) => ({
    teamId,
    name: `pretrained ${Math.random().toString(36).slice(2)}`,
    architecture: 'small-cnn',
    datasetId: (await aDataset(client, teamId)).id,
    epochs: 1,
    ...(augmentation === undefined ? {} : { augmentation }),
  });

  it('stores the augmentation on the pretraining run, and none without it', async () => {
    const augmented = await client.gql(PRETRAIN, { input: await input(ON) });
    expect(augmented.pretrainModel.augmentation).toEqual(ON);
    const plain = await client.gql(PRETRAIN, { input: await input() });
    expect(plain.pretrainModel.augmentation).toEqual({ flip: false, crop: 0, rotation: 0 });
  });

  it('refuses a rotation past the limit with BAD_USER_INPUT and queues nothing', async () => {
    const before = await t.sql('SELECT count(*)::int AS n FROM runs WHERE team_id = $1', [teamId]);
    const answer = await client.request(PRETRAIN, { input: await input({ rotation: 90 }) });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const after = await t.sql('SELECT count(*)::int AS n FROM runs WHERE team_id = $1', [teamId]);
    expect(after).toEqual(before);
  });
});
