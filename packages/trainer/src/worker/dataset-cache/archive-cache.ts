import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFormat } from '@finetrack/shared';
import { indexArchive, indexFolderName } from '../../data/archive-index.js';

/** Default cap of a worker's dataset cache: 10 GiB. */
export const DEFAULT_WORKER_CACHE_BYTES = 10 * 1024 ** 3;

/** WORKER_CACHE_BYTES from the environment (the one place it is read), or the default. */
export function workerCacheBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WORKER_CACHE_BYTES;
  if (raw === undefined || raw === '') return DEFAULT_WORKER_CACHE_BYTES;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`WORKER_CACHE_BYTES must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

export class ArchiveCacheError extends Error {}

export interface CachedArchive {
  sha256: string;
  byteSize: number;
  format: ArchiveFormat;
}

/** Opens the archive's bytes (the worker: `GET /dataset-files/<id>/archive` with its token). */
export type ArchiveFetcher = () => Promise<Response>;

const ARCHIVE_FILE = 'archive';

/** Bytes of the files under a folder. */
export async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

/**
 * A worker's cache of uploaded dataset archives, one folder per sha256 holding the archive and its
 * decoded indexes (one per input shape). Entries appear whole or not at all (temporary name,
 * then rename); two runs asking for the same entry at once share one download; when the cache
 * grows past its cap the least recently used entries go, except those a run is using.
 */
export class ArchiveCache {
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly inUse = new Map<string, number>();
  /** Downloads started, for logs and tests. */
  downloads = 0;

  constructor(
    readonly root: string,
    public capBytes: number = workerCacheBytes(),
    private readonly log: (message: string) => void = () => {},
  ) {}

  /**
   * The index folder of `archive` at `inputShape`, downloading and indexing it when missing;
   * the entry counts as in use until `release` runs.
   */
  async acquire(
    archive: CachedArchive,
    inputShape: [number, number, number],
    fetchArchive: ArchiveFetcher,
  ): Promise<{ indexFolder: string; release: () => void }> {
    if (!/^[0-9a-f]{64}$/.test(archive.sha256))
      throw new ArchiveCacheError(`not a sha256: ${archive.sha256}`);
    const key = `${archive.sha256}:${inputShape.join('x')}`;
    this.inUse.set(archive.sha256, (this.inUse.get(archive.sha256) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.inUse.get(archive.sha256) ?? 1) - 1;
      if (left <= 0) this.inUse.delete(archive.sha256);
      else this.inUse.set(archive.sha256, left);
    };
    try {
      let pending = this.inFlight.get(key);
      if (pending === undefined) {
        pending = this.ensure(archive, inputShape, fetchArchive).finally(() =>
          this.inFlight.delete(key),
        );
        this.inFlight.set(key, pending);
      }
      const indexFolder = await pending;
      const now = new Date();
      await utimes(path.join(this.root, archive.sha256), now, now);
      await this.evict();
      return { indexFolder, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  private async ensure(
    archive: CachedArchive,
    inputShape: [number, number, number],
    fetchArchive: ArchiveFetcher,
  ): Promise<string> {
    const entry = path.join(this.root, archive.sha256);
    const file = path.join(entry, ARCHIVE_FILE);
    const indexFolder = path.join(entry, indexFolderName(inputShape));
    if (await exists(path.join(indexFolder, 'index.json'))) {
      this.log(`dataset ${archive.sha256.slice(0, 12)}: cached`);
      return indexFolder;
    }
    if (!(await exists(file))) await this.download(archive, entry, fetchArchive);
    this.log(`dataset ${archive.sha256.slice(0, 12)}: indexing at ${inputShape.join('×')}`);
    await indexArchive(file, archive.format, inputShape, indexFolder);
    return indexFolder;
  }

  /** Streams the archive into a temporary entry, checking size and sha256, then renames it. */
  private async download(archive: CachedArchive, entry: string, fetchArchive: ArchiveFetcher) {
    this.downloads += 1;
    this.log(`dataset ${archive.sha256.slice(0, 12)}: downloading ${archive.byteSize} bytes`);
    await mkdir(this.root, { recursive: true });
    const temporary = `${entry}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(temporary, { recursive: true });
    try {
      const response = await fetchArchive();
      if (!response.ok || response.body === null)
        throw new ArchiveCacheError(`dataset download failed: HTTP ${response.status}`);
      const hash = createHash('sha256');
      let bytes = 0;
      const check = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          if (bytes > archive.byteSize)
            return done(
              new ArchiveCacheError(`dataset download exceeds its ${archive.byteSize} bytes`),
            );
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        check,
        createWriteStream(path.join(temporary, ARCHIVE_FILE)),
      );
      if (bytes !== archive.byteSize)
        throw new ArchiveCacheError(
          `dataset download has ${bytes} bytes, expected ${archive.byteSize}`,
        );
      const digest = hash.digest('hex');
      if (digest !== archive.sha256)
        throw new ArchiveCacheError(
          `dataset download has sha256 ${digest}, expected ${archive.sha256}`,
        );
      await rm(entry, { recursive: true, force: true });
      await rename(temporary, entry);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
  }

  /** Deletes least recently used entries not in use until the cache fits its cap. */
  async evict(): Promise<void> {
    const names = (await readdir(this.root).catch(() => [] as string[])).filter((name) =>
      /^[0-9a-f]{64}$/.test(name),
    );
    const entries = await Promise.all(
      names.map(async (name) => {
        const folder = path.join(this.root, name);
        return {
          name,
          folder,
          used: (await stat(folder)).mtimeMs,
          bytes: await folderBytes(folder),
        };
      }),
    );
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total <= this.capBytes) break;
      if (
        this.inUse.has(entry.name) ||
        (this.inFlight.size > 0 &&
          [...this.inFlight.keys()].some((key) => key.startsWith(entry.name)))
      )
        continue;
      await rm(entry.folder, { recursive: true, force: true });
      total -= entry.bytes;
      this.log(`dataset ${entry.name.slice(0, 12)}: evicted (${entry.bytes} bytes)`);
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
