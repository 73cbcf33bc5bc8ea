import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';

/** Uploads followed at once; past it the oldest is forgotten (it is then hashed from disk). */
const MAX_FOLLOWED = 1000;

interface Running {
  hash: Hash;
  /** Bytes hashed, all of them written to the file: its offset. */
  offset: number;
}

/**
 * A tus FileStore that hashes (sha256) an upload's bytes while they are written, so finishing a
 * large upload need not read the whole file back. The hash state lives in this process only: an
 * upload whose chunks did not all pass through it in order (an API restart in between, a failed
 * write, a resume at another offset) has no hash here, and the caller hashes the file instead.
 */
export class HashingFileStore extends FileStore {
  private readonly running = new Map<string, Running>();

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const known = this.running.get(id);
    this.running.delete(id);
    const state =
      known?.offset === offset
        ? known
        : offset === 0
          ? { hash: createHash('sha256'), offset: 0 }
          : undefined;
    if (!state) return super.write(readable, id, offset);
    let hashed = state.offset;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        state.hash.update(chunk);
        hashed += chunk.length;
        done(null, chunk);
      },
    });
    readable.once('error', (error) => hashing.destroy(error));
    const end = await super.write(readable.pipe(hashing), id, offset);
    // Everything hashed reached the file (the write resolved only after its stream finished).
    if (end === hashed) {
      state.offset = end;
      this.running.set(id, state);
      if (this.running.size > MAX_FOLLOWED) this.running.delete(this.running.keys().next().value!);
    }
    return end;
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
