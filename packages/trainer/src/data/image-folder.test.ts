import { mkdir, mkdtemp, rm, symlink, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.js';
import { resolveDataRoot } from './data-root.js';
import { loadDataset } from './load-dataset.js';

let sandbox: string;
let dataRoot: string;

/** A 6×4 RGB image filled with one colour. */
function tinyImage(red: number, green: number, blue: number) {
  return sharp({
    create: { width: 6, height: 4, channels: 3, background: { r: red, g: green, b: blue } },
  });
}

async function makeFolder(folder: string, classes: Record<string, number>) {
  for (const [name, count] of Object.entries(classes)) {
    await mkdir(path.join(folder, name), { recursive: true });
    for (let i = 0; i < count; i++) {
      const shade = name === 'red' ? [200 + i, 10, 10] : [10, 10, 200 + i];
      const image = tinyImage(shade[0], shade[1], shade[2]);
      const file = path.join(folder, name, `${name}-${i}.${i % 2 === 0 ? 'png' : 'jpg'}`);
      await (i % 2 === 0 ? image.png() : image.jpeg({ quality: 95 })).toFile(file);
    }
  }
}

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'finetrack-folder-'));
  dataRoot = path.join(sandbox, 'root');
  await makeFolder(path.join(dataRoot, 'colours'), { red: 5, blue: 5 });
  // A corrupt PNG (valid signature, garbage body), a text file with an image name, and a non-image file.
  await writeFile(
    path.join(dataRoot, 'colours', 'red', 'broken.png'),
    Buffer.from('\x89PNG\r\n\x1a\nnot really'),
  );
  await writeFile(path.join(dataRoot, 'colours', 'blue', 'notes.jpg'), 'hello');
  // A real PNG cut short: sharp must report it rather than decode a partial picture.
  const whole = await tinyImage(250, 0, 0).resize(40, 40).png().toBuffer();
  await writeFile(
    path.join(dataRoot, 'colours', 'red', 'truncated.png'),
    whole.subarray(0, whole.length - 30),
  );
  await writeFile(path.join(dataRoot, 'colours', 'blue', 'readme.txt'), 'ignored');
  await makeFolder(path.join(sandbox, 'outside'), { red: 2, blue: 2 });
});

