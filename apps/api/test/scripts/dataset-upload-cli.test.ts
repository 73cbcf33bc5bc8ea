import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeZip, pngBytes, datasetEntries } from '@finetrack/shared/testing';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../harness.js';
import { aCliSession } from './script-setup.js';

const session = aCliSession('dataset-cli', () => startTestServer());
const { finetrack } = session;

const DATASET = `query($id: ID!) { dataset(id: $id) {
  id name version classNames spec classCounts { className train validation } thumbnails { url }
} }`;

describe('finetrack dataset upload', () => {
  it('uploads a folder with --json, and the dataset is there to query', async () => {
    const images = join(session.folder, 'images');
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
      session.user.team.id,
      '--name',
      'fruit',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(printed).toMatchObject({ name: 'fruit', version: 1, classNames: ['apple', 'pear'] });
    const { dataset } = await session.user.client.gql(DATASET, { id: printed.id });
    expect(dataset.spec).toMatchObject({ kind: 'archive', format: 'tar.gz' });
    expect(dataset.classCounts).toEqual([
      { className: 'apple', train: 4, validation: 1 },
      { className: 'pear', train: 4, validation: 1 },
    ]);
    expect(dataset.thumbnails).toHaveLength(8);
    // The finished upload's URL is forgotten, so nothing is left to resume.
    const state = await readFile(join(session.folder, 'config', 'uploads.json'), 'utf8').catch(
      () => '{}',
    );
    expect(Object.keys(JSON.parse(state))).toEqual([]);
  });

  it('uploads an archive as a new version, and refuses what is not one', async () => {
    const file = join(session.folder, 'fruit.zip');
    await writeFile(file, makeZip(datasetEntries(['apple', 'pear', 'plum'], 2)));
    const result = await finetrack([
      'dataset',
      'upload',
      file,
      '--team',
      session.user.team.id,
      '--name',
      'fruit',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('fruit v2: 3 classes');

    const notArchive = join(session.folder, 'photo.png');
    await writeFile(notArchive, pngBytes());
    const refused = await finetrack([
      'dataset',
      'upload',
      notArchive,
      '--team',
      session.user.team.id,
      '--name',
      'x',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not a zip, tar or tar.gz archive');
  });
});
