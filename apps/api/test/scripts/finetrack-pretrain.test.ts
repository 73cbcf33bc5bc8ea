import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aDataset, aTeam, aUser } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { aCompletion, aWorkerToken, claim, upload, workerClient } from '../factories/worker.js';
import { startTestServer, type TestServer } from '../harness.js';
import { cleanEnv, CREATE_TOKEN, FINETRACK_BIN, runProcess } from './script-setup.js';
import { COMPLETE_RUN, type CompleteRunInput } from '@finetrack/shared';

// `finetrack pretrain` against a real API; the test plays the worker that trains the model.

let t: TestServer;
let folder: string;
let owner: ApiClient;
let teamId: string;
let datasetId: string;
let env: NodeJS.ProcessEnv;
let worker: ReturnType<typeof workerClient>;

beforeAll(async () => {
  t = await startTestServer();
  folder = await mkdtemp(join(tmpdir(), 'finetrack-pretrain-'));
  ({ client: owner } = await aUser(t.url));
  teamId = (await aTeam(owner)).id;
  datasetId = (await aDataset(owner, teamId, { name: 'MNIST digits 0–4' })).id;
  const token = (await owner.gql(CREATE_TOKEN, { input: { name: 'script' } })).createApiToken.token;
  env = cleanEnv({
    FINETRACK_CONFIG_DIR: join(folder, 'config'),
    FINETRACK_API: t.url,
    FINETRACK_TOKEN: token as string,
  });
  worker = workerClient(t.url, await aWorkerToken(owner, teamId));
});
afterAll(async () => {
  await t?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const finetrack = (args: string[]) =>
  runProcess(process.execPath, [FINETRACK_BIN, ...args], { env, cwd: folder });
const pretrainArgs = (...extra: string[]) => [
  'pretrain',
  '--team',
  teamId,
  '--architecture',
  'small-cnn',
  '--dataset',
  datasetId,
  ...extra,
];
const runCount = async () =>
  Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM runs`))[0].n);

async function claimSoon() {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const run = await claim(worker);
    if (run) return run;
    if (Date.now() > deadline) throw new Error('no pretraining run was queued');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('finetrack pretrain', () => {
  it('queues a pretraining run with the given hyperparameters; --json prints it last', async () => {
    const result = await finetrack(
      pretrainArgs(
        '--epochs',
        '2',
        '--learning-rate',
        '0.003',
        '--batch-size',
        '16',
        '--seed',
        '7',
        '--json',
      ),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const run = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(run).toMatchObject({
      kind: 'PRETRAIN',
      status: 'QUEUED',
      epochs: 2,
      learningRate: 0.003,
      batchSize: 16,
      seed: 7,
    });
    const [row] = await t.sql(
      `SELECT r.kind, r.status, m.name FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = $1`,
      [run.id],
    );
    expect(row).toEqual({
      kind: 'pretrain',
      status: 'queued',
      name: 'small-cnn on MNIST digits 0–4',
    });
    // Take it off the queue so the next test's worker claims its own run.
    expect((await claimSoon()).runId).toBe(run.id);
  });

  it('--wait follows the run to its end and prints the model it made', async () => {
    const waiting = finetrack(pretrainArgs('--name', 'my source', '--epochs', '1', '--wait'));
    const run = await claimSoon();
    expect(run).toMatchObject({ kind: 'PRETRAIN', targetModelName: 'my source' });
    const json = await upload(worker, run, 'model-json', 'model.json', Buffer.from('{}'));
    const bin = await upload(worker, run, 'weights', 'weights.bin', Buffer.alloc(8));
    const done = await worker.request(COMPLETE_RUN, {
      input: aCompletion(run, [json.id, bin.id]) as CompleteRunInput,
    });
    const result = await waiting;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([run.runId, done.completeRun.model!.id]);
    expect(result.stderr).toContain('succeeded');
  });

  it('--wait exits 1 when the run is cancelled', async () => {
    const waiting = finetrack(pretrainArgs('--wait', '--json'));
    const run = await claimSoon();
    await owner.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: run.runId });
    const result = await waiting;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      id: run.runId,
      status: 'CANCELLED',
    });
    expect(result.stderr).toContain('the pretraining run cancelled');
  });

  it.each([
    ['an unknown architecture', ['--architecture', 'alexnet'], 2, '--architecture must be one of'],
    ['no dataset', ['--dataset', ''], 2, '--dataset is required'],
    ['zero epochs', ['--epochs', '0'], 2, '--epochs'],
    ['too many epochs', ['--epochs', '100000'], 2, '--epochs'],
    ['a negative learning rate', ['--learning-rate', '-1'], 2, '--learning-rate'],
    ['a batch size over the limit', ['--batch-size', '5000'], 2, '--batch-size'],
    ['a negative seed', ['--seed', '-3'], 2, '--seed'],
    ['another team’s dataset', ['--dataset', 'OTHER'], 4, 'NOT_FOUND'],
  ])('refuses %s and queues nothing', async (_name, extra, code, message) => {
    let args = [...pretrainArgs(), ...extra];
    if (extra.includes('OTHER')) {
      const { client: stranger } = await aUser(t.url);
      const theirs = await aDataset(stranger, (await aTeam(stranger)).id);
      args = args.map((value) => (value === 'OTHER' ? theirs.id : value));
    }
    const before = await runCount();
    const result = await finetrack(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(await runCount()).toBe(before);
  });
});
