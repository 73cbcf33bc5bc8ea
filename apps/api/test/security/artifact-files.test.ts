import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anExperiment, aTeam, aUser, runIds } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;
let owner: ApiClient;

beforeAll(async () => {
  t = await startTestServer();
  owner = (await aUser(t.url)).client;
});
afterAll(async () => {
  await t?.stop();
});

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`;

/** An artifact of a run or model, its bytes stored; its file's key in the store. */
async function aStoredArtifact(teamId: string, owned: { runId?: string; modelId?: string }) {
  const bytes = Buffer.from(`weights of ${JSON.stringify(owned)}`);
  const data = await owner.gql(CREATE, {
    input: {
      ...owned,
      kind: 'weights',
      fileName: 'weights.bin',
      byteSize: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    },
  });
  const id = data.createArtifact.id as string;
  const put = await fetch(`${t.url}/artifacts/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', cookie: owner.cookie! },
    body: bytes,
  });
  expect(put.status).toBe(201);
  return `${teamId}/${id}`;
}

/** Whether the store has the file; the stream opened to tell is closed unread at once. */
async function fileExists(key: string): Promise<boolean> {
  const opened = await t.server.services.store.open(key);
  if (!opened) return false;
  opened.stream.on('error', () => undefined); // the file may go while the stream opens
  opened.stream.destroy();
  return true;
}

async function until(ready: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A team with a project, an experiment, its runs and its source model, each with a file. */
async function aTeamWithFiles() {
  const team = await aTeam(owner);
  const made = await anExperiment(owner, team.id);
  const [runId] = await runIds(owner, made.experiment.id);
  return {
    team,
    made,
    runId,
    runFile: await aStoredArtifact(team.id, { runId }),
    modelFile: await aStoredArtifact(team.id, { modelId: made.model.id as string }),
  };
}

describe('deleting what owns artifacts deletes their files', () => {
  it.each([
    ['a run', 'deleteRun', (s: Awaited<ReturnType<typeof aTeamWithFiles>>) => s.runId, ['runFile']],
    [
      'an experiment',
      'deleteExperiment',
      (s: Awaited<ReturnType<typeof aTeamWithFiles>>) => s.made.experiment.id as string,
      ['runFile'],
    ],
    [
      'a project',
      'deleteProject',
      (s: Awaited<ReturnType<typeof aTeamWithFiles>>) => s.made.project.id as string,
      ['runFile'],
    ],
    [
      'a team',
      'deleteTeam',
      (s: Awaited<ReturnType<typeof aTeamWithFiles>>) => s.team.id,
      ['runFile', 'modelFile'],
    ],
  ] as const)('%s', async (_name, mutation, idOf, gone) => {
    const setup = await aTeamWithFiles();
    expect(await fileExists(setup.runFile)).toBe(true);
    await owner.gql(`mutation($id: ID!) { ${mutation}(id: $id) }`, { id: idOf(setup) });
    for (const file of gone) await until(async () => !(await fileExists(setup[file])));
    const [{ queued }] = await t.sql<{ queued: number }>(
      'SELECT count(*)::int AS queued FROM artifact_deletions',
    );
    expect(queued).toBe(0);
    // What was not deleted keeps its file (the team's model outlives a project).
    if (!gone.includes('modelFile' as never)) expect(await fileExists(setup.modelFile)).toBe(true);
  });

  it('a model with no experiment using it', async () => {
    const team = await aTeam(owner);
    const made = await anExperiment(owner, team.id);
    await owner.gql(`mutation($id: ID!) { deleteExperiment(id: $id) }`, {
      id: made.experiment.id,
    });
    const file = await aStoredArtifact(team.id, { modelId: made.model.id as string });
    await owner.gql(`mutation($id: ID!) { deleteModel(id: $id) }`, { id: made.model.id });
    await until(async () => !(await fileExists(file)));
  });

  it('after a crash between the commit and the removal, the sweep removes the file', async () => {
    const setup = await aTeamWithFiles();
    // As if the API died right after the commit: the row is gone, its file still queued.
    await t.server.services.events.stop();
    await owner.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: setup.runId });
    expect(await fileExists(setup.runFile)).toBe(true);
    const [{ artifacts }] = await t.sql<{ artifacts: number }>(
      'SELECT count(*)::int AS artifacts FROM artifacts WHERE run_id = $1',
      [setup.runId],
    );
    expect(artifacts).toBe(0); // never a row pointing at a missing file
    await t.server.services.scheduler.reap();
    expect(await fileExists(setup.runFile)).toBe(false);
  });
});
