import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { ERRORS } from '@tus/utils';

/** Uploads followed at once; past it the oldest is forgotten (it is then hashed from disk). */
const MAX_FOLLOWED = 1000;

/**
 * Received bytes are gathered into writes of about this size. One file write per request chunk
 * (64 KiB off a socket) made the disk the slower side of an upload; at 1 MiB a write is cheap
 * next to the bytes it carries, and an upload holds at most two such batches in memory.
 */
export const UPLOAD_WRITE_BATCH_BYTES = 1024 * 1024;

interface Running {
  hash: Hash;
  /** Bytes hashed, all of them written to the file: its offset. */
  offset: number;
}

/**
 * A tus FileStore that hashes (sha256) an upload's bytes while they are written, so finishing a
 * large upload need not read the whole file back, and writes them in batches. The hash state
 * lives in this process only: an upload whose chunks did not all pass through it in order (an
 * API restart in between, a failed write, a resume at another offset) has no hash here, and the
 * caller hashes the file instead.
 */
export class HashingFileStore extends FileStore {
  private readonly running = new Map<string, Running>();

  /**
   * Appends what `readable` yields to the upload's file from `offset` and answers the new
   * offset. Every byte received before the stream ends or fails is on disk when this settles, as
   * tus expects of a store: a client whose connection broke resumes from the file's size.
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const known = this.running.get(id);
    this.running.delete(id);
    const state =
      known?.offset === offset
        ? known
        : offset === 0
          ? { hash: createHash('sha256'), offset: 0 }
          : undefined;
    const file = await open(this.fileOf(id), 'r+');
    let position = offset;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const flush = async () => {
      await writing;
      const parts = batch;
      const at = position;
      position += batchBytes;
      batch = [];
      batchBytes = 0;
      // One write in flight while the next batch gathers.
      writing = parts.length > 0 ? file.writev(parts, at) : Promise.resolve();
    };
    let failed = false;
    try {
      for await (const chunk of readable as AsyncIterable<Buffer>) {
        state?.hash.update(chunk);
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= UPLOAD_WRITE_BATCH_BYTES) await flush();
      }
    } catch {
      failed = true;
    }
    try {
      await flush();
      await writing;
    } catch {
      failed = true;
    } finally {
      await file.close();
    }
    if (failed) throw ERRORS.FILE_WRITE_ERROR;
    if (state) {
      state.offset = position;
      this.running.set(id, state);
      if (this.running.size > MAX_FOLLOWED) this.running.delete(this.running.keys().next().value!);
    }
    return position;
  }

  /** The upload's file, never outside the upload folder (ids come from the URL). */
  private fileOf(id: string): string {
    const file = path.join(this.directory, id);
    const relative = path.relative(this.directory, file);
    if (!relative || relative.startsWith('..') || path.isAbsolute(relative))
      throw ERRORS.FILE_NOT_FOUND;
    return file;
  }

  /** The sha256 of a finished upload of `size` bytes if all of it was hashed here, else null. */
  takeSha256(id: string, size: number): string | null {
    const state = this.running.get(id);
    this.running.delete(id);
    return state && state.offset === size ? state.hash.digest('hex') : null;
  }

  override async remove(id: string): Promise<void> {
    this.running.delete(id);
    await super.remove(id);
  }
}
