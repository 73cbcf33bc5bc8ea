import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, setUpTeam, type TeamFixture } from '../../src/worker/bench/fixture.js';
import { startApi, UserSession, type ApiProcess } from '../support/api-process.js';
import { makeSourceModel, type SourceModelFiles } from '../support/source-model.js';
import { startWorker, until, type WorkerProcess } from '../support/worker-process.js';

// The whole path: the real API (its own embedded PostgreSQL, pg-boss queue, leases, artifacts)
// as a child process and real finetrack-worker processes. A 4 s lease keeps resume tests short.

const LEASE_SECONDS = 4;
const RUN_FIELDS =
  'id status attempts errorMessage backend device checkpointEpoch resultModelId initialization';

interface RunRow {
  id: string;
  status: string;
  initialization: string;
  attempts: number;
  errorMessage: string | null;
  backend: string | null;
  device: string | null;
  checkpointEpoch: number | null;
  resultModelId: string | null;
}

describe('runs executed by worker processes through the API', () => {
  let home: string;
  let api: ApiProcess;
  let source: SourceModelFiles;
  let user: UserSession;
  let workerToken: string;
  let teamId: string;
  let datasetId: string;
  let sourceModelId: string;
  let team: TeamFixture;
  const workers: WorkerProcess[] = [];

  const worker = (name: string, extra: string[] = []) => {
    const process = startWorker(
      ['--api', api.url, '--work-dir', join(home, 'workers', name), '--claim-wait', '2', ...extra],
      { FINETRACK_WORKER_TOKEN: workerToken },
    );
    workers.push(process);
    return process;
  };

  /** An experiment from a sweep, with its runs' rows. */
  async function experiment(
    sweep: Record<string, unknown>,
    dataset = datasetId,
    model = sourceModelId,
  ): Promise<{ id: string; runs: RunRow[] }> {
    const { id } = await createExperiment(team, sweep, {
      datasetId: dataset,
      sourceModelId: model,
    });
    return { id, runs: await runs(id) };
  }

  async function runs(experimentId: string): Promise<RunRow[]> {
    const { runs } = await user.gql(
      `query($id: ID!) { runs(experimentId: $id, first: 100) { nodes { ${RUN_FIELDS} } } }`,
      { id: experimentId },
    );
    return runs.nodes;
  }

  async function run(id: string): Promise<RunRow> {
    return (await user.gql(`query($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`, { id })).run;
  }

  /** Steps of each key, ascending, as the API stores them (down-sampling off: few points). */
  async function steps(runId: string, keys: string[]): Promise<Record<string, number[]>> {
    const { metrics } = await user.gql(
      `query($runIds: [ID!]!, $keys: [String!]!) {
         metrics(runIds: $runIds, keys: $keys, maxPoints: 5000) { key steps }
       }`,
      { runIds: [runId], keys },
    );
    const result: Record<string, number[]> = Object.fromEntries(keys.map((key) => [key, []]));
    for (const series of metrics as { key: string; steps: number[] }[])
      result[series.key] = series.steps;
    return result;
  }

  /** One point per epoch at its last step; `batch_loss` every 5 steps; nothing twice. */
  async function expectContiguous(runId: string, epochs: number, stepsPerEpoch: number) {
    const got = await steps(runId, ['val_accuracy', 'loss', 'batch_loss']);
    const epochSteps = Array.from({ length: epochs }, (_, i) => (i + 1) * stepsPerEpoch);
    expect(got.val_accuracy).toEqual(epochSteps);
    expect(got.loss).toEqual(epochSteps);
    expect(got.batch_loss).toEqual(
      Array.from({ length: Math.floor((epochs * stepsPerEpoch) / 5) }, (_, i) => (i + 1) * 5),
    );
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'finetrack-e2e-'));
    await chmod(home, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
    const [started, model] = await Promise.all([
      startApi(join(home, 'api'), { env: { RUN_LEASE_SECONDS: String(LEASE_SECONDS) } }),
      makeSourceModel(join(home, 'source')),
    ]);
    api = started;
    source = model;
    team = await setUpTeam(api, source);
    ({ user, workerToken, teamId, datasetId, sourceModelId } = team);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((process) => process.kill()));
  });

  afterAll(async () => {
    await Promise.all(workers.splice(0).map((process) => process.kill()));
    await api?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('executes a 4-run sweep with two worker processes; the grid shows every cell', async () => {
    const { id, runs: created } = await experiment({
      frozenLayers: [2],
      learningRates: [0.001, 0.003, 0.01],
      includeScratchBaseline: true,
    });
    expect(created).toHaveLength(4);
    expect(created.every((row) => row.status === 'QUEUED')).toBe(true);
    const process = worker('sweep', ['--concurrency', '2']);
    await until(
      async () => (await runs(id)).every((row) => row.status === 'SUCCEEDED'),
      150_000,
      `the sweep to finish:\n${process.output()}`,
    );
    const finished = await runs(id);
    expect(finished.every((row) => row.backend === 'wasm' && row.resultModelId)).toBe(true);
    const { experiment: withGrid } = await user.gql(
      `query($id: ID!) { experiment(id: $id) {
         grid(metric: "val_accuracy", summary: LAST) {
           cells { frozenLayers learningRate runCount totalRuns mean }
           scratch { runCount totalRuns }
         } } }`,
      { id },
    );
    expect(withGrid.grid.cells).toHaveLength(3);
    for (const cell of withGrid.grid.cells)
      expect(cell).toMatchObject({ runCount: 1, totalRuns: 1, mean: expect.any(Number) });
    expect(withGrid.grid.scratch).toMatchObject({ runCount: 1, totalRuns: 1 });
    const { models } = await user.gql(
      `query($teamId: ID!, $parent: ID!) {
         models(teamId: $teamId, filter: { kind: TARGET, parentModelId: $parent }, first: 50) {
           nodes { id surgery { frozenLayers initialization } }
         } }`,
      { teamId, parent: sourceModelId },
    );
    // Three fine-tuned from the source; the scratch baseline's model is no child of it.
    expect(models.nodes).toHaveLength(3);
    const scratchRun = finished.find((row) => row.initialization === 'SCRATCH')!;
    const { model: scratchModel } = await user.gql(
      `query($id: ID!) { model(id: $id) { parentModelId surgery { frozenLayers } } }`,
      { id: scratchRun.resultModelId },
    );
    expect(scratchModel).toEqual({ parentModelId: null, surgery: null });
    process.child.kill('SIGTERM');
    expect(await process.exited).toEqual({ code: 0, signal: null });
  });

  it('kill -9 mid-run: another worker resumes it; one contiguous series without duplicates', async () => {
    const {
      runs: [target],
    } = await experiment({ frozenLayers: [0], learningRates: [0.001], epochs: 3 });
    const first = worker('kill-a');
    await until(
      async () => ((await run(target.id)).checkpointEpoch ?? 0) >= 1,
      90_000,
      'a checkpoint',
    );
    await first.kill();
    const second = worker('kill-b', ['--max-runs', '1']);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const done = await run(target.id);
    expect(done, second.output()).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(second.output()).toMatch(/resuming after epoch [12]/);
    await expectContiguous(target.id, 3, 10);
  });

  it('SIGTERM requeues the run, which then finishes elsewhere', async () => {
    const {
      runs: [target],
    } = await experiment({ frozenLayers: [0], learningRates: [0.001], epochs: 3 });
    const first = worker('term-a');
    await until(
      async () => (await steps(target.id, ['batch_loss'])).batch_loss.length >= 2,
      90_000,
      'training',
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/released to the queue/);
    expect((await run(target.id)).status).toBe('QUEUED');
    const second = worker('term-b', ['--max-runs', '1']);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect((await run(target.id)).status).toBe('SUCCEEDED');
    await expectContiguous(target.id, 3, 10);
  });

  it('cancelRun stops the run within one heartbeat', async () => {
    const {
      runs: [target],
    } = await experiment({ frozenLayers: [0], learningRates: [0.001], epochs: 30 });
    const process = worker('cancel');
    await until(
      async () => (await steps(target.id, ['batch_loss'])).batch_loss.length >= 1,
      90_000,
      'training',
    );
    const at = Date.now();
    await user.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: target.id });
    await process.waitFor(new RegExp(`run ${target.id}: cancelled`), 15_000);
    // heartbeatSeconds = lease / 3, rounded down: 1 s here; allow for the request itself.
    expect(Date.now() - at).toBeLessThan(1000 * Math.floor(LEASE_SECONDS / 3) + 2500);
    expect((await run(target.id)).status).toBe('CANCELLED');
  });

  it('a corrupt source model fails with a readable error and does not block the queue', async () => {
    const corruptModel = await team.registerSource('corrupt small-cnn', true);
    const broken = await experiment(
      { frozenLayers: [2], learningRates: [0.001] },
      datasetId,
      corruptModel,
    );
    const fine = await experiment({ frozenLayers: [2], learningRates: [0.001] });
    const process = worker('corrupt', ['--max-runs', '2']);
    expect(await process.exited).toEqual({ code: 0, signal: null });
    const failed = await run(broken.runs[0].id);
    expect(failed.status).toBe('FAILED');
    expect(failed.errorMessage).toMatch(
      /source model's files are unusable \(WEIGHT_SIZE_MISMATCH\)/,
    );
    expect((await run(fine.runs[0].id)).status).toBe('SUCCEEDED');
  });

  it('the API restarted during a run loses no metric', async () => {
    const {
      runs: [target],
    } = await experiment({ frozenLayers: [0], learningRates: [0.001], epochs: 3 });
    const process = worker('restart', ['--max-runs', '1']);
    await until(
      async () => (await steps(target.id, ['batch_loss'])).batch_loss.length >= 1,
      90_000,
      'training',
    );
    await api.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    api = await startApi(join(home, 'api'), {
      port: api.port,
      env: { RUN_LEASE_SECONDS: String(LEASE_SECONDS) },
    });
    expect(await process.exited).toEqual({ code: 0, signal: null });
    expect((await run(target.id)).status, process.output()).toBe('SUCCEEDED');
    await expectContiguous(target.id, 3, 10);
  });

  it('a worker token reaches only the worker operations of its own team', async () => {
    const asWorker = new UserSession(api.url, workerToken);
    for (const query of [
      `query { me { id } }`,
      `query { teams { nodes { id } } }`,
      `mutation { logIn(input: { email: "e2e@example.test", password: "correct horse battery" }) { id } }`,
      `mutation { createApiToken(input: { name: "more" }) { token } }`,
      `query($id: ID!) { experiment(id: $id) { id } }`,
    ]) {
      const result = await asWorker.request(query, { id: '00000000-0000-0000-0000-000000000000' });
      expect(result.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
    // Another team's model file is invisible to this team's worker.
    const other = new UserSession(api.url);
    await other.gql(
      `mutation { signUp(input: { email: "other@example.test", password: "correct horse battery", name: "Other" }) { id } }`,
    );
    const otherTeam = (await other.gql(`mutation { createTeam(input: { name: "Other" }) { id } }`))
      .createTeam.id;
    const { createModel } = await other.gql(
      `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
      {
        input: {
          teamId: otherTeam,
          name: 'theirs',
          kind: 'SOURCE',
          architecture: 'small-cnn',
          inputShape: [28, 28, 1],
          layers: [],
          totalParams: 0,
          trainableParams: 0,
        },
      },
    );
    const bytes = Buffer.from('secret weights');
    const { createArtifact } = await other.gql(
      `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
      {
        input: {
          modelId: createModel.id,
          kind: 'weights',
          fileName: 'weights.bin',
          byteSize: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
      },
    );
    const put = await fetch(`${api.url}/artifacts/${createArtifact.id}`, {
      method: 'PUT',
      headers: { cookie: other.cookie!, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(201);
    const stolen = await fetch(`${api.url}/artifacts/${createArtifact.id}`, {
      headers: { authorization: `Bearer ${workerToken}` },
    });
    expect(stolen.status).toBe(404);
  });
});
