import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setUpTeam, type TeamFixture } from '../../src/worker/bench/fixture.js';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { makeSourceModel } from '../support/source-model.js';
import { startWorker, until, type WorkerProcess } from '../support/worker-process.js';

// Issue 15, "which source model": scoring jobs queued through the real API (embedded
// PostgreSQL) and executed by a real finetrack-worker, which downloads the source models and the
// dataset, scores them with LogME, LEEP and NCE, and reports back.

const SCORE = `mutation($input: ScoreSourceModelsInput!) {
  scoreSourceModels(input: $input) { id status } }`;
const SCORES = `query($datasetId: ID!) { sourceModelScores(datasetId: $datasetId) {
  status logMe leep nce featureDimension samples seconds errorMessage trainSamples model { id name } } }`;

interface ScoreRow {
  status: string;
  logMe: number | null;
  leep: number | null;
  nce: number | null;
  featureDimension: number | null;
  samples: number | null;
  seconds: number | null;
  errorMessage: string | null;
  trainSamples: number | null;
  model: { id: string; name: string };
}

describe('scoring jobs executed by a worker process through the API', () => {
  let home: string;
  let api: ApiProcess;
  let team: TeamFixture;
  const workers: WorkerProcess[] = [];

  const worker = (name: string, extra: string[] = []) => {
    const process = startWorker(['--api', api.url, '--work-dir', join(home, name), ...extra], {
      FINETRACK_WORKER_TOKEN: team.workerToken,
    });
    workers.push(process);
    return process;
  };
  const scores = async (datasetId: string): Promise<ScoreRow[]> =>
    (await team.user.gql(SCORES, { datasetId })).sourceModelScores;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'finetrack-score-e2e-'));
    await chmod(home, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
    const [started, source] = await Promise.all([
      startApi(join(home, 'api')),
      makeSourceModel(join(home, 'source')),
    ]);
    api = started;
    team = await setUpTeam(api, source, 'score-e2e@example.test');
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((process) => process.kill()));
  });

  afterAll(async () => {
    await Promise.all(workers.splice(0).map((process) => process.kill()));
    await api?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('scores two source models and reports a broken one as failed', async () => {
    const second = await team.registerSource('small-cnn 0–4 (copy)');
    const broken = await team.registerSource('small-cnn 0–4 (short weights)', true);
    const { scoreSourceModels } = await team.user.gql(SCORE, {
      input: {
        datasetId: team.datasetId,
        modelIds: [team.sourceModelId, second, broken],
        trainSamples: 200,
      },
    });
    expect(scoreSourceModels.map((row: { status: string }) => row.status)).toEqual([
      'QUEUED',
      'QUEUED',
      'QUEUED',
    ]);
    const process = worker('three', ['--max-runs', '3']);
    expect(await process.exited, process.output()).toEqual({ code: 0, signal: null });

    const rows = await scores(team.datasetId);
    const good = rows.filter((row) => row.status === 'SUCCEEDED');
    expect(good.map((row) => row.model.id).sort()).toEqual([team.sourceModelId, second].sort());
    for (const row of good) {
      expect(Number.isFinite(row.logMe), process.output()).toBe(true);
      // small-cnn ends in a softmax over its five source classes: LEEP and NCE are there.
      expect(row.leep).toBeLessThanOrEqual(0);
      expect(row.nce).toBeLessThanOrEqual(0);
      expect(row).toMatchObject({ samples: 200, trainSamples: 200, errorMessage: null });
      expect(row.featureDimension).toBeGreaterThan(0);
    }
    // The same weights score the same.
    expect(good[0]!.logMe).toBeCloseTo(good[1]!.logMe!, 6);
    // Ranked by LogME: the failed job (no LogME) comes last.
    expect(rows.at(-1)).toMatchObject({ status: 'FAILED', model: { id: broken }, logMe: null });
    expect(rows.at(-1)!.errorMessage).toMatch(/source model's files/);
  });

  it('wakes a worker waiting for runs as soon as a scoring job is queued', async () => {
    const process = worker('waiting', ['--claim-wait', '20']);
    await process.waitFor(/worker .* on wasm/);
    const started = Date.now();
    await team.user.gql(SCORE, {
      input: { datasetId: team.datasetId, modelIds: [team.sourceModelId], trainSamples: 100 },
    });
    await until(
      async () =>
        (await scores(team.datasetId)).some(
          (row) => row.trainSamples === 100 && row.status === 'SUCCEEDED',
        ),
      60_000,
      `the score:\n${process.output()}`,
    );
    // Well inside the 20 s the claim would otherwise have waited.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
