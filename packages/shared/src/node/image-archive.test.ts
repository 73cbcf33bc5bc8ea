import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveFormat } from '../dataset-spec.js';
import { DEFAULT_DATASET_ARCHIVE_LIMITS, type DatasetArchiveLimits } from '../dataset-limits.js';
import {
  datasetEntries,
  makeTar,
  makeZip,
  pngBytes,
  type FixtureEntry,
} from '../testing/archive-fixtures.js';
import {
  detectArchiveFormat,
  ImageArchiveError,
  readImageArchive,
  type ArchiveImage,
} from './image-archive.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'image-archive-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

let fileIndex = 0;
async function archive(format: ArchiveFormat, entries: FixtureEntry[]): Promise<string> {
  const bytes = format === 'zip' ? makeZip(entries) : await makeTar(entries, format === 'tar.gz');
  const file = path.join(folder, `archive-${fileIndex++}`);
  await writeFile(file, bytes);
  return file;
}

const MiB = 1024 * 1024;
const good = datasetEntries(['cat', 'dog'], 3);

describe('readImageArchive', () => {
  it.each(['zip', 'tar', 'tar.gz'] as const)('indexes a %s of class folders', async (format) => {
    const file = await archive(format, [
      ...datasetEntries(['dog', 'cat', 'bird'], 2, 'pets'),
      { name: 'pets/cat/notes.txt', bytes: Buffer.from('not an image') },
      { name: 'pets/.DS_Store', bytes: Buffer.from('x') },
      { name: 'pets/dog/broken.jpg', bytes: Buffer.from('not a jpeg at all') },
    ]);
    const seen: ArchiveImage[] = [];
    const summary = await readImageArchive(
      file,
      format,
      DEFAULT_DATASET_ARCHIVE_LIMITS,
      async (image) => {
        seen.push(image);
      },
    );
    expect(summary.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(summary.root).toBe('pets');
    expect(summary.classCounts).toEqual([
      { className: 'bird', count: 2 },
      { className: 'cat', count: 2 },
      { className: 'dog', count: 2 },
    ]);
    expect(summary.images).toBe(6);
    expect(summary.skippedFiles).toBe(2);
    expect(summary.unreadableImages).toBe(1);
    expect(seen.map((image) => image.entryPath).sort()).toContain('pets/cat/0.png');
    expect(seen.every((image) => image.bytes.equals(pngBytes(8, 8, [0, 0, 0])) === false)).toBe(
      true,
    );
    expect(seen.find((image) => image.entryPath === 'pets/dog/1.png')?.className).toBe('dog');
  });

  it('detects formats from their first bytes', async () => {
    expect(detectArchiveFormat(makeZip(good))).toBe('zip');
    expect(detectArchiveFormat(await makeTar(good))).toBe('tar');
    expect(detectArchiveFormat(await makeTar(good, true))).toBe('tar.gz');
    expect(detectArchiveFormat(pngBytes())).toBeNull();
  });

  const zeros = Buffer.alloc(4 * MiB);
  const cases: {
    name: string;
    formats: ArchiveFormat[];
    entries: FixtureEntry[];
    raw?: Buffer;
    limits?: Partial<DatasetArchiveLimits>;
    reason: string;
  }[] = [
    {
      name: 'not an archive',
      formats: ['zip'],
      entries: [],
      raw: pngBytes(),
      reason: 'not-an-archive',
    },
    {
      name: '../ entry',
      formats: ['zip', 'tar', 'tar.gz'],
      entries: [...good, { name: 'cat/../../evil.png', bytes: pngBytes() }],
      reason: 'path-outside-root',
    },
    {
      name: 'absolute entry',
      formats: ['zip', 'tar'],
      entries: [...good, { name: '/etc/cron.d/evil.png', bytes: pngBytes() }],
      reason: 'absolute-path',
    },
    {
      name: 'symbolic link',
      formats: ['zip', 'tar', 'tar.gz'],
      entries: [...good, { name: 'cat/link.png', type: 'symlink', linkname: '/etc/passwd' }],
      reason: 'link',
    },
    {
      name: 'hard link',
      formats: ['tar', 'tar.gz'],
      entries: [...good, { name: 'cat/hard.png', type: 'link', linkname: 'cat/0.png' }],
      reason: 'link',
    },
    {
      name: 'device',
      formats: ['zip', 'tar'],
      entries: [...good, { name: 'cat/dev.png', type: 'character-device' }],
      reason: 'device',
    },
    {
      name: 'fifo',
      formats: ['tar'],
      entries: [...good, { name: 'cat/pipe', type: 'fifo' }],
      reason: 'device',
    },
    {
      name: 'zip bomb by ratio',
      formats: ['zip', 'tar.gz'],
      entries: [...good, { name: 'cat/zeros.txt', bytes: zeros }],
      reason: 'compression-ratio',
    },
    {
      name: 'zip bomb by total size',
      formats: ['zip', 'tar', 'tar.gz'],
      entries: [...good, { name: 'cat/zeros.txt', bytes: zeros }],
      limits: { maxUncompressedBytes: 2 * MiB, maxCompressionRatio: 1e9 },
      reason: 'uncompressed-too-large',
    },
    {
      name: 'entry over the per-entry limit',
      formats: ['zip', 'tar'],
      entries: [...good, { name: 'cat/big.png', bytes: zeros }],
      limits: { maxEntryBytes: MiB, maxCompressionRatio: 1e9 },
      reason: 'entry-too-large',
    },
    {
      name: 'too many entries',
      formats: ['zip', 'tar'],
      entries: good,
      limits: { maxEntries: 3 },
      reason: 'too-many-entries',
    },
    {
      name: 'too many images',
      formats: ['zip', 'tar'],
      entries: good,
      limits: { maxImages: 4 },
      reason: 'too-many-images',
    },
    {
      name: 'archive over the size limit',
      formats: ['zip', 'tar'],
      entries: good,
      limits: { maxArchiveBytes: 100 },
      reason: 'archive-too-large',
    },
    {
      name: 'no class folders',
      formats: ['zip', 'tar'],
      entries: [
        { name: 'a.png', bytes: pngBytes() },
        { name: 'readme.txt', bytes: Buffer.from('hi') },
      ],
      reason: 'no-class-folders',
    },
    {
      name: 'one class only',
      formats: ['zip', 'tar'],
      entries: datasetEntries(['cat'], 3),
      reason: 'one-class',
    },
    {
      name: 'a class with no readable image',
      formats: ['zip', 'tar.gz'],
      entries: [
        ...good,
        { name: 'owl/0.png', bytes: Buffer.from('garbage') },
        { name: 'owl/x.txt', bytes: Buffer.from('t') },
      ],
      reason: 'empty-class',
    },
    {
      name: 'a class folder with no image at all',
      formats: ['tar'],
      entries: [...good, { name: 'owl/', type: 'directory' }],
      reason: 'empty-class',
    },
  ];

  const rows = cases.flatMap((row) => row.formats.map((format) => ({ ...row, format })));
  it.each(rows)(
    'refuses $name ($format) with $reason',
    async ({ format, entries, raw, limits, reason }) => {
      let file: string;
      if (raw) {
        file = path.join(folder, `raw-${fileIndex++}`);
        await writeFile(file, raw);
      } else file = await archive(format, entries);
      const error = await readImageArchive(file, format, {
        ...DEFAULT_DATASET_ARCHIVE_LIMITS,
        ...limits,
      }).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ImageArchiveError);
      expect((error as ImageArchiveError).reason).toBe(reason);
    },
  );

  it('stops a gzip bomb while inflating, before reading far past the ratio', async () => {
    const file = path.join(folder, 'bomb.tar.gz');
    // 64 MiB of zeros in one entry: the ratio check must fire long before all of it is inflated.
    await writeFile(
      file,
      await makeTar([...good, { name: 'cat/z', bytes: Buffer.alloc(64 * MiB) }], true),
    );
    const started = process.memoryUsage().rss;
    await expect(readImageArchive(file, 'tar.gz')).rejects.toMatchObject({
      reason: 'compression-ratio',
    });
    expect(process.memoryUsage().rss - started).toBeLessThan(48 * MiB);
  });
});
