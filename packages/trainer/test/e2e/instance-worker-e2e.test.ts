import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, setUpTeam } from '../../src/worker/bench/fixture.js';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { makeSourceModel, type SourceModelFiles } from '../support/source-model.js';
import { startWorker, until, type WorkerProcess } from '../support/worker-process.js';

// What `npm start` does with FINETRACK_DEMO=0 on a fresh FINETRACK_HOME: the API writes the local
// worker's (instance) token into the home, and a worker given nothing but the API URL and that
// home runs the runs of teams signed up afterwards, each of them.

describe('the local instance worker', () => {
  let home: string;
  let api: ApiProcess;
  let source: SourceModelFiles;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'finetrack-instance-'));
    await chmod(home, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
    [api, source] = await Promise.all([
      startApi(join(home, 'api')),
      makeSourceModel(join(home, 'source')),
    ]);
  });

  afterAll(async () => {
    await worker?.kill();
    await api?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it("claims and finishes runs of two newly signed-up teams with the home's token", async () => {
    const teams = [
      await setUpTeam(api, source, 'first-team@example.test'),
      await setUpTeam(api, source, 'second-team@example.test'),
    ];
    const experiments: { id: string; runIds: string[] }[] = [];
    for (const team of teams)
      experiments.push(await createExperiment(team, { frozenLayers: [2], learningRates: [0.003] }));
    worker = startWorker(
      ['--api', api.url, '--work-dir', join(home, 'worker'), '--claim-wait', '2'],
      // No token given: the worker reads $FINETRACK_HOME/local-worker.token, as npm start's does.
      {
        FINETRACK_HOME: join(home, 'api'),
        FINETRACK_WORKER_TOKEN: '',
        FINETRACK_WORKER_TOKEN_FILE: '',
      },
    );
    const statuses = async () =>
      Promise.all(
        experiments.map(async (experiment, index) => {
          const { run } = await teams[index].user.gql(
            `query($id: ID!) { run(id: $id) { status resultModelId } }`,
            { id: experiment.runIds[0] },
          );
          return run as { status: string; resultModelId: string | null };
        }),
      );
    await until(
      async () => (await statuses()).every((run) => run.status === 'SUCCEEDED'),
      150_000,
      `both teams' runs to finish:\n${worker.output()}`,
    );
    expect((await statuses()).every((run) => run.resultModelId)).toBe(true);
  });
});
