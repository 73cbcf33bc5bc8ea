import { createHash } from 'node:crypto';
import { readdir, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSourceModel, aTeam, aUser } from './factories/builders.js';
import type { ApiClient, Loose } from './factories/client.js';
import { aQueuedExperiment, claim, upload } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

const MAX_BYTES = 100_000;
let t: TestServer;
let artifactDir: string;
let owner: ApiClient;
let teamId: string;
let modelId: string;

beforeAll(async () => {
  artifactDir = await mkdtemp(path.join(tmpdir(), 'finetrack-artifacts-'));
  t = await startTestServer({ artifactDir, artifactMaxBytes: MAX_BYTES });
  owner = (await aUser(t.url)).client;
  teamId = (await aTeam(owner)).id;
  modelId = (await aSourceModel(owner, teamId)).id;
});
afterAll(async () => {
  await t?.stop();
});

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id fileName byteSize sha256 } }`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function announce(bytes: Buffer, client = owner, overrides: object = {}) {
  const data = await client.gql(CREATE, {
    input: {
      modelId,
      kind: 'weights',
      fileName: 'weights.bin',
      byteSize: bytes.length,
      sha256: sha256(bytes),
      ...overrides,
    },
  });
  return data.createArtifact.id as string;
}

async function put(id: string, body: Buffer, client: ApiClient | null = owner, headers = {}) {
  const response = await fetch(`${t.url}/artifacts/${id}`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/octet-stream',
      ...(client?.cookie ? { cookie: client.cookie } : {}),
      ...headers,
    },
    body,
  });
  const text = await response.text();
  return Object.assign(response, { json: async () => JSON.parse(text) as unknown });
}

/** A GET whose body is read to the end (an unread body keeps the connection busy). */
async function get(id: string, client: ApiClient | null = owner, headers = {}) {
  const response = await fetch(`${t.url}/artifacts/${id}`, {
    headers: { ...(client?.cookie ? { cookie: client.cookie } : {}), ...headers },
  });
  const body = Buffer.from(await response.arrayBuffer());
  return Object.assign(response, { bytes: body });
}

const status = async (id: string) =>
  (await t.sql('SELECT status FROM artifacts WHERE id = $1', [id]))[0]?.status;

async function stored(): Promise<string[]> {
  const teams = await readdir(artifactDir).catch(() => [] as string[]);
  const files: string[] = [];
  for (const team of teams.filter((name) => !name.startsWith('.')))
    for (const file of await readdir(path.join(artifactDir, team))) files.push(file);
  return files;
}

describe('PUT and GET /artifacts/:id', () => {
  it('stores matching bytes, answers a repeated PUT with 200 and streams them back', async () => {
    const bytes = Buffer.from('the weights of a small CNN');
    const id = await announce(bytes);
    expect(await status(id)).toBe('pending');
    expect((await get(id)).status).toBe(404);
    const first = await put(id, bytes);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id, byteSize: bytes.length, sha256: sha256(bytes) });
    expect((await put(id, bytes)).status).toBe(200);
    const download = await get(id);
    expect(download.status).toBe(200);
    expect(download.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(download.headers.get('content-length')).toBe(String(bytes.length));
    expect(download.bytes).toEqual(bytes);
    expect(await stored()).toContain(id);
  });

  it('keeps nothing of an upload cut off halfway', async () => {
    const bytes = Buffer.alloc(50_000, 1);
    const id = await announce(bytes);
    await new Promise<void>((resolve) => {
      const url = new URL(`${t.url}/artifacts/${id}`);
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: {
          cookie: owner.cookie!,
          'content-type': 'application/octet-stream',
          'content-length': String(bytes.length),
        },
      });
      request.on('error', () => resolve());
      request.write(bytes.subarray(0, bytes.length / 2), () => {
        setTimeout(() => {
          request.destroy();
          resolve();
        }, 200);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await status(id)).toBe('pending');
    expect((await get(id)).status).toBe(404);
    expect(await stored()).not.toContain(id);
    expect(await readdir(path.join(artifactDir, '.incoming'))).toEqual([]);
    // The worker may send it again.
    expect((await put(id, bytes)).status).toBe(201);
  });

  it('rejects a sha256 or size mismatch and stores nothing', async () => {
    const bytes = Buffer.from('announced bytes');
    const id = await announce(bytes);
    const wrong = Buffer.from('different bytes');
    const mismatch = await put(id, wrong);
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as Loose).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await put(id, Buffer.from('short'))).status).toBe(400);
    expect(await status(id)).toBe('pending');
    expect(await stored()).not.toContain(id);
    expect((await put(id, bytes)).status).toBe(201);
  });

  it('enforces the size limit', async () => {
    expect(
      await owner.request(CREATE, {
        input: {
          modelId,
          kind: 'weights',
          fileName: 'big.bin',
          byteSize: MAX_BYTES + 1,
          sha256: 'a'.repeat(64),
        },
      }),
    ).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'TOO_LARGE' } }] });
    const id = await announce(Buffer.from('x'));
    const answer = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${t.url}/artifacts/${id}`);
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { cookie: owner.cookie!, 'content-length': String(MAX_BYTES + 1) },
      });
      request.on('response', (response) => {
        resolve(response.statusCode!);
        request.destroy();
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(answer).toBe(413);
  });

  it('answers 401 without credentials and 404 to other teams', async () => {
    const bytes = Buffer.from('private');
    const id = await announce(bytes);
    expect((await put(id, bytes, null)).status).toBe(401);
    const outsider = (await aUser(t.url)).client;
    await aTeam(outsider);
    expect((await put(id, bytes, outsider)).status).toBe(404);
    expect((await put(id, bytes)).status).toBe(201);
    expect((await get(id, null)).status).toBe(401);
    expect((await get(id, outsider)).status).toBe(404);
    // A worker token of another team neither.
    const other = await aQueuedExperiment(t.url);
    expect((await get(id, null, { authorization: `Bearer ${other.token}` })).status).toBe(404);
    // Nor of the same team for another run's files.
    const run = (await claim(other.worker))!;
    const file = await upload(other.worker, run, 'log', 'worker.log', Buffer.from('log'));
    const stranger = await aQueuedExperiment(t.url);
    expect((await get(file.id, null, { authorization: `Bearer ${stranger.token}` })).status).toBe(
      404,
    );
    expect((await get(file.id, null, { authorization: `Bearer ${other.token}` })).status).toBe(200);
    expect((await get('not-a-uuid')).status).toBe(404);
  });
});
