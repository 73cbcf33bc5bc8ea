import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetEntries, makeTar, makeZip } from '@finetrack/shared/testing';
import { archiveSpecFromFile } from './archive-file-spec.js';
import { DatasetError } from './dataset-error.js';
import { loadDataset } from './load-dataset.js';

describe('loadDataset: archive', () => {
  let scratch: string;
  const entries = datasetEntries(['cat', 'dog', 'eel'], 6, 'pets');

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'archive-dataset-'));
    for (const entry of entries) {
      const file = path.join(scratch, 'root', entry.name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, entry.bytes!);
    }
    await writeFile(path.join(scratch, 'pets.tar.gz'), await makeTar(entries, true));
    await writeFile(path.join(scratch, 'pets.zip'), makeZip(entries));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('splits exactly like the folder of the same images, for zip and tar.gz alike', async () => {
    const options = { inputShape: [8, 8, 3] as [number, number, number] };
    const folder = await loadDataset(
      { kind: 'folder', path: 'pets', seed: 4, trainSamples: 10 },
      { ...options, dataRoot: path.join(scratch, 'root') },
    );
    for (const name of ['pets.tar.gz', 'pets.zip']) {
      const file = path.join(scratch, name);
      const spec = { ...(await archiveSpecFromFile(file, {})), seed: 4, trainSamples: 10 };
      const sut = await loadDataset(spec, { ...options, archive: { file } });
      expect(sut.classNames).toEqual(['cat', 'dog', 'eel']);
      expect(sut.train.count).toBe(10);
      expect(Array.from(sut.train.labels)).toEqual(Array.from(folder.train.labels));
      expect(Array.from(sut.validation.labels)).toEqual(Array.from(folder.validation.labels));
      expect(sut.train.images).toEqual(folder.train.images);
      expect(sut.validation.images).toEqual(folder.validation.images);
    }
  });

  it('gives another split for another seed, and refuses a spec without its archive', async () => {
    const file = path.join(scratch, 'pets.zip');
    const spec = await archiveSpecFromFile(file, { inputShape: [8, 8, 3] });
    const a = await loadDataset({ ...spec, seed: 1 }, { archive: { file } });
    const b = await loadDataset({ ...spec, seed: 2 }, { archive: { file } });
    expect(a.hash).not.toBe(b.hash);
    expect(a.validation.count).toBe(3 * Math.round(6 * 0.2));
    await expect(loadDataset(spec)).rejects.toBeInstanceOf(DatasetError);
  });

  it('refuses a file that is not an archive with a clear error', async () => {
    const file = path.join(scratch, 'not.zip');
    await writeFile(file, 'hello');
    await expect(archiveSpecFromFile(file, {})).rejects.toThrow(/not a zip, tar or tar.gz/);
  });
});
