import { open, stat } from 'node:fs/promises';
import type { ArchiveFormat } from '../dataset-spec.js';
import { DEFAULT_DATASET_ARCHIVE_LIMITS, type DatasetArchiveLimits } from '../dataset-limits.js';
import { ArchiveCollector, type ArchiveImage, type ArchiveSummary } from './archive-collector.js';
import { ImageArchiveError } from './archive-entry.js';
import { readTar, readZip } from './archive-formats.js';

export type { ArchiveClassCount, ArchiveImage, ArchiveSummary } from './archive-collector.js';
export { ImageArchiveError, type ImageArchiveErrorReason } from './archive-entry.js';

/** Bytes `detectArchiveFormat` needs to see: a tar header block (its magic sits at offset 257). */
export const ARCHIVE_HEAD_BYTES = 512;

/**
 * The archive format of a file from its first bytes (`ARCHIVE_HEAD_BYTES` of them, or fewer for
 * a shorter file), or null when they are none of zip, tar or gzip. Gzip is taken to hold a tar;
 * the reader finds out if it does not.
 */
export function detectArchiveFormat(head: Buffer): ArchiveFormat | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) {
    const kind = head.readUInt16BE(2);
    // A local file header, or the end-of-central-directory record of an empty zip.
    if (kind === 0x0304 || kind === 0x0506) return 'zip';
  }
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'tar.gz';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return null;
}

/** Reads a file's head and detects its format. */
export async function detectArchiveFileFormat(file: string): Promise<ArchiveFormat | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(ARCHIVE_HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return detectArchiveFormat(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Streams an image archive (`<class>/<image>.{png,jpg,jpeg}`, optionally under one top-level
 * folder) and calls `onImage` for every readable image, one at a time, in archive order; the
 * archive waits while `onImage` runs. Every limit is checked while the archive streams, before
 * the bytes that would break it are inflated; the class rules (two classes or more, each with a
 * readable image) are checked at the end, so a caller that keeps images must discard them when
 * this rejects. Throws `ImageArchiveError` with a `reason` for every refusal.
 */
export async function readImageArchive(
  file: string,
  format: ArchiveFormat,
  limits: DatasetArchiveLimits = DEFAULT_DATASET_ARCHIVE_LIMITS,
  onImage: (image: ArchiveImage) => Promise<void> = async () => {},
): Promise<ArchiveSummary> {
  const { size } = await stat(file);
  if (size > limits.maxArchiveBytes)
    throw new ImageArchiveError(
      'archive-too-large',
      `the archive is ${size} bytes; at most ${limits.maxArchiveBytes} are allowed`,
    );
  const detected = await detectArchiveFileFormat(file);
  if (detected === null || detected !== format)
    throw new ImageArchiveError(
      'not-an-archive',
      detected === null
        ? 'not a zip, tar or tar.gz archive'
        : `the file is a ${detected} archive, not ${format}`,
    );
  const collector = new ArchiveCollector(limits, size, onImage);
  if (format === 'zip') await readZip(file, collector, limits.maxEntries);
  else await readTar(file, collector, format === 'tar.gz');
  return collector.finish(format);
}