afterAll(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

describe('loadDataset: image folders', () => {
  it('decodes and resizes images, skipping corrupt ones with a warning', async () => {
    const sut = await loadDataset(
      { kind: 'folder', path: 'colours', inputShape: [8, 8, 3], validationFraction: 0.2, seed: 1 },
      { dataRoot },
    );
    expect(sut.classNames).toEqual(['blue', 'red']);
    expect(sut.inputShape).toEqual([8, 8, 3]);
    // 5 good images per class plus 3 unreadable ones: 10 decoded, split 0.2 per class → 1 validation each.
    expect(sut.train.count + sut.validation.count).toBe(10);
    expect(sut.validation.count).toBeGreaterThanOrEqual(1);
    expect(sut.train.images.length).toBe(sut.train.count * 8 * 8 * 3);
    expect(sut.warnings).toHaveLength(1);
    expect(sut.warnings[0]).toMatch(/skipped 3 unreadable image\(s\)/);
    expect(sut.warnings[0]).toMatch(/broken\.png/);
    expect(sut.warnings[0]).toMatch(/truncated\.png/);
    // Colours survive: a red image has a high first channel, a blue one a high third.
    for (let i = 0; i < sut.train.count; i++) {
      const pixel = sut.train.images.subarray(i * 192, i * 192 + 3);
      if (sut.classNames[sut.train.labels[i]] === 'red') expect(pixel[0]).toBeGreaterThan(0.7);
      else expect(pixel[2]).toBeGreaterThan(0.7);
    }
  });

  it('converts to one grey channel and caps training samples', async () => {
    const sut = await loadDataset(
      { kind: 'folder', path: 'colours', inputShape: [5, 5, 1], trainSamples: 3, seed: 2 },
      { dataRoot },
    );
    expect(sut.train.count).toBeLessThanOrEqual(3);
    expect(sut.train.images.length).toBe(sut.train.count * 25);
  });

  it('resizes to the model input shape given in the options', async () => {
    const sut = await loadDataset(
      { kind: 'folder', path: 'colours' },
      { dataRoot, inputShape: [28, 28, 1] },
    );
    expect(sut.inputShape).toEqual([28, 28, 1]);
    expect(sut.validation.images.length).toBe(sut.validation.count * 784);
  });

  it('gives the same hash for the same files and options wherever they are stored', async () => {
    const spec = {
      kind: 'folder' as const,
      path: 'colours',
      inputShape: [8, 8, 3] as [number, number, number],
      seed: 4,
    };
    const first = await loadDataset(spec, { dataRoot });
    await cp(path.join(dataRoot, 'colours'), path.join(dataRoot, 'copy'), { recursive: true });
    const copy = await loadDataset({ ...spec, path: 'copy' }, { dataRoot });
    const otherSeed = await loadDataset({ ...spec, seed: 5 }, { dataRoot });
    expect(copy.hash).toBe(first.hash);
    expect(otherSeed.hash).not.toBe(first.hash);
  });

  it.each([
    ['a parent path', '../outside', 'OUTSIDE_DATA_ROOT'],
    ['an absolute path', '/etc', 'OUTSIDE_DATA_ROOT'],
    ['a missing folder', 'nothing-here', 'DATASET_NOT_FOUND'],
  ])('rejects %s', async (_name, folder, code) => {
    await expect(loadDataset({ kind: 'folder', path: folder }, { dataRoot })).rejects.toSatisfy(
      (error) => error instanceof DatasetError && error.code === code,
    );
  });

  it('rejects a symbolic link that leads outside the data root', async () => {
    await symlink(path.join(sandbox, 'outside'), path.join(dataRoot, 'sneaky'));
    await expect(
      loadDataset({ kind: 'folder', path: 'sneaky' }, { dataRoot }),
    ).rejects.toMatchObject({
      code: 'OUTSIDE_DATA_ROOT',
    });
    await mkdir(path.join(dataRoot, 'linked', 'a'), { recursive: true });
    await mkdir(path.join(dataRoot, 'linked', 'b'), { recursive: true });
    await tinyImage(1, 2, 3)
      .png()
      .toFile(path.join(dataRoot, 'linked', 'a', 'ok.png'));
    await symlink(
      path.join(sandbox, 'outside', 'red', 'red-0.png'),
      path.join(dataRoot, 'linked', 'b', 'x.png'),
    );
    await expect(
      loadDataset({ kind: 'folder', path: 'linked' }, { dataRoot }),
    ).rejects.toMatchObject({
      code: 'OUTSIDE_DATA_ROOT',
    });
  });

  it('rejects a class folder with no images', async () => {
    await makeFolder(path.join(dataRoot, 'with-empty'), { red: 2 });
    await mkdir(path.join(dataRoot, 'with-empty', 'green'));
    await writeFile(path.join(dataRoot, 'with-empty', 'green', 'list.txt'), 'no images here');
    await expect(
      loadDataset({ kind: 'folder', path: 'with-empty' }, { dataRoot }),
    ).rejects.toMatchObject({
      code: 'EMPTY_CLASS',
      message: expect.stringMatching(/green/),
    });
  });

  it('rejects a class whose every image is unreadable', async () => {
    await makeFolder(path.join(dataRoot, 'all-broken'), { red: 2 });
    await mkdir(path.join(dataRoot, 'all-broken', 'grey'));
    await writeFile(path.join(dataRoot, 'all-broken', 'grey', 'a.png'), 'garbage');
    await expect(
      loadDataset({ kind: 'folder', path: 'all-broken' }, { dataRoot }),
    ).rejects.toMatchObject({
      code: 'EMPTY_CLASS',
    });
  });
});

describe('resolveDataRoot', () => {
  it.each([
    [{ FINETRACK_DATA_ROOT: '/data/images', FINETRACK_HOME: '/home/ft' }, '/data/images'],
    [{ FINETRACK_HOME: '/home/ft' }, '/home/ft/data'],
    [{ FINETRACK_DATA_ROOT: 'relative' }, '/work/relative'],
    [{}, '/work'],
  ])('reads %j', (env, expected) => {
    expect(resolveDataRoot(env, '/work')).toBe(expected);
  });
});
