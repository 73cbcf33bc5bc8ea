import {
  CLAIM_SCORE_JOB,
  COMPLETE_SCORE_JOB,
  CREATE_ARTIFACT,
  HEARTBEAT_RUN,
  LOG_METRICS,
  SCORE_SOURCE_MODELS,
  SOURCE_MODEL_SCORES,
  type ClaimedRun,
} from '@finetrack/shared';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ensureLocalWorkerToken } from '../src/demo/local-worker-token.js';
import { aDataset, aSourceModel, aTeam, aUser } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import {
  aFile,
  aQueuedExperiment,
  CAPABILITIES,
  checkpoint,
  claim,
  failure,
  workerClient,
} from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

const ADMIN = 'root@instance.test';
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id role teamId } } }`;
let t: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  t = await startTestServer({
    adminEmails: [ADMIN],
    artifactDir: await mkdtemp(path.join(tmpdir(), 'finetrack-artifacts-')),
  });
  admin = (await aUser(t.url, { email: ADMIN })).client;
});
afterAll(async () => {
  await t?.stop();
});

async function anInstanceToken(client: ApiClient = admin): Promise<string> {
  const data = await client.gql(CREATE_TOKEN, { input: { name: 'pool', role: 'WORKER' } });
  expect(data.createApiToken.apiToken).toMatchObject({ role: 'WORKER', teamId: null });
  return data.createApiToken.token as string;
}

const heartbeat = (token: string, run: ClaimedRun) =>
  workerClient(t.url, token).request(HEARTBEAT_RUN, {
    input: { runId: run.runId, leaseToken: run.leaseToken },
  });

describe('instance worker tokens', () => {
  it('are made by instance administrators only, and nothing is stored otherwise', async () => {
    const { client } = await aUser(t.url);
    const before = await t.sql('SELECT count(*)::int AS n FROM api_tokens');
    expect(await client.code(CREATE_TOKEN, { input: { name: 'pool', role: 'WORKER' } })).toBe(
      'FORBIDDEN',
    );
    expect(await t.sql('SELECT count(*)::int AS n FROM api_tokens')).toEqual(before);
    expect(await anInstanceToken()).toMatch(/\S{20,}/);
  });

  it('claim runs of every team, the team with nothing running first', async () => {
    const a = await aQueuedExperiment(t.url);
    const b = await aQueuedExperiment(t.url);
    const token = await anInstanceToken();
    const pool = workerClient(t.url, token);
    const first = (await claim(pool, 'pool:1'))!;
    const second = (await claim(pool, 'pool:2'))!;
    const claimed = [first.runId, second.runId].sort();
    expect(claimed).toEqual([a.runIds[0], b.runIds[0]].sort());
    // Each run now belongs to the instance worker's lease: it heartbeats and logs to both.
    for (const run of [first, second]) {
      await heartbeat(token, run);
      await pool.request(LOG_METRICS, {
        runId: run.runId,
        leaseToken: run.leaseToken,
        points: [{ key: 'train/loss', step: 0, value: 1 }],
      });
    }
    const logged = await t.sql(
      'SELECT count(*)::int AS n FROM metric_points WHERE run_id = ANY($1)',
      [claimed],
    );
    expect(logged[0].n).toBe(2);
    // A team worker still serves its own team only.
    const c = await aQueuedExperiment(t.url);
    expect(await claim(a.worker, 'team-a:1')).toBeNull();
    expect((await claim(c.worker, 'team-c:1'))!.runId).toBe(c.runIds[0]);
  });

  it('reach no run or file of a team except through the runs they hold', async () => {
    const team = await aQueuedExperiment(t.url);
    const held = (await claim(team.worker, 'team:1'))!;
    const [checkpointId] = await checkpoint(team.worker, held, 1, 10);
    const token = await anInstanceToken();
    // Another team's run that the instance worker did not claim: as if it did not exist.
    expect(await failure(heartbeat(token, held))).toMatchObject({ code: 'NOT_FOUND' });
    const download = await fetch(`${t.url}/artifacts/${checkpointId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await download.arrayBuffer();
    expect(download.status).toBe(404);
    // The user paths see nothing either: an instance token is no member of any team.
    const teams = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ teams { edges { node { id } } } }' }),
    });
    expect(JSON.stringify(await teams.json())).not.toContain(team.team.id);
  });

  it('score a team’s source model: they download its files only while they hold the job', async () => {
    const { client: owner } = await aUser(t.url);
    const teamId = (await aTeam(owner)).id;
    const dataset = await aDataset(owner, teamId);
    const model = await aSourceModel(owner, teamId);
    // The owner stores the model's file through a user token, as `finetrack model upload` does.
    const userToken = (
      await owner.gql(CREATE_TOKEN, { input: { name: 'me', teamId, role: 'USER' } })
    ).createApiToken.token as string;
    const user = workerClient(t.url, userToken);
    const file = await aFile('model.json', Buffer.from('{"modelTopology":{}}'));
    const artifact = (
      await user.request(CREATE_ARTIFACT, {
        input: {
          modelId: model.id,
          kind: 'model-json',
          fileName: 'model.json',
          byteSize: file.byteSize,
          sha256: file.sha256,
        },
      })
    ).createArtifact;
    await user.uploadArtifact(artifact.id, file.file, file);

    const token = await anInstanceToken();
    const pool = workerClient(t.url, token);
    const target = path.join(path.dirname(file.file), `download-${artifact.id}`);
    // Before the claim the team's files are out of its reach.
    expect(await failure(pool.downloadArtifact(artifact.id, target))).toMatchObject({
      code: 'NOT_FOUND',
    });
    await owner.gql(SCORE_SOURCE_MODELS, {
      input: { datasetId: dataset.id, modelIds: [model.id] },
    });
    let job = null;
    for (;;) {
      const claimed = (
        await pool.request(CLAIM_SCORE_JOB, {
          input: { workerId: 'pool:score', capabilities: CAPABILITIES },
        })
      ).claimScoreJob;
      if (!claimed || claimed.sourceModel.id === model.id) {
        job = claimed;
        break;
      }
    }
    expect(job).toMatchObject({ teamId, dataset: { id: dataset.id } });
    expect(job!.sourceModel.artifacts.map((a) => a.id)).toEqual([artifact.id]);
    await pool.downloadArtifact(artifact.id, target, file);
    expect(await readFile(target, 'utf8')).toBe('{"modelTopology":{}}');
    await pool.request(COMPLETE_SCORE_JOB, {
      input: {
        scoreId: job!.scoreId,
        leaseToken: job!.leaseToken,
        logMe: -1,
        featureDimension: 8,
        samples: 10,
        seconds: 0.1,
      },
    });
    expect(
      (await owner.gql(SOURCE_MODEL_SCORES, { datasetId: dataset.id })).sourceModelScores[0],
    ).toMatchObject({ status: 'SUCCEEDED', logMe: -1 });
    // Once the job is done, the team's files are out of reach again.
    expect(await failure(pool.downloadArtifact(artifact.id, `${target}-again`))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('stop working once their creator is no instance administrator', async () => {
    const token = await anInstanceToken();
    await t.sql(`UPDATE users SET email = 'demoted@instance.test' WHERE lower(email) = $1`, [
      ADMIN,
    ]);
    try {
      // The credential cache holds a checked token for a moment; a fresh hash is not cached.
      expect(await failure(claim(workerClient(t.url, token), 'x:1'))).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    } finally {
      await t.sql(`UPDATE users SET email = $1 WHERE email = 'demoted@instance.test'`, [ADMIN]);
    }
  });
});

describe('the local worker token', () => {
  it('is an owner-less instance token, kept across starts and replaced when revoked', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'finetrack-home-'));
    const config = { ...loadConfig({ NODE_ENV: 'test' }), finetrackHome: home };
    const logger = pino({ level: 'silent' });
    const file = await ensureLocalWorkerToken(t.server.dataSource, config, logger);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(file, 'utf8')).trim();
    await ensureLocalWorkerToken(t.server.dataSource, config, logger);
    expect((await readFile(file, 'utf8')).trim()).toBe(token);

    await aQueuedExperiment(t.url);
    const run = (await claim(workerClient(t.url, token), 'local:1'))!;
    expect(run).not.toBeNull();
    const [row] = await t.sql('SELECT team_id FROM runs WHERE id = $1', [run.runId]);
    expect(typeof row.team_id).toBe('string');

    await t.sql('UPDATE api_tokens SET revoked_at = now() WHERE user_id IS NULL');
    await ensureLocalWorkerToken(t.server.dataSource, config, logger);
    expect((await readFile(file, 'utf8')).trim()).not.toBe(token);
  });
});
