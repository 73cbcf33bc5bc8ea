import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '@finetrack/shared/client';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelDirectory } from '../../src/io/load-model.js';
import { WorkerApi } from '../../src/worker/worker-api.js';
import { startApi, UserSession, type ApiProcess } from '../support/api-process.js';
import { saveConverterFolder } from '../support/converter-folder.js';

// A model the user imports (converter layout, several shards, optionally uint8-quantized) must
// reach a worker as files its loader accepts: the same download and load a fine-tuning run does.

function tinyModel(): tf.LayersModel {
  const model = tf.sequential({ name: 'imported' });
  model.add(tf.layers.conv2d({ name: 'conv', inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }));
  model.add(tf.layers.batchNormalization({ name: 'bn' }));
  model.add(tf.layers.activation({ name: 'relu', activation: 'relu' }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
  model.add(tf.layers.dense({ name: 'head', units: 3 }));
  return model;
}

describe('an imported model, downloaded and loaded as a worker does', () => {
  let home: string;
  let api: ApiProcess;
  let user: UserSession;
  let worker: WorkerApi;
  let teamId: string;
  const original = tinyModel();
  const input = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 7);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    home = await mkdtemp(join(tmpdir(), 'finetrack-import-e2e-'));
    // The embedded PostgreSQL runs as its own user, which must reach the folder.
    await chmod(home, 0o755);
    api = await startApi(join(home, 'api'));
    user = new UserSession(api.url);
    await user.gql(`mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, {
      input: { email: 'import@example.test', password: 'correct horse battery', name: 'Importer' },
    });
    teamId = (await user.gql(`mutation { createTeam(input: { name: "Imports" }) { id } }`))
      .createTeam.id;
    const token = async (role: string) =>
      (
        await user.gql(
          `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
          { input: { name: role.toLowerCase(), teamId, role } },
        )
      ).createApiToken.token as string;
    worker = new WorkerApi(new ApiClient({ url: api.url, token: await token('WORKER') }));
    user.token = await token('USER');
  });
  afterAll(async () => {
    await api?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  async function importFolder(folder: string, names: string[], name: string): Promise<string> {
    const form = new FormData();
    for (const file of names)
      form.append('files', new Blob([await readFile(join(folder, file))]), file);
    const response = await fetch(
      `${api.url}/models/import?${new URLSearchParams({ teamId, name })}`,
      { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form },
    );
    const body = (await response.json()) as { id: string };
    expect(response.status, JSON.stringify(body)).toBe(201);
    return body.id;
  }

  it.each([
    ['float32 in three shards', { shards: 3 }, 0],
    ['uint8-quantized in two shards', { shards: 2, quantize: 'uint8' as const }, 0.05],
  ])('%s', async (label, options, tolerance) => {
    const folder = join(home, label.replace(/\W+/g, '-'));
    const names = await saveConverterFolder(original, folder, options);
    const id = await importFolder(folder, names, label);
    const { model } = await user.gql(
      `query($id: ID!) { model(id: $id) { totalParams inputShape artifacts { id kind fileName byteSize sha256 } } }`,
      { id },
    );
    expect(model.totalParams).toBe(original.countParams());
    expect(model.inputShape).toEqual([8, 8, 3]);
    const downloaded = join(folder, 'downloaded');
    await worker.downloadAll(model.artifacts, downloaded);
    for (const file of names)
      expect(
        (await readFile(join(downloaded, file))).equals(await readFile(join(folder, file))),
      ).toBe(true);
    const loaded = await loadModelDirectory(downloaded);
    const expected = (original.predict(input) as tf.Tensor).dataSync();
    const actual = (loaded.model.predict(input) as tf.Tensor).dataSync();
    const worst = Math.max(...expected.map((value, i) => Math.abs(value - actual[i]!)));
    expect(worst).toBeLessThanOrEqual(tolerance + 1e-6);
  });
});
