import {
  CLAIM_RUN,
  CLAIM_SCORE_JOB,
  COMPLETE_SCORE_JOB,
  FAIL_SCORE_JOB,
  LEASE_LOST,
  MAX_SCORED_MODELS,
  SCORE_SOURCE_MODELS,
  SOURCE_MODEL_SCORES,
  type ClaimedScoreJob,
  type ScoreSourceModelsMutation,
  type SourceModelScoresQuery,
} from '@finetrack/shared';
import type { ApiClient as WorkerClient } from '@finetrack/shared/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  aDataset,
  anExperiment,
  aSourceModel,
  aTeam,
  aUser,
  runIds,
} from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aWorkerToken, CAPABILITIES, failure, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

// Issue 15, "which source model": members queue scoring jobs, workers claim them and report
// LogME, LEEP and NCE, and the dataset's scores come back ranked by LogME.

let t: TestServer;
let owner: ApiClient;
let teamId: string;
let worker: WorkerClient;

beforeAll(async () => {
  t = await startTestServer();
  owner = (await aUser(t.url)).client;
  teamId = (await aTeam(owner)).id;
  worker = workerClient(t.url, await aWorkerToken(owner, teamId));
});
afterAll(async () => {
  await t?.stop();
});

const score = (client: ApiClient, input: Record<string, unknown>) =>
  client.request(SCORE_SOURCE_MODELS, { input });
const scores = async (client: ApiClient, datasetId: string) =>
  (await client.gql<SourceModelScoresQuery>(SOURCE_MODEL_SCORES, { datasetId })).sourceModelScores;
const workerId = () => `host:${process.pid}:${Math.random().toString(36).slice(2)}`;

async function claimScore(client: WorkerClient, id = workerId()): Promise<ClaimedScoreJob | null> {
  const data = await client.request(CLAIM_SCORE_JOB, {
    input: { workerId: id, capabilities: { ...CAPABILITIES, scoreJobs: true } },
  });
  return data.claimScoreJob;
}

/** Claims every waiting job (oldest first) of the worker's team. */
async function claimAll(client: WorkerClient): Promise<ClaimedScoreJob[]> {
  const jobs: ClaimedScoreJob[] = [];
  for (let job = await claimScore(client); job; job = await claimScore(client)) jobs.push(job);
  return jobs;
}

const results = (job: ClaimedScoreJob, logMe: number) => ({
  scoreId: job.scoreId,
  leaseToken: job.leaseToken,
  logMe,
  leep: -1.2,
  nce: -0.9,
  featureDimension: 64,
  samples: 100,
  seconds: 0.5,
});

