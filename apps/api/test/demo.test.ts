import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_WORKER_TOKEN_FILE } from '@finetrack/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { whenDemoFinishes, type DemoDuration } from '../src/demo/demo-duration.js';
import { queueDemoScores, DEMO_SCORE_SAMPLES } from '../src/demo/demo-scores.js';
import { demoBanner, seedDemo } from '../src/demo/seed.js';
import { claim, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
let config: Config;

beforeAll(async () => {
  t = await startTestServer();
  config = loadConfig({
    NODE_ENV: 'test',
    FINETRACK_HOME: await mkdtemp(path.join(tmpdir(), 'finetrack-demo-')),
    FINETRACK_DEMO_EMAIL: 'demo@example.test',
  });
});
afterAll(async () => {
  await t?.stop();
});

const seed = () => seedDemo(t.server.dataSource, t.server.services, config, t.server.logger);
const counts = async () =>
  (
    await t.sql(`SELECT (SELECT count(*) FROM users)::int AS users,
                        (SELECT count(*) FROM teams)::int AS teams,
                        (SELECT count(*) FROM runs WHERE kind = 'pretrain')::int AS pretrain,
                        (SELECT count(*) FROM runs WHERE kind = 'finetune')::int AS finetune,
                        (SELECT count(*) FROM api_tokens)::int AS tokens`)
  )[0];

describe('demo seed', () => {
  it('seeds once, writes a 0600 worker token, and seeds nothing on a second start', async () => {
    const first = await seed();
    expect(first).toMatchObject({ created: true, email: 'demo@example.test' });
    expect(first.password).toBeTruthy();
    expect(await counts()).toEqual({ users: 1, teams: 1, pretrain: 2, finetune: 21, tokens: 1 });
    const tokenFile = path.join(config.finetrackHome, LOCAL_WORKER_TOKEN_FILE);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(demoBanner(first, 'http://localhost:3000')).toContain(
      `http://localhost:3000/experiments/${first.experimentId}`,
    );

    // The local worker's first job is the pretraining; fine-tuning waits for it.
    const worker = workerClient(t.url, token);
    const run = (await claim(worker))!;
    expect(run).toMatchObject({ kind: 'PRETRAIN', architecture: 'small-cnn' });
    expect(run.dataset.spec).toMatchObject({ kind: 'mnist', classes: [0, 1, 2, 3, 4] });
    // Then the second source, on garments; nothing else until a pretraining completes.
    const garments = (await claim(worker, 'local:2'))!;
    expect(garments).toMatchObject({ kind: 'PRETRAIN', architecture: 'small-cnn' });
    expect(garments.dataset.spec).toMatchObject({
      kind: 'fashion-mnist',
      classes: [0, 1, 2, 3, 4],
    });
    expect(await claim(worker, 'local:3')).toBeNull();

    const second = await seed();
    expect(second).toMatchObject({
      created: false,
      password: undefined,
      teamId: first.teamId,
      experimentId: first.experimentId,
    });
    expect(await counts()).toEqual({ users: 1, teams: 1, pretrain: 2, finetune: 21, tokens: 1 });
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(token);

    // A lost token file is replaced, nothing else.
    await rm(tokenFile);
    await seed();
    expect((await counts()).tokens).toBe(2);
    expect((await readFile(tokenFile, 'utf8')).trim()).not.toBe(token);
  });

  it('reports how long the demo took once its last run has ended, once', async () => {
    const { teamId } = await seed();
    const reports: DemoDuration[] = [];
    const stop = await whenDemoFinishes(
      t.server.dataSource,
      t.server.services.events,
      teamId,
      (d) => reports.push(d),
    );
    const [last] = (await t.sql(
      `SELECT id, experiment_id FROM runs WHERE team_id = $1 ORDER BY created_at DESC, id LIMIT 1`,
      [teamId],
    )) as { id: string; experiment_id: string }[];
    const ended = (id: string, status: string) =>
      t.server.services.events.publish({
        type: 'run',
        runId: id,
        experimentId: last.experiment_id,
        teamId,
        status,
      });
    await t.sql(
      `UPDATE runs SET status = 'succeeded', finished_at = created_at + interval '150 seconds'
        WHERE team_id = $1 AND id <> $2`,
      [teamId, last.id],
    );
    await ended(last.id, 'running');
    const [other] = (await t.sql(`SELECT id FROM runs WHERE team_id = $1 AND id <> $2 LIMIT 1`, [
      teamId,
      last.id,
    ])) as { id: string }[];
    await ended(other.id, 'succeeded');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reports).toEqual([]); // one run is still open

    await t.sql(
      `UPDATE runs SET status = 'failed', finished_at = now() + interval '1 second' WHERE id = $1`,
      [last.id],
    );
    await ended(last.id, 'failed');
    await ended(last.id, 'failed');
    for (let i = 0; i < 100 && reports.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ runs: 23, succeeded: 22 });
    expect(reports[0].seconds).toBeGreaterThan(150);
    stop();
    // A later start finds the demo finished and reports nothing.
    const again: DemoDuration[] = [];
    await whenDemoFinishes(t.server.dataSource, t.server.services.events, teamId, (d) =>
      again.push(d),
    );
    await ended(last.id, 'failed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(again).toEqual([]);
  });

  it('queues LogME of both sources on the target once both are trained, once', async () => {
    const { teamId, experimentId } = await seed();
    const scores = t.server.services.scores;
    const queue = () => queueDemoScores(t.server.dataSource, scores, teamId, experimentId!);
    expect(await queue()).toBe(false); // still being pretrained
    expect(await t.sql('SELECT 1 FROM source_model_scores')).toEqual([]);
    await t.sql(`UPDATE models SET status = 'ready' WHERE team_id = $1 AND kind = 'source'`, [
      teamId,
    ]);
    expect(await queue()).toBe(true);
    expect(await queue()).toBe(true);
    const rows = (await t.sql(
      `SELECT m.name, s.train_samples, s.status FROM source_model_scores s
         JOIN models m ON m.id = s.model_id
         JOIN experiments e ON e.target_dataset_id = s.dataset_id AND e.id = $1
        ORDER BY m.name`,
      [experimentId],
    )) as { name: string; train_samples: number; status: string }[];
    expect(rows).toEqual([
      {
        name: 'small-cnn · Fashion-MNIST 0–4',
        train_samples: DEMO_SCORE_SAMPLES,
        status: 'queued',
      },
      { name: 'small-cnn · MNIST 0–4', train_samples: DEMO_SCORE_SAMPLES, status: 'queued' },
    ]);
  });
});
