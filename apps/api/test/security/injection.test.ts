import { MAX_MODEL_LAYERS } from '@finetrack/shared';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import {
  aProject,
  aSourceModel,
  aTeam,
  anExperiment,
  aUser,
  SMALL_CNN_LAYERS,
  sourceModelInput,
} from '../factories/builders.js';
import type { ApiClient, Loose } from '../factories/client.js';
import { aFile } from '../factories/worker.js';

const MAX_BYTES = 1024;
let t: TestServer;
let client: ApiClient;
let teamId: string;
let made: Awaited<ReturnType<typeof anExperiment>>;
let runId: string;
let artifactDir: string;

const TABLES = ['teams', 'memberships', 'projects', 'datasets', 'models', 'experiments', 'runs'];

/** Every row of the tables a filter or input could reach, to prove nothing changed. */
async function everything() {
  const out: Record<string, unknown> = {};
  for (const table of [...TABLES, 'metric_points', 'artifacts'])
    out[table] = await t.sql(`SELECT * FROM ${table} ORDER BY 1`);
  return out;
}

beforeAll(async () => {
  artifactDir = await mkdtemp(path.join(tmpdir(), 'finetrack-injection-'));
  t = await startTestServer({ artifactDir, artifactMaxBytes: MAX_BYTES });
  client = (await aUser(t.url)).client;
  teamId = (await aTeam(client)).id;
  made = await anExperiment(client, teamId);
  const run = await client.gql(
    `mutation($e: ID!) { createRun(input: { experimentId: $e, frozenLayers: 0, learningRate: 0.01 }) { id } }`,
    { e: made.experiment.id },
  );
  runId = run.createRun.id;
  await client.gql(
    `mutation($r: ID!) { logMetrics(runId: $r, points: [{ key: "loss", step: 0, value: 1 }]) { written } }`,
    { r: runId },
  );
});
afterAll(async () => {
  await t?.stop();
});

const SQL = [
  `' OR 1=1 --`,
  `'; DROP TABLE projects; --`,
  `x'); DELETE FROM runs; --`,
  `%`,
  `_`,
  `\\`,
];

