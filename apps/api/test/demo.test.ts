import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_WORKER_TOKEN_FILE } from '@finetrack/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
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
    expect(await counts()).toEqual({ users: 1, teams: 1, pretrain: 1, finetune: 21, tokens: 1 });
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
    expect(await claim(worker)).toBeNull();

    const second = await seed();
    expect(second).toMatchObject({
      created: false,
      password: undefined,
      teamId: first.teamId,
      experimentId: first.experimentId,
    });
    expect(await counts()).toEqual({ users: 1, teams: 1, pretrain: 1, finetune: 21, tokens: 1 });
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(token);

    // A lost token file is replaced, nothing else.
    await rm(tokenFile);
    await seed();
    expect((await counts()).tokens).toBe(2);
    expect((await readFile(tokenFile, 'utf8')).trim()).not.toBe(token);
  });
});
