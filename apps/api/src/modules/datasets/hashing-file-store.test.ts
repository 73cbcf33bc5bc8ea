import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Upload } from '@tus/utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashingFileStore, UPLOAD_WRITE_BATCH_BYTES } from './hashing-file-store.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('HashingFileStore', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'finetrack-hashing-store-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const anUpload = async (store: HashingFileStore, id: string, size: number) =>
    store.create(new Upload({ id, size, offset: 0 }));
  const chunked = (bytes: Buffer, size: number) =>
    Readable.from(
      Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
        bytes.subarray(i * size, (i + 1) * size),
      ),
    );

  it('knows the sha256 of bytes written in order, over several writes', async () => {
    const store = new HashingFileStore({ directory });
    const bytes = randomBytes(300_000);
    await anUpload(store, 'a', bytes.length);
    expect(await store.write(chunked(bytes.subarray(0, 100_000), 7_000), 'a', 0)).toBe(100_000);
    expect(await store.write(chunked(bytes.subarray(100_000), 65_536), 'a', 100_000)).toBe(
      bytes.length,
    );
    expect((await readFile(path.join(directory, 'a'))).equals(bytes)).toBe(true);
    expect(store.takeSha256('a', bytes.length)).toBe(sha256(bytes));
    // Taken once: the state is gone.
    expect(store.takeSha256('a', bytes.length)).toBeNull();
  });

  it('answers null when some bytes did not pass through this process', async () => {
    const bytes = randomBytes(50_000);
    const before = new HashingFileStore({ directory });
    await anUpload(before, 'b', bytes.length);
    await before.write(chunked(bytes.subarray(0, 20_000), 4096), 'b', 0);
    // A restarted API continues the upload: its store never saw the first part.
    const after = new HashingFileStore({ directory });
    expect(await after.write(chunked(bytes.subarray(20_000), 4096), 'b', 20_000)).toBe(
      bytes.length,
    );
    expect(after.takeSha256('b', bytes.length)).toBeNull();
    // Unfinished: no hash either.
    const store = new HashingFileStore({ directory });
    await anUpload(store, 'c', bytes.length);
    await store.write(chunked(bytes.subarray(0, 10_000), 4096), 'c', 0);
    expect(store.takeSha256('c', bytes.length)).toBeNull();
  });

  it('writes an upload larger than a batch from many small chunks, byte for byte', async () => {
    const store = new HashingFileStore({ directory });
    const bytes = randomBytes(UPLOAD_WRITE_BATCH_BYTES * 3 + 12_345);
    await anUpload(store, 'e', bytes.length);
    expect(await store.write(chunked(bytes, 65_536), 'e', 0)).toBe(bytes.length);
    expect((await readFile(path.join(directory, 'e'))).equals(bytes)).toBe(true);
    expect(store.takeSha256('e', bytes.length)).toBe(sha256(bytes));
  });

  it('never writes outside its folder', async () => {
    const store = new HashingFileStore({ directory });
    await expect(store.write(chunked(randomBytes(10), 10), '../escape', 0)).rejects.toBeTruthy();
  });

  it('forgets the hash when a write fails halfway', async () => {
    const store = new HashingFileStore({ directory });
    const bytes = randomBytes(40_000);
    await anUpload(store, 'd', bytes.length);
    const failing = new Readable({ read() {} });
    failing.push(bytes.subarray(0, 10_000));
    setTimeout(() => failing.destroy(new Error('client went away')), 20);
    await expect(store.write(failing, 'd', 0)).rejects.toBeTruthy();
    // The client resumes at the offset on disk; this process has no hash of what came before.
    // Every byte that arrived before the failure reached the disk, batched or not.
    const offset = (await store.getUpload('d')).offset;
    expect(offset).toBe(10_000);
    await store.write(chunked(bytes.subarray(offset), 4096), 'd', offset);
    expect(store.takeSha256('d', bytes.length)).toBeNull();
  });
});
