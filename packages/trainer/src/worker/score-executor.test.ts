import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEASE_LOST, type ClaimedScoreJob, type FailScoreJobInput } from '@finetrack/shared';
import { ApiError, ClientErrorCode } from '@finetrack/shared/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetCache } from './run-inputs.js';
import { executeScoreJob } from './score-executor.js';
import type { WorkerApi } from './worker-api.js';

const job: ClaimedScoreJob = {
  scoreId: 'score-1',
  teamId: 'team-1',
  attempt: 1,
  leaseToken: 'lease-1',
  leaseExpiresAt: '2026-12-02T20:00:00.000Z',
  trainSamples: 50,
  dataset: {
    id: 'dataset-1',
    name: 'digits 5–9',
    spec: { kind: 'mnist', classes: [5, 6, 7, 8, 9], trainSamples: 100, validationSamples: 20 },
    classNames: ['5', '6', '7', '8', '9'],
  },
  sourceModel: {
    id: 'model-1',
    name: 'small-cnn',
    architecture: 'small-cnn',
    inputShape: [28, 28, 1],
    preprocessing: 'UNIT',
    artifacts: [],
  },
};

const leaseLost = () =>
  new ApiError('CONFLICT', 'lease lost', {
    errors: [{ message: 'lease lost', extensions: { code: 'CONFLICT', reason: LEASE_LOST } }],
  });

/** The worker API as the executor sees it: downloads that `download` decides, reports kept. */
function anApi(download: () => Promise<void>, failScore?: () => Promise<void>) {
  const failed: FailScoreJobInput[] = [];
  const completed: unknown[] = [];
  const api = {
    downloadAllCached: download,
    completeScore: async (input: unknown) => void completed.push(input),
    failScore: async (input: FailScoreJobInput) => {
      failed.push(input);
      await failScore?.();
    },
  } as unknown as WorkerApi;
  return { api, failed, completed };
}

let workDir: string;
const lines: string[] = [];
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'finetrack-score-executor-'));
  lines.length = 0;
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

const run = (api: WorkerApi) =>
  executeScoreJob(job, {
    api,
    workDir,
    datasets: new DatasetCache(),
    log: (line) => lines.push(line),
  });

describe('executeScoreJob when scoring goes wrong', () => {
  it('fails the job with a readable sentence when the source files are unusable', async () => {
    // The download "succeeds" with no files: loading the model is what fails.
    const { api, failed, completed } = anApi(async () => undefined);
    expect(await run(api)).toBe('failed');
    expect(completed).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ scoreId: 'score-1', leaseToken: 'lease-1' });
    expect(failed[0]!.error).toMatch(/^The source model's files are unusable/);
  });

  it.each([
    ['drops the job without a report when the lease is gone', leaseLost, 'lease-lost'],
    [
      'leaves the job to a later claim while the API is unreachable',
      () => new ApiError(ClientErrorCode.Network, 'down', { retryable: true }),
      'abandoned',
    ],
  ] as const)('%s', async (_name, error, outcome) => {
    const { api, failed } = anApi(async () => {
      throw error();
    });
    expect(await run(api)).toBe(outcome);
    expect(failed).toEqual([]);
  });

  it('is lease-lost when the failure report finds the lease gone', async () => {
    const { api, failed } = anApi(
      async () => undefined,
      async () => {
        throw leaseLost();
      },
    );
    expect(await run(api)).toBe('lease-lost');
    expect(failed).toHaveLength(1);
  });
});
