import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What a write produced; nothing is visible under the key until `commit()`. */
export interface StagedObject {
  byteSize: number;
  sha256: string;
  /** The staged bytes again (an import hashes its shards in manifest order before committing). */
  read(): Readable;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export class TooLargeError extends Error {
  override name = 'TooLargeError';
}

/** errno codes of a write that failed for want of room: disk full, quota, file size limit. */
const NO_ROOM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** The store had no room for the bytes; nothing was kept. `code` is the errno code seen. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';

  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`the artifact store is full (${code}): nothing was kept`, options);
  }
}

/** Whether a write failed because the store ran out of room (see NO_ROOM_CODES). */
export function isStorageFull(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && NO_ROOM_CODES.has(code);
}

/** Opens the file a staged upload is written to. */
export type OpenIncoming = (file: string) => Writable;

/**
 * Moves a finished file to its key durably: its bytes are flushed to the disk (fsync) before the
 * rename and the folder's entry after it, so an object the API has acknowledged, and whose row it
 * then commits, survives a crash or power loss of the host, never a named file with lost bytes.
 */
export async function renameDurably(file: string, target: string): Promise<void> {
  const flush = async (at: string) => {
    const handle = await open(at, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  await flush(file);
  await mkdir(path.dirname(target), { recursive: true });
  await rename(file, target);
  await flush(path.dirname(target));
}

const openPartFile: OpenIncoming = (file) => createWriteStream(file, { mode: 0o600 });

/**
 * Where artifact bytes live. Keys are `<teamId>/<artifactId>`. The local disk store is the
 * default; an S3-compatible store can implement the same three calls (multipart upload to a
 * temporary key, then copy/complete on commit).
 */
export interface ArtifactStore {
  /**
   * Streams `body` to a temporary object, hashing it; stops past `maxBytes` with TooLargeError,
   * and with StorageFullError when the store has no room left. `body` is not destroyed on a
   * failure: the caller decides whether to read the rest of it (to answer) or drop it.
   */
  stage(key: string, body: Readable, maxBytes: number): Promise<StagedObject>;
  /** The stored object's bytes, or null when there is none. */
  open(key: string): Promise<{ stream: Readable; byteSize: number } | null>;
  remove(key: string): Promise<void>;
  /**
   * Moves a finished file (on the store's own disk) in under `key`, replacing what is there:
   * callers adopt only content-addressed files, so a replaced file held the same bytes.
   */
  adopt(key: string, file: string): Promise<void>;
  /** Whether an object is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** The object's file on this machine's disk (archives are read with random access). */
  localPath(key: string): string;
}

// `<team>/<artifact id>`, or `<team>/dataset-<sha256>` for an uploaded dataset archive.
const SAFE_KEY = /^[0-9a-f-]{36}\/([0-9a-f-]{36}|dataset-[0-9a-f]{64})$/;

/** A `.part` file untouched this long belongs to an upload whose process died (kill -9, power). */
export const STALE_UPLOAD_MS = 15 * 60_000;

export class LocalDiskStore implements ArtifactStore {
  private lastSweep = 0;

  /**
   * `openIncoming` opens each `.part` file; tests route it to /dev/full (every write fails with
   * ENOSPC) to reach the full-disk path without root.
   */
  constructor(
    private readonly root: string,
    private readonly staleUploadMs = STALE_UPLOAD_MS,
    private readonly openIncoming: OpenIncoming = openPartFile,
  ) {}

  /**
   * Removes `.incoming/*.part` files older than staleUploadMs: what an upload leaves when its API
   * process is killed mid-transfer. A live upload writes continuously, so its file stays fresh;
   * several API processes may share the folder. Returns how many were removed.
   */
  async sweepIncoming(now = Date.now()): Promise<number> {
    const incoming = path.join(this.root, '.incoming');
    let names: string[];
    try {
      names = await readdir(incoming);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.part')) continue;
      const file = path.join(incoming, name);
      try {
        if (now - (await stat(file)).mtimeMs < this.staleUploadMs) continue;
        await rm(file, { force: true });
        removed++;
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }

  private file(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`bad artifact key ${key}`);
    return path.join(this.root, key);
  }

  async stage(key: string, body: Readable, maxBytes: number): Promise<StagedObject> {
    const target = this.file(key);
    if (Date.now() - this.lastSweep > this.staleUploadMs) {
      this.lastSweep = Date.now();
      void this.sweepIncoming().catch(() => undefined);
    }
    const temporary = path.join(this.root, '.incoming', `${randomBytes(12).toString('hex')}.part`);
    await mkdir(path.dirname(temporary), { recursive: true });
    const hash = createHash('sha256');
    let byteSize = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        byteSize += chunk.length;
        if (byteSize > maxBytes) return callback(new TooLargeError(`more than ${maxBytes} bytes`));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    // Piped, not pipelined: pipeline() would destroy `body` when the write fails, and with a
    // request body its socket, so the caller could not answer. A cut-off body still ends the copy.
    const source = new PassThrough();
    const cutOff = (error?: Error) => source.destroy(error ?? new Error('the upload was cut off'));
    const onClose = () => {
      if (!body.readableEnded) cutOff();
    };
    body.once('error', cutOff);
    body.once('close', onClose);
    body.pipe(source);
    try {
      await pipeline(source, counter, this.openIncoming(temporary));
    } catch (error) {
      body.unpipe(source);
      await rm(temporary, { force: true });
      if (isStorageFull(error)) throw new StorageFullError(error.code, { cause: error });
      throw error;
    } finally {
      body.off('error', cutOff);
      body.off('close', onClose);
    }
    return {
      byteSize,
      sha256: hash.digest('hex'),
      read: () => createReadStream(temporary),
      commit: () => renameDurably(temporary, target),
      discard: () => rm(temporary, { force: true }),
    };
  }

  async open(key: string): Promise<{ stream: Readable; byteSize: number } | null> {
    const file = this.file(key);
    try {
      const { size } = await stat(file);
      return { stream: createReadStream(file), byteSize: size };
    } catch {
      return null;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async adopt(key: string, file: string): Promise<void> {
    await renameDurably(file, this.file(key));
  }

  async has(key: string): Promise<boolean> {
    return stat(this.file(key)).then(
      () => true,
      () => false,
    );
  }

  localPath(key: string): string {
    return this.file(key);
  }
}
