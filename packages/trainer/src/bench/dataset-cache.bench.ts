/**
 * A worker's first use of an uploaded 10,000-image dataset (download from a local HTTP server,
 * sha256 check, decode into the index, load) against its second, cached use (load the index
 * only). Goal: cached ≥ 20× faster. Runs standalone (`node dist/bench/dataset-cache.bench.js
 * [--json]`) and as rows of the trainer benchmark. BENCH_DATASET_IMAGES overrides the count.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '@finetrack/shared/node';
import { makeZip, pngBytes } from '@finetrack/shared/testing';
import { loadDataset } from '../data/load-dataset.js';
import { ArchiveCache } from '../worker/dataset-cache/archive-cache.js';

export const DATASET_CACHE_SPEEDUP_GOAL = 20;

export interface DatasetCacheBench {
  images: number;
  firstUseSeconds: number;
  cachedUseSeconds: number;
  datasetCacheSpeedup: number;
}

export async function benchDatasetCache(
  images = Number(process.env.BENCH_DATASET_IMAGES ?? 10_000),
): Promise<DatasetCacheBench> {
  const classes = ['a', 'b', 'c', 'd', 'e'];
  const entries = Array.from({ length: images }, (_, index) => ({
    name: `${classes[index % classes.length]}/${index}.png`,
    bytes: pngBytes(16, 16, [index % 256, (index >> 8) % 256, (index * 7) % 256]),
  }));
  const archive = makeZip(entries);
  const spec = {
    kind: 'archive' as const,
    sha256: createHash('sha256').update(archive).digest('hex'),
    byteSize: archive.length,
    format: 'zip' as const,
    inputShape: [16, 16, 3] as [number, number, number],
  };
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-length': archive.length });
    response.end(archive);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const scratch = await mkdtemp(path.join(tmpdir(), 'dataset-cache-bench-'));
  try {
    const cache = new ArchiveCache(scratch, 1e12);
    const use = async () => {
      const started = performance.now();
      const held = await cache.acquire(spec, spec.inputShape, () =>
        fetch(`http://127.0.0.1:${port}/`),
      );
      const dataset = await loadDataset(spec, { archive: { indexFolder: held.indexFolder } });
      held.release();
      if (dataset.train.count + dataset.validation.count !== images)
        throw new Error('the benchmark dataset lost images');
      return (performance.now() - started) / 1000;
    };
    const firstUseSeconds = await use();
    const cachedUseSeconds = await use();
    if (cache.downloads !== 1) throw new Error(`expected one download, saw ${cache.downloads}`);
    return {
      images,
      firstUseSeconds,
      cachedUseSeconds,
      datasetCacheSpeedup: firstUseSeconds / cachedUseSeconds,
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(scratch, { recursive: true, force: true });
  }
}

export function datasetCacheRows(result: DatasetCacheBench): string[] {
  return [
    `dataset first use (${result.images} images: download + index + load): ${result.firstUseSeconds.toFixed(2)} s`,
    `dataset cached use: ${result.cachedUseSeconds.toFixed(3)} s`,
    `datasetCacheSpeedup: ${result.datasetCacheSpeedup.toFixed(1)} (goal ${DATASET_CACHE_SPEEDUP_GOAL}) ${result.datasetCacheSpeedup >= DATASET_CACHE_SPEEDUP_GOAL ? 'met' : 'MISSED'}`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchDatasetCache().then(
    (result) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(result));
      else for (const row of datasetCacheRows(result)) console.log(row);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
