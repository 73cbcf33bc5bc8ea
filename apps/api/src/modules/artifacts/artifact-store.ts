import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What a write produced; nothing is visible under the key until `commit()`. */
export interface StagedObject {
  byteSize: number;
  sha256: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export class TooLargeError extends Error {
  override name = 'TooLargeError';
}

/**
 * Where artifact bytes live. Keys are `<teamId>/<artifactId>`. The local disk store is the
 * default; an S3-compatible store can implement the same three calls (multipart upload to a
 * temporary key, then copy/complete on commit).
 */
export interface ArtifactStore {
  /** Streams `body` to a temporary object, hashing it; stops past `maxBytes` with TooLargeError. */
  stage(key: string, body: Readable, maxBytes: number): Promise<StagedObject>;
  /** The stored object's bytes, or null when there is none. */
  open(key: string): Promise<{ stream: Readable; byteSize: number } | null>;
  remove(key: string): Promise<void>;
}

const SAFE_KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;

/** A `.part` file untouched this long belongs to an upload whose process died (kill -9, power). */
export const STALE_UPLOAD_MS = 15 * 60_000;

export class LocalDiskStore implements ArtifactStore {
  private lastSweep = 0;

  constructor(
    private readonly root: string,
    private readonly staleUploadMs = STALE_UPLOAD_MS,
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
    try {
      await pipeline(body, counter, createWriteStream(temporary, { mode: 0o600 }));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return {
      byteSize,
      sha256: hash.digest('hex'),
      commit: async () => {
        await mkdir(path.dirname(target), { recursive: true });
        await rename(temporary, target);
      },
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
}
