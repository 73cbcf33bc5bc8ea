import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetEntries, freePort, makeZip } from '@finetrack/shared/testing';
import { ArchiveCache, ArchiveCacheError, folderBytes } from './archive-cache.js';

const SHAPE: [number, number, number] = [8, 8, 3];
const archives = [0, 1, 2].map((n) => makeZip(datasetEntries(['a', 'b'], 3 + n)));
const specOf = (bytes: Buffer) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  byteSize: bytes.length,
  format: 'zip' as const,
});

describe('ArchiveCache', () => {
  let server: Server;
  let base: string;
  let scratch: string;
  let requests = 0;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'archive-cache-'));
    server = createServer((request, response) => {
      requests += 1;
      if (request.url === '/cut') {
        // The connection dies halfway, as when the API or the network goes down mid-download.
        response.writeHead(200, { 'content-length': archives[0].length });
        response.write(archives[0].subarray(0, archives[0].length >> 1));
        return void setTimeout(() => response.destroy(), 20);
      }
      const n = Number(request.url!.slice(1));
      response.writeHead(200, { 'content-length': archives[n].length });
      response.end(archives[n]);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(scratch, { recursive: true, force: true });
  });
  const fetcher = (n: number) => () => fetch(`${base}/${n}`);

  it('downloads once for two runs at once, and not at all the second time', async () => {
    const sut = new ArchiveCache(path.join(scratch, 'one'), 1e9);
    const before = requests;
    const [a, b] = await Promise.all([
      sut.acquire(specOf(archives[0]), SHAPE, fetcher(0)),
      sut.acquire(specOf(archives[0]), SHAPE, fetcher(0)),
    ]);
    expect(a.indexFolder).toBe(b.indexFolder);
    const again = await sut.acquire(specOf(archives[0]), SHAPE, fetcher(0));
    expect(requests - before).toBe(1);
    expect(sut.downloads).toBe(1);
    [a, b, again].forEach((entry) => entry.release());
  });

  it('fails on a sha256 mismatch and keeps nothing', async () => {
    const root = path.join(scratch, 'bad');
    const sut = new ArchiveCache(root, 1e9);
    const wrong = { ...specOf(archives[1]), sha256: 'f'.repeat(64) };
    await expect(sut.acquire(wrong, SHAPE, fetcher(1))).rejects.toThrow(ArchiveCacheError);
    await expect(sut.acquire(wrong, SHAPE, fetcher(1))).rejects.toThrow(/sha256/);
    expect(await readdir(root)).toEqual([]);
  });

  it('leaves no entry when the download breaks off midway', async () => {
    const root = path.join(scratch, 'cut');
    const sut = new ArchiveCache(root, 1e9);
    await expect(
      sut.acquire(specOf(archives[0]), SHAPE, () => fetch(`${base}/cut`)),
    ).rejects.toThrow();
    expect(await readdir(root)).toEqual([]);
    // The next try downloads it whole.
    (await sut.acquire(specOf(archives[0]), SHAPE, fetcher(0))).release();
    expect(await readdir(root)).toEqual([specOf(archives[0]).sha256]);
  });

  it('evicts least recently used entries past the cap, never one in use', async () => {
    const root = path.join(scratch, 'lru');
    const sut = new ArchiveCache(root, 1e9);
    const [first, second, third] = archives.map((bytes) => specOf(bytes).sha256);
    const held = await sut.acquire(specOf(archives[0]), SHAPE, fetcher(0));
    (await sut.acquire(specOf(archives[1]), SHAPE, fetcher(1))).release();
    (await sut.acquire(specOf(archives[2]), SHAPE, fetcher(2))).release();
    expect((await readdir(root)).sort()).toEqual([first, second, third].sort());
    // Oldest first: the held entry, then the second, then the third.
    await utimes(path.join(root, first), 1, 1);
    await utimes(path.join(root, second), 2, 2);
    await utimes(path.join(root, third), 3, 3);
    // Room for the first and third entries only: the second goes (least recently used not in
    // use, the first being held), then eviction stops.
    sut.capBytes =
      (await folderBytes(path.join(root, first))) + (await folderBytes(path.join(root, third)));
    await sut.evict();
    expect((await readdir(root)).sort()).toEqual([first, third].sort());
    // A cap of one byte empties everything except the entry in use, until it is released.
    sut.capBytes = 1;
    await sut.evict();
    expect(await readdir(root)).toEqual([first]);
    held.release();
    await sut.evict();
    expect(await readdir(root)).toEqual([]);
  });
});
