import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRef, ClaimedRun } from '@finetrack/shared';
import { ApiClient } from '@finetrack/shared/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toClaimedJob, WorkerApi } from './worker-api.js';

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

describe('toClaimedJob', () => {
  const claim: ClaimedRun = {
    runId: 'run',
    teamId: 'team',
    experimentId: 'experiment',
    kind: 'FINETUNE',
    attempt: 1,
    leaseToken: 'lease',
    leaseExpiresAt: '2026-01-01T00:00:00.000Z',
    leaseSeconds: 60,
    heartbeatSeconds: 20,
    hyperparameters: {
      frozenLayers: 2,
      learningRate: 0.01,
      epochs: 3,
      batchSize: 32,
      optimizer: 'MOMENTUM',
      seed: 7,
      initialization: 'SCRATCH',
      trainSamples: null,
      augmentation: { flip: true, crop: 0.1, rotation: 5 },
    },
    architecture: null,
    dataset: {
      id: 'dataset',
      name: 'MNIST 5–9',
      spec: { kind: 'mnist', classes: [5, 6] },
      classNames: [],
    },
    sourceModel: null,
    resume: null,
    targetModelName: 'target',
  };

  it('turns GraphQL enum names into the stored values the trainer takes', () => {
    const job = toClaimedJob(claim);
    expect(job.kind).toBe('finetune');
    expect(job.hyperparameters).toEqual({
      frozenLayers: 2,
      learningRate: 0.01,
      epochs: 3,
      batchSize: 32,
      optimizer: 'momentum',
      seed: 7,
      initialization: 'scratch',
      trainSamples: null,
      augmentation: { flip: true, crop: 0.1, rotation: 5 },
    });
    expect(job.dataset.spec).toEqual({ kind: 'mnist', classes: [5, 6] });
    expect(job.targetModelName).toBe('target');
  });

  it('refuses an enum name this worker does not know', () => {
    const unknown = { ...claim.hyperparameters, optimizer: 'RMSPROP' } as never;
    expect(() => toClaimedJob({ ...claim, hyperparameters: unknown })).toThrow(RangeError);
  });
});