type Case = [string, string, () => Loose];
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('SQL in filters, sort keys and cursors', () => {
  const MATCH_NOTHING: Case[] = SQL.flatMap((text): Case[] => [
    [
      `projects search ${text}`,
      `query($t: ID!, $s: String) { projects(teamId: $t, filter: { search: $s }) { nodes { id } } }`,
      () => ({ t: teamId, s: text }),
    ],
    [
      `datasets kind ${text}`,
      `query($t: ID!, $s: String) { datasets(teamId: $t, filter: { kind: $s }) { nodes { id } } }`,
      () => ({ t: teamId, s: text }),
    ],
    [
      `models search ${text}`,
      `query($t: ID!, $s: String) { models(teamId: $t, filter: { search: $s }) { nodes { id } } }`,
      () => ({ t: teamId, s: text }),
    ],
    [
      `experiments search ${text}`,
      `query($p: ID!, $s: String) { experiments(projectId: $p, filter: { search: $s }) { nodes { id } } }`,
      () => ({ p: made.project.id, s: text }),
    ],
  ]);

  it.each(MATCH_NOTHING)(
    '%s is a literal that matches nothing',
    async (_name, query, variables) => {
      const before = await everything();
      const response = await client.request<Loose>(query, variables());
      expect(response.errors).toBeUndefined();
      expect(Object.values(response.data ?? {})[0].nodes).toEqual([]);
      expect(await everything()).toEqual(before);
    },
  );

  it('a metric key with SQL in it is a key nobody logged', async () => {
    const response = await client.request<Loose>(
      `query($r: ID!, $k: String!) { metrics(runIds: [$r], keys: [$k], maxPoints: 10) { key values } }`,
      { r: runId, k: `loss' OR '1'='1` },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.metrics.flatMap((series: Loose) => series.values)).toEqual([]);
  });

  const REFUSED: Case[] = [
    [
      'a sort field that is SQL',
      `query($t: ID!, $o: ListOrder) { projects(teamId: $t, orderBy: $o) { nodes { id } } }`,
      () => ({ t: teamId, o: { field: 'name; DROP TABLE projects', direction: 'ASC' } }),
    ],
    [
      'a sort direction that is SQL',
      `query($t: ID!, $o: ListOrder) { projects(teamId: $t, orderBy: $o) { nodes { id } } }`,
      () => ({ t: teamId, o: { field: 'NAME', direction: 'ASC, (SELECT pg_sleep(5))' } }),
    ],
    [
      'a run sort field that is SQL',
      `query($e: ID!, $o: RunOrder) { runs(experimentId: $e, orderBy: $o) { nodes { id } } }`,
      () => ({ e: made.experiment.id, o: { field: 'learning_rate DESC; DROP TABLE runs' } }),
    ],
    [
      'a run status filter that is SQL',
      `query($e: ID!, $f: RunFilter) { runs(experimentId: $e, filter: $f) { nodes { id } } }`,
      () => ({ e: made.experiment.id, f: { status: [`RUNNING') OR ('1'='1`] } }),
    ],
    [
      'a learning-rate bound that is SQL',
      `query($e: ID!, $f: RunFilter) { runs(experimentId: $e, filter: $f) { nodes { id } } }`,
      () => ({ e: made.experiment.id, f: { learningRateMin: '0 OR 1=1' } }),
    ],
    [
      'frozen layers that are SQL',
      `query($e: ID!, $f: RunFilter) { runs(experimentId: $e, filter: $f) { nodes { id } } }`,
      () => ({ e: made.experiment.id, f: { frozenLayers: ['1; DROP TABLE runs'] } }),
    ],
    [
      'a cursor that is SQL',
      `query($t: ID!, $a: String) { projects(teamId: $t, after: $a) { nodes { id } } }`,
      () => ({ t: teamId, a: `'; DROP TABLE projects; --` }),
    ],
    [
      'a well-encoded cursor holding SQL',
      `query($t: ID!, $a: String) { projects(teamId: $t, after: $a) { nodes { id } } }`,
      () => ({ t: teamId, a: cursor([`2020-01-01' OR 1=1 --`, `x'; DROP TABLE projects; --`]) }),
    ],
    [
      'a run cursor holding SQL',
      `query($e: ID!, $a: String) { runs(experimentId: $e, after: $a) { nodes { id } } }`,
      () => ({ e: made.experiment.id, a: cursor({ v: `1; DROP TABLE runs`, id: `' OR 1=1` }) }),
    ],
    [
      'a NUL byte in a name',
      `mutation($t: ID!) { createProject(input: { teamId: $t, name: "nul\\u0000byte" }) { id } }`,
      () => ({ t: teamId }),
    ],
    [
      'a NUL byte in a description',
      `mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`,
      () => ({ i: { teamId, name: 'fine', description: 'a\u0000b' } }),
    ],
    [
      'a NUL byte in a dataset spec (JSON)',
      `mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }`,
      () => ({
        i: {
          teamId,
          name: 'nul spec',
          classNames: ['a', 'b'],
          trainSamples: 1,
          validationSamples: 1,
          spec: { kind: 'folder', path: 'images', note: 'x\u0000y' },
        },
      }),
    ],
    [
      'a cursor whose sort value is not a date',
      `query($t: ID!, $a: String) { projects(teamId: $t, after: $a) { nodes { id } } }`,
      () => ({ t: teamId, a: cursor(['not a date', '00000000-0000-4000-8000-000000000000']) }),
    ],
    [
      'a run cursor whose value is not a number for a numeric sort',
      `query($e: ID!, $a: String) { runs(experimentId: $e, after: $a, orderBy: { field: LEARNING_RATE }) { nodes { id } } }`,
      () => ({
        e: made.experiment.id,
        a: cursor(['not a number', '00000000-0000-4000-8000-000000000000']),
      }),
    ],
  ];

  it.each(REFUSED)('%s → BAD_USER_INPUT, data intact', async (_name, query, variables) => {
    const before = await everything();
    const response = await client.request(query, variables());
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await everything()).toEqual(before);
  });

  it('a dataset spec nested 100,000 deep → BAD_USER_INPUT, data intact', async () => {
    const before = await everything();
    // Written by hand: JSON.stringify itself overflows the stack at this depth.
    const depth = 100_000;
    const spec = `${'{"kind":"folder","path":"x","a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
    const body = `{"query":"mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }","variables":{"i":{"teamId":"${teamId}","name":"deep spec","classNames":["a","b"],"trainSamples":1,"validationSamples":1,"spec":${spec}}}}`;
    const response = await client.request('', undefined, { body });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await everything()).toEqual(before);
  });

  it('an id that is SQL is NOT_FOUND', async () => {
    for (const id of SQL)
      expect(await client.code(`query($id: ID!) { project(id: $id) { id } }`, { id })).toBe(
        'NOT_FOUND',
      );
  });

  it('names with SQL in them are stored and read back verbatim', async () => {
    for (const name of SQL) {
      const project = await aProject(client, teamId, { name, description: name });
      const read = await client.gql(`query($id: ID!) { project(id: $id) { name description } }`, {
        id: project.id,
      });
      expect(read.project).toEqual({ name, description: name });
    }
    const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM projects');
    expect(n).toBe(1 + SQL.length);
  });
});

const CREATE_DATASET = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`;
const dataset = (spec: Loose) => ({
  input: {
    teamId,
    name: 'photos',
    classNames: ['a', 'b'],
    trainSamples: 10,
    validationSamples: 2,
    spec,
  },
});

describe('paths', () => {
  it.each([
    '../etc',
    '..',
    'photos/../../etc',
    'photos/..',
    '/etc/passwd',
    '~/photos',
    'C:\\Windows',
    'photos\\..\\..\\etc',
    'photos//cats',
    'photos\u0000.png',
    'photos\ncats',
    '',
    'x'.repeat(1025),
  ])('a dataset folder %j → BAD_USER_INPUT, nothing stored', async (folder) => {
    const before = await t.sql('SELECT id FROM datasets ORDER BY id');
    const response = await client.request(
      CREATE_DATASET,
      dataset({ kind: 'folder', path: folder }),
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'spec.path',
    });
    expect(await t.sql('SELECT id FROM datasets ORDER BY id')).toEqual(before);
  });

  it.each(['photos', 'photos/cats', './photos', 'photos/cats/', 'a..b'])(
    'a dataset folder %j is accepted',
    async (folder) => {
      const response = await client.request(
        CREATE_DATASET,
        dataset({ kind: 'folder', path: folder }),
      );
      expect(response.errors).toBeUndefined();
    },
  );

  it.each([
    '../../etc/passwd',
    '..',
    '.',
    'a/b.bin',
    'a\\b.bin',
    '.bashrc',
    'x\r\nSet-Cookie: a=b',
    'a"b.bin',
    'weights.bin\u0000.txt',
    '',
    'x'.repeat(200),
  ])('an artifact file name %j → BAD_USER_INPUT, nothing stored', async (fileName) => {
    const response = await client.request(
      `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
      { input: { runId, kind: 'log', fileName, byteSize: 1, sha256: '0'.repeat(64) } },
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await t.sql('SELECT 1 FROM artifacts')).toEqual([]);
  });
});

/** Every file under the artifact folder, relative to it. */
async function filesOnDisk(): Promise<string[]> {
  const entries = await readdir(artifactDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(artifactDir, path.join(entry.parentPath, entry.name)));
}

describe('oversized uploads', () => {
  const announce = async (byteSize: number, sha256 = '0'.repeat(64)) =>
    client.request<Loose>(
      `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
      { input: { runId, kind: 'log', fileName: 'train.log', byteSize, sha256 } },
    );
  const put = (id: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
    fetch(`${t.url}/artifacts/${id}`, {
      method: 'PUT',
      headers: { cookie: client.cookie!, 'content-type': 'application/octet-stream', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  it('announcing more than ARTIFACT_MAX_BYTES → BAD_USER_INPUT (TOO_LARGE)', async () => {
    const response = await announce(MAX_BYTES + 1);
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'TOO_LARGE',
    });
  });

  it('a body declared over the limit → 413, nothing on disk, the artifact still pending', async () => {
    const bytes = Buffer.alloc(1000, 1);
    const file = await aFile('a.log', bytes);
    const { data } = await announce(1000, file.sha256);
    const response = await put(data!.createArtifact.id, Buffer.alloc(4 * MAX_BYTES, 1));
    expect(response.status).toBe(413);
    expect(((await response.json()) as Loose).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await filesOnDisk()).toEqual([]);
    expect(
      await t.sql('SELECT status FROM artifacts WHERE id = $1', [data!.createArtifact.id]),
    ).toEqual([{ status: 'pending' }]);
  });

  it('a streamed body longer than announced is cut off: 400, nothing on disk', async () => {
    const bytes = Buffer.alloc(1000, 2);
    const file = await aFile('b.log', bytes);
    const { data } = await announce(1000, file.sha256);
    // No Content-Length: the server only finds out while streaming.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(MAX_BYTES).fill(2));
        controller.close();
      },
    });
    const response = await put(data!.createArtifact.id, stream);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Loose).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await filesOnDisk()).toEqual([]);
    // The announced bytes still go through afterwards.
    const retry = await put(data!.createArtifact.id, bytes);
    expect(retry.status).toBe(201);
    expect(await filesOnDisk()).toEqual([path.join(teamId, data!.createArtifact.id)]);
  });
});

const CREATE_MODEL = `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`;
const modelInput = (extra: Loose) => ({
  input: sourceModelInput(teamId, { name: 'claims', ...extra }),
});

describe('a model record claiming absurd sizes', () => {
  it.each([
    ['10^12 parameters', { totalParams: 1e12, trainableParams: 1e12 }],
    ['10^12 trainable parameters', { trainableParams: 1e12 }],
    [
      'a layer of 10^12 parameters',
      { layers: [{ ...SMALL_CNN_LAYERS[0], params: 1e12 }, ...SMALL_CNN_LAYERS.slice(1)] },
    ],
    [
      `${MAX_MODEL_LAYERS + 1} layers`,
      { layers: Array.from({ length: MAX_MODEL_LAYERS + 1 }, () => SMALL_CNN_LAYERS[1]) },
    ],
    [
      'a 9-dimensional layer output',
      { layers: [{ ...SMALL_CNN_LAYERS[0], outputShape: [1, 1, 1, 1, 1, 1, 1, 1, 1] }] },
    ],
    ['an input of 10^6 × 10^6 pixels', { inputShape: [1_000_000, 1_000_000, 3] }],
    ['an input dimension of 0', { inputShape: [0, 28, 1] }],
  ])('%s → BAD_USER_INPUT, nothing stored', async (_name, extra) => {
    const before = await t.sql('SELECT id FROM models ORDER BY id');
    const response = await client.request(CREATE_MODEL, modelInput(extra));
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await t.sql('SELECT id FROM models ORDER BY id')).toEqual(before);
  });

  it('a real small-cnn record is accepted', async () => {
    expect((await aSourceModel(client, teamId)).kind).toBe('SOURCE');
  });
});
