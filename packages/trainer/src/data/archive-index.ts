import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveFormat } from '@finetrack/shared';
import { ImageArchiveError, readImageArchive } from '@finetrack/shared/node';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';
import { checkImageInputShape, decodeImage } from './image-folder.js';

/** What `index.json` of an indexed archive holds; `pixels.u8` holds the images it lists. */
export interface ArchiveIndex {
  version: 1;
  inputShape: [number, number, number];
  classNames: string[];
  /** Per class (in classNames order), the images' entry paths and their slot in pixels.u8. */
  classes: { entryPath: string; slot: number }[][];
  /** Images named like images that did not decode at inputShape. */
  unreadable: number;
}

export const ARCHIVE_INDEX_FILE = 'index.json';
export const ARCHIVE_PIXELS_FILE = 'pixels.u8';

/** The folder name an index at one input shape lives under, inside a cache entry. */
export function indexFolderName(inputShape: [number, number, number]): string {
  return `index-${inputShape.join('x')}`;
}

/**
 * Decodes every image of an archive once, at `inputShape`, into `folder` as uint8 NHWC pixels in
 * archive order plus an index of classes and entry paths, so a later load reads one file and
 * decodes nothing. Writes into a temporary folder renamed at the end, so a crash leaves no half
 * index. Archive refusals become DatasetError INVALID_SPEC with the reader's message.
 */
export async function indexArchive(
  archive: string,
  format: ArchiveFormat,
  inputShape: [number, number, number],
  folder: string,
): Promise<ArchiveIndex> {
  checkImageInputShape(inputShape);
  const temporary = `${folder}.tmp-${process.pid}-${Date.now()}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  const pixels = await open(path.join(temporary, ARCHIVE_PIXELS_FILE), 'w');
  const byClass = new Map<string, { entryPath: string; slot: number }[]>();
  let slot = 0;
  let unreadable = 0;
  try {
    const summary = await readImageArchive(archive, format, undefined, async (image) => {
      let data: Buffer;
      try {
        data = await decodeImage(image.bytes, inputShape);
      } catch {
        unreadable += 1;
        return;
      }
      await pixels.write(data);
      const list = byClass.get(image.className) ?? [];
      list.push({ entryPath: image.entryPath, slot: slot++ });
      byClass.set(image.className, list);
    });
    await pixels.close();
    const classes = summary.classNames.map((name) =>
      (byClass.get(name) ?? []).sort((a, b) =>
        a.entryPath < b.entryPath ? -1 : a.entryPath > b.entryPath ? 1 : 0,
      ),
    );
    const empty = summary.classNames.filter((_, label) => classes[label].length === 0);
    if (empty.length > 0)
      throw new DatasetError(
        DatasetErrorCode.EmptyClass,
        `class folder(s) with no readable image in the archive: ${empty.join(', ')}`,
      );
    const index: ArchiveIndex = {
      version: 1,
      inputShape,
      classNames: summary.classNames,
      classes,
      unreadable,
    };
    await writeFile(path.join(temporary, ARCHIVE_INDEX_FILE), JSON.stringify(index));
    await rm(folder, { recursive: true, force: true });
    await rename(temporary, folder);
    return index;
  } catch (error) {
    await pixels.close().catch(() => {});
    await rm(temporary, { recursive: true, force: true });
    if (error instanceof ImageArchiveError)
      throw new DatasetError(DatasetErrorCode.InvalidSpec, `bad dataset archive: ${error.message}`);
    throw error;
  }
}

/** Reads an index written by indexArchive: its JSON and all its pixels. */
export async function readArchiveIndex(
  folder: string,
): Promise<{ index: ArchiveIndex; pixels: Buffer }> {
  const index = JSON.parse(
    await readFile(path.join(folder, ARCHIVE_INDEX_FILE), 'utf8'),
  ) as ArchiveIndex;
  const pixels = await readFile(path.join(folder, ARCHIVE_PIXELS_FILE));
  return { index, pixels };
}