describe('scoring source models', () => {
  it('queues one job per model, hands them to a worker and ranks the results by LogME', async () => {
    const dataset = await aDataset(owner, teamId);
    const first = await aSourceModel(owner, teamId);
    const second = await aSourceModel(owner, teamId);
    const queued = await owner.gql<ScoreSourceModelsMutation>(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [first.id, second.id], trainSamples: 100 },
    });
    expect(queued.scoreSourceModels.map((row) => [row.modelId, row.status])).toEqual([
      [first.id, 'QUEUED'],
      [second.id, 'QUEUED'],
    ]);

    const jobs = await claimAll(worker);
    expect(jobs).toHaveLength(2);
    const byModel = new Map(jobs.map((job) => [job.sourceModel.id, job]));
    const job = byModel.get(first.id)!;
    expect(job).toMatchObject({
      attempt: 1,
      trainSamples: 100,
      dataset: { id: dataset.id, classNames: ['5', '6', '7', '8', '9'] },
      sourceModel: { id: first.id, architecture: 'small-cnn', inputShape: [28, 28, 1] },
    });
    expect((await scores(owner, dataset.id)).map((row) => row.status)).toEqual([
      'RUNNING',
      'RUNNING',
    ]);

    // The second model transfers better by LogME: it is ranked first.
    await worker.request(COMPLETE_SCORE_JOB, { input: results(job, -1.5) });
    await worker.request(COMPLETE_SCORE_JOB, {
      input: { ...results(byModel.get(second.id)!, -0.4), leep: null, nce: null },
    });
    const ranked = await scores(owner, dataset.id);
    expect(ranked.map((row) => [row.model?.id, row.status, row.logMe])).toEqual([
      [second.id, 'SUCCEEDED', -0.4],
      [first.id, 'SUCCEEDED', -1.5],
    ]);
    expect(ranked[1]).toMatchObject({ leep: -1.2, nce: -0.9, featureDimension: 64, samples: 100 });
    expect(ranked[0]).toMatchObject({ leep: null, nce: null });

    // Completing again changes nothing; asking again returns the stored scores, queues nothing.
    const again = await worker.request(COMPLETE_SCORE_JOB, { input: results(job, 9) });
    expect(again.completeScoreJob.status).toBe('SUCCEEDED');
    const asked = await owner.gql(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [first.id], trainSamples: 100 },
    });
    expect(asked.scoreSourceModels[0]).toMatchObject({ status: 'SUCCEEDED', logMe: -1.5 });
    expect(await claimScore(worker)).toBeNull();
  });

  it('queues a failed job again, under the same row, and only that one', async () => {
    const dataset = await aDataset(owner, teamId);
    const model = await aSourceModel(owner, teamId);
    const input = { datasetId: dataset.id, modelIds: [model.id] };
    const [queued] = (await owner.gql(SCORE_SOURCE_MODELS, { input })).scoreSourceModels;
    const [job] = await claimAll(worker);
    const failed = await worker.request(FAIL_SCORE_JOB, {
      input: { scoreId: job!.scoreId, leaseToken: job!.leaseToken, error: 'weights.bin is short' },
    });
    expect(failed.failScoreJob.status).toBe('FAILED');
    expect((await scores(owner, dataset.id))[0]).toMatchObject({
      status: 'FAILED',
      errorMessage: 'weights.bin is short',
      logMe: null,
    });
    const [requeued] = (await owner.gql(SCORE_SOURCE_MODELS, { input })).scoreSourceModels;
    expect(requeued).toMatchObject({ id: queued.id, status: 'QUEUED' });
    const [retry] = await claimAll(worker);
    expect(retry).toMatchObject({ scoreId: queued.id, attempt: 2 });
    // The earlier attempt's lease is no longer the job's.
    expect(
      await failure(worker.request(COMPLETE_SCORE_JOB, { input: results(job!, -1) })),
    ).toMatchObject({ code: 'CONFLICT', reason: LEASE_LOST });
    await worker.request(COMPLETE_SCORE_JOB, { input: results(retry!, -1) });
  });

  it('hands a job whose lease expired to the next claim, and the first worker’s lease is lost', async () => {
    const dataset = await aDataset(owner, teamId);
    const model = await aSourceModel(owner, teamId);
    await owner.gql(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [model.id] },
    });
    const [lost] = await claimAll(worker);
    await t.sql(
      `UPDATE source_model_scores SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [lost!.scoreId],
    );
    const [taken] = await claimAll(worker);
    expect(taken).toMatchObject({ scoreId: lost!.scoreId, attempt: 2 });
    expect(
      await failure(worker.request(COMPLETE_SCORE_JOB, { input: results(lost!, -1) })),
    ).toMatchObject({ code: 'CONFLICT', reason: LEASE_LOST });
    await worker.request(COMPLETE_SCORE_JOB, { input: results(taken!, -1) });
  });

  it('ends a waiting claimRun long poll once a scoring job is queued, for workers that score', async () => {
    const dataset = await aDataset(owner, teamId);
    const model = await aSourceModel(owner, teamId);
    const started = Date.now();
    const waiting = worker.request(CLAIM_RUN, {
      input: {
        workerId: workerId(),
        capabilities: { ...CAPABILITIES, scoreJobs: true },
        waitSeconds: 20,
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await owner.gql(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [model.id] },
    });
    expect((await waiting).claimRun).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    const [job] = await claimAll(worker);
    await worker.request(COMPLETE_SCORE_JOB, { input: results(job!, -2) });
  });

  it('pairs each score with the best fine-tuned accuracy its source reached on the dataset', async () => {
    const { dataset, model, experiment } = await anExperiment(owner, teamId);
    await owner.gql(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [model.id] },
    });
    const best = async () =>
      (
        await owner.gql(
          `query($id: ID!) { sourceModelScores(datasetId: $id) { bestFineTunedAccuracy } }`,
          { id: dataset.id },
        )
      ).sourceModelScores[0].bestFineTunedAccuracy;
    expect(await best()).toBeNull();
    // Two runs finish (as a worker's completeRun leaves them); the scratch baseline's higher
    // accuracy is not the source's, and a failed run's is not counted.
    const ids = await runIds(owner, experiment.id);
    const finish = (id: string, status: string, accuracy: number) =>
      t.sql(`UPDATE runs SET status = $2, best_val_accuracy = $3 WHERE id = $1`, [
        id,
        status,
        accuracy,
      ]);
    const [pretrained, other, failed] = (
      await t.sql<{ id: string }>(
        `SELECT id FROM runs WHERE id = ANY($1) AND initialization = 'pretrained' ORDER BY id`,
        [ids],
      )
    ).map((row) => row.id);
    const [scratch] = (
      await t.sql<{ id: string }>(
        `SELECT id FROM runs WHERE id = ANY($1) AND initialization = 'scratch'`,
        [ids],
      )
    ).map((row) => row.id);
    await finish(pretrained!, 'succeeded', 0.81);
    await finish(other!, 'succeeded', 0.86);
    await finish(failed!, 'failed', 0.99);
    await finish(scratch!, 'succeeded', 0.95);
    expect(await best()).toBeCloseTo(0.86, 10);
  });

  it('pairs a score for a training-set size with the runs trained on that size only', async () => {
    const { dataset, model, experiment } = await anExperiment(owner, teamId, {
      trainSamples: [100, 1000],
    });
    const scoreFor = async (trainSamples: number | null) => {
      await owner.gql(SCORE_SOURCE_MODELS, {
        input: { datasetId: dataset.id, modelIds: [model.id], trainSamples },
      });
      const [score] = (
        await owner.gql(
          `query($id: ID!) { sourceModelScores(datasetId: $id) { trainSamples bestFineTunedAccuracy } }`,
          { id: dataset.id },
        )
      ).sourceModelScores;
      expect(score.trainSamples).toBe(trainSamples);
      return score.bestFineTunedAccuracy;
    };
    const finished = async (trainSamples: number, accuracy: number) =>
      t.sql(
        `UPDATE runs SET status = 'succeeded', best_val_accuracy = $3
          WHERE id = (SELECT id FROM runs WHERE id = ANY($1) AND train_samples = $2
                         AND initialization = 'pretrained' ORDER BY id LIMIT 1)`,
        [await runIds(owner, experiment.id), trainSamples, accuracy],
      );
    await finished(100, 0.72);
    await finished(1000, 0.93);
    expect(await scoreFor(100)).toBeCloseTo(0.72, 10);
    expect(await scoreFor(1000)).toBeCloseTo(0.93, 10);
    // Scored for all samples: no run trained on all of them has finished.
    expect(await scoreFor(null)).toBeNull();
  });

  it('refuses bad input with BAD_USER_INPUT and stores nothing', async () => {
    const dataset = await aDataset(owner, teamId);
    const model = await aSourceModel(owner, teamId);
    const pending = await aSourceModel(owner, teamId);
    await t.sql(`UPDATE models SET status = 'pending' WHERE id = $1`, [pending.id]);
    const target = (
      await owner.gql(`mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`, {
        input: {
          teamId,
          name: `target ${Math.random()}`,
          kind: 'TARGET',
          architecture: 'small-cnn',
          inputShape: [28, 28, 1],
          layers: [],
          totalParams: 1,
          trainableParams: 1,
          parentModelId: model.id,
          surgery: {
            cutLayer: 'dense1',
            headUnits: 5,
            frozenLayers: 1,
            frozenLayerNames: ['conv1'],
            learningRate: 0.01,
          },
        },
      })
    ).createModel as { id: string };
    const many = await Promise.all(
      Array.from({ length: MAX_SCORED_MODELS + 1 }, () => aSourceModel(owner, teamId)),
    );
    const cases: [string, Record<string, unknown>][] = [
      ['an empty list', { modelIds: [] }],
      ['a model twice', { modelIds: [model.id, model.id] }],
      ['more models than the limit', { modelIds: many.map((m) => m.id) }],
      ['a target model', { modelIds: [target.id] }],
      ['a model still being pretrained', { modelIds: [pending.id] }],
      ['trainSamples of 0', { modelIds: [model.id], trainSamples: 0 }],
      ['trainSamples of 1', { modelIds: [model.id], trainSamples: 1 }],
      ['more trainSamples than the dataset has', { modelIds: [model.id], trainSamples: 1001 }],
    ];
    for (const [name, input] of cases) {
      const response = await score(owner, { datasetId: dataset.id, ...input });
      expect(response.errors?.[0]?.extensions?.code, name).toBe('BAD_USER_INPUT');
    }
    expect(await scores(owner, dataset.id)).toEqual([]);
  });
});

describe('access to scores', () => {
  let dataset: { id: string };
  let model: { id: string };

  beforeAll(async () => {
    dataset = await aDataset(owner, teamId);
    model = await aSourceModel(owner, teamId);
  });

  it('keeps other teams out: their ids are NOT_FOUND, their workers never see the jobs', async () => {
    const outsider = (await aUser(t.url)).client;
    const outsiderTeam = (await aTeam(outsider)).id;
    const theirDataset = await aDataset(outsider, outsiderTeam);
    const theirModel = await aSourceModel(outsider, outsiderTeam);
    const theirWorker = workerClient(t.url, await aWorkerToken(outsider, outsiderTeam));
    const denied: [string, Promise<{ errors?: { extensions?: { code?: string } }[] }>][] = [
      ['our dataset', score(outsider, { datasetId: dataset.id, modelIds: [theirModel.id] })],
      ['our model', score(outsider, { datasetId: theirDataset.id, modelIds: [model.id] })],
      ['their model with ours', score(owner, { datasetId: dataset.id, modelIds: [theirModel.id] })],
      ['a model id that is no uuid', score(owner, { datasetId: dataset.id, modelIds: ['x'] })],
      ['our scores', outsider.request(SOURCE_MODEL_SCORES, { datasetId: dataset.id })],
    ];
    for (const [name, call] of denied)
      expect((await call).errors?.[0]?.extensions?.code, name).toBe('NOT_FOUND');

    await owner.gql(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [model.id] },
    });
    expect(await claimScore(theirWorker)).toBeNull();
    const [job] = await claimAll(worker);
    expect(
      await failure(theirWorker.request(COMPLETE_SCORE_JOB, { input: results(job!, 1) })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    await worker.request(COMPLETE_SCORE_JOB, { input: results(job!, 1) });
  });

  it('lets viewers read scores but not queue them, and worker tokens only claim', async () => {
    const viewer = await aUser(t.url);
    await addMember(owner, teamId, viewer, 'VIEWER');
    const response = await score(viewer.client, { datasetId: dataset.id, modelIds: [model.id] });
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await scores(viewer.client, dataset.id)).length).toBe(1);
    expect(
      await failure(
        worker.request(SCORE_SOURCE_MODELS, {
          input: { datasetId: dataset.id, modelIds: [model.id] },
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await owner.code(CLAIM_SCORE_JOB, {
        input: { workerId: workerId(), capabilities: CAPABILITIES },
      }),
    ).toBe('FORBIDDEN');
  });
});
