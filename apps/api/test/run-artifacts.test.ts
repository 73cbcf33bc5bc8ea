import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSourceModel, aTeam, aUser } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aQueuedExperiment, claim, upload } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    artifactDir: await mkdtemp(path.join(tmpdir(), 'finetrack-artifacts-')),
  });
});
afterAll(async () => {
  await t?.stop();
});

const FIELDS = 'id kind fileName byteSize sha256 createdAt runId modelId';
const RUN_ARTIFACTS = `query($id: ID!) { run(id: $id) { id artifacts { ${FIELDS} } } }`;
const MODEL_ARTIFACTS = `query($id: ID!) { model(id: $id) { id artifacts { ${FIELDS} } } }`;
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A pending artifact: announced by a member, never uploaded. */
async function announce(client: ApiClient, owner: { runId: string } | { modelId: string }) {
  const bytes = Buffer.from('never sent');
  const data = await client.gql(CREATE, {
    input: {
      ...owner,
      kind: 'log',
      fileName: 'pending.txt',
      byteSize: bytes.length,
      sha256: sha256(bytes),
    },
  });
  return data.createArtifact.id as string;
}

describe('Run.artifacts and Model.artifacts', () => {
  it('lists a run’s stored files oldest first, leaves pending ones out, and stays team-scoped', async () => {
    const { owner, worker } = await aQueuedExperiment(t.url);
    const run = (await claim(worker))!;
    expect(run).toBeTruthy();

    const empty = await owner.gql(RUN_ARTIFACTS, { id: run.runId });
    expect(empty.run.artifacts).toEqual([]);

    const json = Buffer.from('{"epoch":1}');
    const bin = Buffer.alloc(32, 9);
    const first = await upload(worker, run, 'checkpoint-json', 'checkpoint.json', json);
    const second = await upload(worker, run, 'checkpoint-bin', 'checkpoint.bin', bin);
    const pending = await announce(owner, { runId: run.runId });

    const data = await owner.gql(RUN_ARTIFACTS, { id: run.runId });
    expect(data.run.artifacts).toEqual([
      {
        id: first.id,
        kind: 'checkpoint-json',
        fileName: 'checkpoint.json',
        byteSize: json.length,
        sha256: sha256(json),
        createdAt: expect.any(String),
        runId: run.runId,
        modelId: null,
      },
      {
        id: second.id,
        kind: 'checkpoint-bin',
        fileName: 'checkpoint.bin',
        byteSize: bin.length,
        sha256: sha256(bin),
        createdAt: expect.any(String),
        runId: run.runId,
        modelId: null,
      },
    ]);
    const ids = (data.run.artifacts as { id: string }[]).map((artifact) => artifact.id);
    expect(ids).not.toContain(pending);

    const outsider = (await aUser(t.url)).client;
    await aTeam(outsider);
    const response = await outsider.request(RUN_ARTIFACTS, { id: run.runId });
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(response.errors?.[0]?.extensions?.code);
    expect(response.data?.run ?? null).toBeNull();
  });

  it('lists a model’s stored files, not pending ones', async () => {
    const { client: owner } = await aUser(t.url);
    const team = await aTeam(owner);
    const model = await aSourceModel(owner, team.id);
    const bytes = Buffer.from('weights');
    const data = await owner.gql(CREATE, {
      input: {
        modelId: model.id,
        kind: 'weights',
        fileName: 'weights.bin',
        byteSize: bytes.length,
        sha256: sha256(bytes),
      },
    });
    const id = data.createArtifact.id as string;
    const put = await fetch(`${t.url}/artifacts/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', cookie: owner.cookie! },
      body: bytes,
    });
    await put.text();
    expect(put.status).toBe(201);
    await announce(owner, { modelId: model.id });

    const listed = await owner.gql(MODEL_ARTIFACTS, { id: model.id });
    expect(listed.model.artifacts).toEqual([
      expect.objectContaining({ id, fileName: 'weights.bin', byteSize: bytes.length }),
    ]);
  });
});
