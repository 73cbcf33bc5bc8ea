import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeZip, pngBytes, datasetEntries } from '@finetrack/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { aScriptUser, cleanEnv, FINETRACK_BIN, runProcess } from './script-setup.js';

let t: TestServer;
let folder: string;
let user: Awaited<ReturnType<typeof aScriptUser>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await startTestServer();
  folder = await mkdtemp(join(tmpdir(), 'finetrack-dataset-cli-'));
  user = await aScriptUser(t);
  env = cleanEnv({
    FINETRACK_CONFIG_DIR: join(folder, 'config'),
    FINETRACK_API: t.url,
    FINETRACK_TOKEN: user.token,
  });
});
afterAll(async () => {
  await t?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const finetrack = (args: string[]) =>
  runProcess(process.execPath, [FINETRACK_BIN, ...args], { env, cwd: folder });

const DATASET = `query($id: ID!) { dataset(id: $id) {
  id name version classNames spec classCounts { className train validation } thumbnails { url }
} }`;

describe('finetrack dataset upload', () => {
  it('uploads a folder with --json, and the dataset is there to query', async () => {
    const images = join(folder, 'images');
    for (const className of ['apple', 'pear'])
      await mkdir(join(images, className), { recursive: true });
    for (let index = 0; index < 5; index++) {
      await writeFile(join(images, 'apple', `${index}.png`), pngBytes(8, 8, [200, index * 10, 0]));
      await writeFile(join(images, 'pear', `${index}.png`), pngBytes(8, 8, [0, 200, index * 10]));
    }
    await writeFile(join(images, 'pear', 'README.txt'), 'not an image');
    const result = await finetrack([
      'dataset',
      'upload',
      images,
      '--team',
      user.team.id,
      '--name',
      'fruit',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(printed).toMatchObject({ name: 'fruit', version: 1, classNames: ['apple', 'pear'] });
    const { dataset } = await user.client.gql(DATASET, { id: printed.id });
    expect(dataset.spec).toMatchObject({ kind: 'archive', format: 'tar.gz' });
    expect(dataset.classCounts).toEqual([
      { className: 'apple', train: 4, validation: 1 },
      { className: 'pear', train: 4, validation: 1 },
    ]);
    expect(dataset.thumbnails).toHaveLength(8);
    // The finished upload's URL is forgotten, so nothing is left to resume.
    const state = await readFile(join(folder, 'config', 'uploads.json'), 'utf8').catch(() => '{}');
    expect(Object.keys(JSON.parse(state))).toEqual([]);
  });

  it('uploads an archive as a new version, and refuses what is not one', async () => {
    const file = join(folder, 'fruit.zip');
    await writeFile(file, makeZip(datasetEntries(['apple', 'pear', 'plum'], 2)));
    const result = await finetrack([
      'dataset',
      'upload',
      file,
      '--team',
      user.team.id,
      '--name',
      'fruit',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('fruit v2: 3 classes');

    const notArchive = join(folder, 'photo.png');
    await writeFile(notArchive, pngBytes());
    const refused = await finetrack([
      'dataset',
      'upload',
      notArchive,
      '--team',
      user.team.id,
      '--name',
      'x',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not a zip, tar or tar.gz archive');
  });
});
