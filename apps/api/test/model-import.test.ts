import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, aUser, aTeam } from './factories/builders.js';
import type { ApiClient, Loose } from './factories/client.js';
import {
  aLayersModel,
  LAYERS_MODEL_PARAMS,
  withModelJson,
  type LayersModelFolder,
} from './factories/layers-model.js';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
let artifactDir: string;
let owner: ApiClient;
let viewer: ApiClient;
let stranger: ApiClient;
let teamId: string;

beforeAll(async () => {
  artifactDir = await mkdtemp(path.join(tmpdir(), 'finetrack-import-'));
  t = await startTestServer({ artifactDir });
  owner = (await aUser(t.url)).client;
  teamId = (await aTeam(owner)).id;
  const viewerUser = await aUser(t.url);
  await addMember(owner, teamId, viewerUser, 'VIEWER');
  viewer = viewerUser.client;
  stranger = (await aUser(t.url)).client;
});
afterAll(async () => {
  await t?.stop();
});

async function importFolder(
  files: Map<string, Buffer>,
  options: { client?: ApiClient; team?: string; name?: string; preprocessing?: string } = {},
) {
  const { client = owner, team = teamId, name = 'tiny', preprocessing } = options;
  const form = new FormData();
  for (const [fileName, bytes] of files) form.append('files', new Blob([bytes]), fileName);
  const query = new URLSearchParams({ teamId: team, name });
  if (preprocessing) query.set('preprocessing', preprocessing);
  const response = await fetch(`${t.url}/models/import?${query}`, {
    method: 'POST',
    headers: client.cookie ? { cookie: client.cookie } : {},
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Loose };
}

async function storedFiles(): Promise<number> {
  let count = 0;
  for (const entry of await readdir(artifactDir).catch(() => [] as string[]))
    if (!entry.startsWith('.')) count += (await readdir(path.join(artifactDir, entry))).length;
  return count;
}

const counts = async () => ({
  models: (await t.sql('SELECT count(*)::int AS n FROM models'))[0].n as number,
  artifacts: (await t.sql('SELECT count(*)::int AS n FROM artifacts'))[0].n as number,
  files: await storedFiles(),
});

const MODEL = `query($id: ID!) { model(id: $id) { id kind architecture inputShape totalParams
  trainableParams preprocessing layers { name type outputShape params weightBearing weightIndex trainable }
  artifacts { fileName byteSize sha256 } finetrackJson } }`;

describe('importing a Layers model', () => {
  it('stores a source model with its layer table, parameters, input shape and files', async () => {
    const folder = aLayersModel({ shards: 2 });
    const { status, body } = await importFolder(folder.files, { name: 'MobileNetV2 chairs' });
    expect(status).toBe(201);
    const { model } = await owner.gql(MODEL, { id: body.id });
    expect(model).toMatchObject({
      kind: 'SOURCE',
      architecture: 'imported',
      inputShape: [8, 8, 3],
      totalParams: LAYERS_MODEL_PARAMS,
      trainableParams: LAYERS_MODEL_PARAMS - 8,
      // The name says MobileNet: Keras' MobileNetV2 expects inputs in [-1, 1].
      preprocessing: 'SYMMETRIC',
    });
    expect(model.layers).toEqual([
      {
        name: 'input_1',
        type: 'InputLayer',
        outputShape: [null, 8, 8, 3],
        params: 0,
        weightBearing: false,
        weightIndex: null,
        trainable: false,
      },
      {
        name: 'conv',
        type: 'Conv2D',
        outputShape: [null, 6, 6, 4],
        params: 112,
        weightBearing: true,
        weightIndex: 0,
        trainable: true,
      },
      {
        name: 'bn',
        type: 'BatchNormalization',
        outputShape: [null, 6, 6, 4],
        params: 16,
        weightBearing: true,
        weightIndex: 1,
        trainable: true,
      },
      {
        name: 'relu',
        type: 'Activation',
        outputShape: [null, 6, 6, 4],
        params: 0,
        weightBearing: false,
        weightIndex: null,
        trainable: false,
      },
      {
        name: 'pool',
        type: 'GlobalAveragePooling2D',
        outputShape: [null, 4],
        params: 0,
        weightBearing: false,
        weightIndex: null,
        trainable: false,
      },
      {
        name: 'head',
        type: 'Dense',
        outputShape: [null, 2],
        params: 10,
        weightBearing: true,
        weightIndex: 2,
        trainable: true,
      },
    ]);
    expect(model.artifacts.map((a: { fileName: string }) => a.fileName)).toEqual([
      'model.json',
      'group1-shard1of2.bin',
      'group1-shard2of2.bin',
    ]);
    expect(model.finetrackJson).toMatchObject({
      id: body.id,
      format: 'finetrack-model',
      preprocessing: 'symmetric',
    });
  });

  it('takes the preprocessing given, and defaults to unit when the names say nothing', async () => {
    const given = await importFolder(aLayersModel().files, { name: 'vgg', preprocessing: 'torch' });
    const plain = await importFolder(aLayersModel().files, { name: 'my net' });
    expect((await owner.gql(MODEL, { id: given.body.id })).model.preprocessing).toBe('TORCH');
    expect((await owner.gql(MODEL, { id: plain.body.id })).model.preprocessing).toBe('UNIT');
  });

  it('passes its preprocessing on to the target models made from it', async () => {
    const { body } = await importFolder(aLayersModel().files, {
      name: 'src',
      preprocessing: 'caffe',
    });
    const { createModel } = await owner.gql(
      `mutation($input: CreateModelInput!) { createModel(input: $input) { preprocessing } }`,
      {
        input: {
          teamId,
          name: 'target',
          kind: 'TARGET',
          architecture: 'imported',
          inputShape: [8, 8, 3],
          layers: [],
          totalParams: 10,
          trainableParams: 10,
          parentModelId: body.id,
          surgery: {
            cutLayer: 'pool',
            headUnits: 2,
            frozenLayers: 1,
            frozenLayerNames: ['conv'],
            learningRate: 0.001,
          },
        },
      },
    );
    expect(createModel.preprocessing).toBe('CAFFE');
  });

  it('imports uint8-quantized weights (one byte per parameter)', async () => {
    const { status, body } = await importFolder(aLayersModel({ quantized: true, shards: 1 }).files);
    expect(status).toBe(201);
    expect((await owner.gql(MODEL, { id: body.id })).model.totalParams).toBe(LAYERS_MODEL_PARAMS);
  });

  it('downloads byte-identical files with finetrack.json, to viewers too', async () => {
    const folder = aLayersModel({ shards: 3 });
    const { body } = await importFolder(folder.files, { name: 'download me' });
    const response = await fetch(`${t.url}/models/${body.id}/download`, {
      headers: { cookie: viewer.cookie! },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    for (const [name, bytes] of folder.files)
      expect(Buffer.from(entries[`download-me/${name}`]!).equals(bytes)).toBe(true);
    const metadata = JSON.parse(Buffer.from(entries['download-me/finetrack.json']!).toString());
    expect(metadata).toMatchObject({
      id: body.id,
      name: 'download me',
      kind: 'source',
      inputShape: [8, 8, 3],
    });
    const other = await fetch(`${t.url}/models/${body.id}/download`, {
      headers: { cookie: stranger.cookie! },
    });
    expect(other.status).toBe(404);
  });
});

type Case = [
  string,
  () => Map<string, Buffer>,
  string,
  { client?: () => ApiClient; team?: () => string }?,
];

const tiny = () => aLayersModel({ shards: 2 });
const lie = (change: (json: Loose) => void): Map<string, Buffer> => {
  const folder = tiny();
  const json = structuredClone(folder.modelJson) as Loose;
  change(json);
  return withModelJson(folder, json).files;
};
const files = (folder: LayersModelFolder, edit: (files: Map<string, Buffer>) => void) => {
  const copy = new Map(folder.files);
  edit(copy);
  return copy;
};
const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const KERAS_ZIP = Buffer.concat([
  Buffer.from([0x50, 0x4b, 0x03, 0x04]),
  Buffer.alloc(26),
  Buffer.from('config.json{}'),
]);

const CASES: Case[] = [
  [
    'a manifest lying about shapes',
    () => lie((j) => (j.weightsManifest[0].weights[0].shape = [3, 3, 3, 8])),
    'BAD_USER_INPUT',
  ],
  [
    'a manifest lying about sizes (dtype)',
    () => lie((j) => (j.weightsManifest[0].weights[0].dtype = 'bool')),
    'BAD_USER_INPUT',
  ],
  [
    'a missing shard',
    () => files(tiny(), (f) => f.delete('group1-shard2of2.bin')),
    'BAD_USER_INPUT',
  ],
  [
    'a shard of the wrong size',
    () => files(tiny(), (f) => f.set('group1-shard2of2.bin', Buffer.alloc(7))),
    'BAD_USER_INPUT',
  ],
  [
    'extra bytes after the last shard',
    () =>
      files(tiny(), (f) =>
        f.set(
          'group1-shard2of2.bin',
          Buffer.concat([f.get('group1-shard2of2.bin')!, Buffer.alloc(1)]),
        ),
      ),
    'BAD_USER_INPUT',
  ],
  [
    'an absurd parameter count',
    () => lie((j) => (j.weightsManifest[0].weights[0].shape = [100000, 100000, 3, 4])),
    'BAD_USER_INPUT',
  ],
  [
    'an unknown layer class',
    () =>
      aLayersModel({
        extraLayer: {
          class_name: 'LSTM',
          name: 'lstm',
          config: { name: 'lstm' },
          inbound_nodes: [],
        },
      }).files,
    'BAD_USER_INPUT',
  ],
  [
    'a graph model',
    () => lie((j) => ((j.format = 'graph-model'), (j.modelTopology = { node: [] }))),
    'BAD_USER_INPUT',
  ],
  ['a Keras .h5 file', () => new Map([['model.h5', HDF5]]), 'BAD_USER_INPUT'],
  ['a Keras .keras file', () => new Map([['model.keras', KERAS_ZIP]]), 'BAD_USER_INPUT'],
  [
    'a SavedModel',
    () =>
      new Map([
        ['saved_model.pb', Buffer.from([8, 1, 18, 0])],
        ['variables.index', Buffer.alloc(4)],
      ]),
    'BAD_USER_INPUT',
  ],
  [
    'model.json that is not JSON',
    () => files(tiny(), (f) => f.set('model.json', Buffer.from('{ nope'))),
    'BAD_USER_INPUT',
  ],
  ['no model.json', () => files(tiny(), (f) => f.delete('model.json')), 'BAD_USER_INPUT'],
  ['a viewer importing', () => tiny().files, 'FORBIDDEN', { client: () => viewer }],
  ['another team', () => tiny().files, 'NOT_FOUND', { client: () => stranger }],
];

describe('bad imports store nothing', () => {
  it.each(CASES)('%s → %s', async (_name, make, code, who) => {
    const before = await counts();
    const { status, body } = await importFolder(make(), { client: who?.client?.() });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.errors[0].extensions.code).toBe(code);
    expect(body.errors[0].message.length).toBeGreaterThan(10);
    expect(await counts()).toEqual(before);
  });

  it('says how to convert a Keras file', async () => {
    const { body } = await importFolder(new Map([['model.h5', HDF5]]));
    expect(body.errors[0].message).toMatch(
      /tensorflowjs_converter --input_format=keras .*--output_format=tfjs_layers_model/,
    );
  });

  it('names the unknown layer class', async () => {
    const extraLayer = {
      class_name: 'LSTM',
      name: 'lstm',
      config: { name: 'lstm' },
      inbound_nodes: [],
    };
    const { body } = await importFolder(aLayersModel({ extraLayer }).files);
    expect(body.errors[0].message).toContain('LSTM');
  });
});
