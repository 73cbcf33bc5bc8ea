import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRef } from '@finetrack/shared';
import { ApiClient } from '@finetrack/shared/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerApi } from './worker-api.js';

describe('WorkerApi.downloadAllCached', () => {
  let folder: string;
  let server: Server;
  let sut: WorkerApi;
  const bodies = new Map<string, Buffer>();
  const gets: string[] = [];

  const artifact = (fileName: string, body: Buffer): ArtifactRef => {
    const id = randomUUID();
    bodies.set(id, body);
    return {
      id,
      kind: 'weights',
      fileName,
      byteSize: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    };
  };

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'worker-api-'));
    gets.length = 0;
    server = createServer((request, response) => {
      const id = request.url!.split('/').pop()!;
      gets.push(id);
      const body = bodies.get(id);
      response.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    sut = new WorkerApi(new ApiClient({ url: `http://127.0.0.1:${port}`, token: 'ft_test' }));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  it('downloads each artifact once, then copies it from the cache for later runs', async () => {
    const files = [
      artifact('model.json', Buffer.from('{"a":1}')),
      artifact('weights.bin', Buffer.alloc(4096, 7)),
    ];
    const cache = join(folder, 'cache');
    await sut.downloadAllCached(files, join(folder, 'run-1'), cache);
    await sut.downloadAllCached(files, join(folder, 'run-2'), cache);
    expect(gets.sort()).toEqual(files.map((file) => file.id).sort());
    for (const run of ['run-1', 'run-2'])
      for (const file of files)
        expect(await readFile(join(folder, run, file.fileName))).toEqual(bodies.get(file.id));
  });

  it('downloads again when the cached copy no longer matches its sha256', async () => {
    const file = artifact('weights.bin', Buffer.alloc(1024, 3));
    const cache = join(folder, 'cache');
    await sut.downloadAllCached([file], join(folder, 'run-1'), cache);
    await writeFile(join(cache, file.id), Buffer.alloc(1024, 4)); // same size, other bytes
    await sut.downloadAllCached([file], join(folder, 'run-2'), cache);
    expect(gets).toEqual([file.id, file.id]);
    expect(await readFile(join(folder, 'run-2', 'weights.bin'))).toEqual(bodies.get(file.id));
  });

  it('keeps only the most recently used files', async () => {
    const cache = join(folder, 'cache');
    const files = Array.from({ length: 26 }, (_, index) =>
      artifact(`file-${index}.bin`, Buffer.from(String(index))),
    );
    for (const file of files) await sut.downloadAllCached([file], join(folder, 'run'), cache);
    expect((await readdir(cache)).length).toBe(24);
  });
});
