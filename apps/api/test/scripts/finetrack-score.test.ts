import { CLAIM_SCORE_JOB, COMPLETE_SCORE_JOB, FAIL_SCORE_JOB } from '@finetrack/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { aDataset, aSourceModel, aTeam, aUser } from '../factories/builders.js';
import { aWorkerToken, CAPABILITIES, workerClient } from '../factories/worker.js';
import { startTestServer } from '../harness.js';
import { aCliSession } from './script-setup.js';

// `finetrack score` and `finetrack scores` against a real API; the test plays the worker that
// scores (claimScoreJob, completeScoreJob, failScoreJob through the real worker protocol).

const session = aCliSession('score', () => startTestServer());
const { finetrack } = session;
let datasetId: string;
let digits: string;
let garments: string;
let worker: ReturnType<typeof workerClient>;

beforeAll(async () => {
  const { client: owner, team } = session.user;
  datasetId = (await aDataset(owner, team.id, { name: 'MNIST digits 5–9' })).id;
  digits = (await aSourceModel(owner, team.id, { name: 'small-cnn on digits' })).id;
  garments = (await aSourceModel(owner, team.id, { name: 'small-cnn on garments' })).id;
  worker = workerClient(session.t.url, await aWorkerToken(owner, team.id));
});

/** Claims queued scoring jobs until one is there, then reports `logMe` for it (or fails it). */
async function scoreOne(logMe: Record<string, number | 'fail'>): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { claimScoreJob: job } = await worker.request(CLAIM_SCORE_JOB, {
      input: { workerId: 'cli-scorer', capabilities: { ...CAPABILITIES, scoreJobs: true } },
    });
    if (job) {
      const value = logMe[job.sourceModel.id];
      if (value === 'fail')
        await worker.request(FAIL_SCORE_JOB, {
          input: { scoreId: job.scoreId, leaseToken: job.leaseToken, error: 'no classifier' },
        });
      else
        await worker.request(COMPLETE_SCORE_JOB, {
          input: {
            scoreId: job.scoreId,
            leaseToken: job.leaseToken,
            logMe: value,
            leep: -1.5,
            nce: -1.4,
            featureDimension: 64,
            samples: 200,
            seconds: 0.4,
          },
        });
      return job.sourceModel.id;
    }
    if (Date.now() > deadline) throw new Error('no scoring job was queued');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('finetrack score', () => {
  it('queues one job per model, --wait follows them, and scores ranks them best first', async () => {
    const waiting = finetrack([
      'score',
      '--dataset',
      datasetId,
      '--model',
      digits,
      '--model',
      garments,
      '--train-samples',
      '200',
      '--wait',
      '--format',
      'json',
    ]);
    const scored = [await scoreOne({ [digits]: -0.7, [garments]: -0.2 })];
    scored.push(await scoreOne({ [digits]: -0.7, [garments]: -0.2 }));
    expect(scored.sort()).toEqual([digits, garments].sort());
    const result = await waiting;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('waiting for 2 scores');
    const printed = JSON.parse(result.stdout) as {
      modelId: string;
      logMe: number;
      status: string;
    }[];
    expect(printed.map((row) => [row.modelId, row.logMe, row.status])).toEqual([
      [garments, -0.2, 'SUCCEEDED'],
      [digits, -0.7, 'SUCCEEDED'],
    ]);

    const table = await finetrack(['scores', datasetId]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^model\s+modelId\s+status\s+logMe/);
    expect(lines[1]).toContain('small-cnn on garments');
    expect(lines[2]).toContain('small-cnn on digits');
    expect(table.stderr).toContain('LogME suggests: small-cnn on garments');
  });

  it('exits 1 with the reason when a score fails under --wait', async () => {
    const waiting = finetrack(['score', '--dataset', datasetId, '--model', digits, '--wait']);
    await scoreOne({ [digits]: 'fail' });
    const result = await waiting;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 score failed: small-cnn on digits: no classifier');
  });

  it('refuses bad input with the API’s error and queues nothing', async () => {
    const before = await session.t.sql<{ n: string }>(
      'SELECT count(*) AS n FROM source_model_scores',
    );
    const { client: stranger } = await aUser(session.t.url);
    const theirs = (await aSourceModel(stranger, (await aTeam(stranger)).id)).id;
    const foreign = await finetrack(['score', '--dataset', datasetId, '--model', theirs]);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toMatch(/NOT_FOUND|not found/i);
    const none = await finetrack(['score', '--dataset', datasetId]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--model is required');
    const tooFew = await finetrack([
      'score',
      '--dataset',
      datasetId,
      '--model',
      digits,
      '--train-samples',
      'many',
    ]);
    expect(tooFew.code).toBe(2);
    expect(tooFew.stderr).toContain('--train-samples must be an integer');
    expect(
      await session.t.sql<{ n: string }>('SELECT count(*) AS n FROM source_model_scores'),
    ).toEqual(before);
  });
});
