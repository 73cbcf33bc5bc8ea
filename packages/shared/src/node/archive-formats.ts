import { createReadStream } from 'node:fs';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tarStream from 'tar-stream';
import yauzl from 'yauzl';
import type { ArchiveCollector, EntryKind } from './archive-collector.js';
import { ImageArchiveError } from './archive-entry.js';

// Unix file-type bits of a zip entry's external attributes (high 16 bits), as `stat` writes them.
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const UNIX_HOST = 3;

function zipEntryKind(entry: yauzl.Entry, name: string): EntryKind {
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (entry.versionMadeBy >> 8 === UNIX_HOST && mode !== 0) {
    if (mode === S_IFLNK) return 'link';
    if (mode === S_IFDIR) return 'directory';
    if (mode !== S_IFREG) return 'device';
  }
  return name.endsWith('/') ? 'directory' : 'file';
}

/** Errors of the container libraries (a truncated or garbled file) become `corrupt-archive`. */
function asArchiveError(error: unknown): Error {
  if (error instanceof ImageArchiveError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ImageArchiveError('corrupt-archive', `the archive cannot be read: ${message}`);
}

/**
 * Zip through yauzl, which reads the central directory first and each entry from its own byte
 * range, so the entry count and every entry's sizes are judged before anything is inflated, and
 * yauzl itself refuses an entry whose inflated size differs from the size it declared.
 */
export async function readZip(file: string, collector: ArchiveCollector, maxEntries: number) {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
    });
  } catch (error) {
    throw new ImageArchiveError(
      'not-an-archive',
      `not a readable zip archive: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    if (zip.entryCount > maxEntries)
      throw new ImageArchiveError(
        'too-many-entries',
        `the archive has ${zip.entryCount} entries; at most ${maxEntries} are allowed`,
      );
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => reject(asArchiveError(error));
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = yauzl.getFileNameLowLevel(
          entry.generalPurposeBitFlag,
          entry.fileNameRaw,
          entry.extraFields,
          false,
        );
        handleZipEntry(zip, entry, name, collector).then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

async function handleZipEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  name: string,
  collector: ArchiveCollector,
): Promise<void> {
  const plan = collector.begin(name, zipEntryKind(entry, name), entry.uncompressedSize);
  collector.checkRatio(
    entry.uncompressedSize,
    entry.compressedSize,
    `entry ${JSON.stringify(name)}`,
  );
  if (!plan.read && entry.uncompressedSize === 0) return;
  if (entry.isEncrypted())
    throw new ImageArchiveError(
      'corrupt-archive',
      `entry ${JSON.stringify(name)} is encrypted`,
      name,
    );
  const body = await zip.openReadStreamPromise(entry);
  if (plan.read) await collector.image(plan.components, await collector.readBody(name, body));
  else await collector.drain(name, body);
}

function tarEntryKind(type: tarStream.Header['type']): EntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'link':
    case 'symlink':
      return 'link';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      return 'device';
    default:
      return 'other';
  }
}

/** Counts the bytes that pass, and calls `check` with the running total. */
function counter(check: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      try {
        check(total);
        callback(null, chunk);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * Tar (optionally gzipped) through tar-stream, one entry at a time in stream order. For tar.gz
 * the inflated stream is measured against the compressed bytes read so far, so a gzip bomb stops
 * at the first megabytes past the ratio instead of after it has filled the disk.
 */
export async function readTar(file: string, collector: ArchiveCollector, gzipped: boolean) {
  const extract = tarStream.extract();
  let compressedRead = 0;
  const stages: NodeJS.ReadWriteStream[] = [];
  if (gzipped) {
    stages.push(counter((total) => (compressedRead = total)));
    stages.push(createGunzip());
    stages.push(counter((total) => collector.checkRatio(total, compressedRead, 'the gzip stream')));
  } else stages.push(new PassThrough());
  const piped = pipeline([
    createReadStream(file),
    ...stages,
    extract as unknown as NodeJS.WritableStream,
  ]);
  // The pipeline's own error (say, the ratio check above) is the one worth reporting.
  let pipeError: unknown;
  const pipeDone = piped.catch((error: unknown) => {
    pipeError = error;
  });
  try {
    for await (const entry of extract) {
      const { header } = entry;
      const plan = collector.begin(header.name, tarEntryKind(header.type), header.size ?? 0);
      if (plan.read)
        await collector.image(
          plan.components,
          await collector.readBody(header.name, entry as AsyncIterable<Buffer>),
        );
      else await collector.drain(header.name, entry as AsyncIterable<Buffer>);
    }
    await pipeDone;
  } catch (error) {
    extract.destroy();
    await pipeDone;
    throw asArchiveError(error instanceof ImageArchiveError ? error : (pipeError ?? error));
  }
  if (pipeError !== undefined) throw asArchiveError(pipeError);
}
