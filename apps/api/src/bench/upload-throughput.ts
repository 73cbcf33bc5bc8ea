import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

const MiB = 1024 * 1024;
const ROUNDS = 3;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** BENCH_UPLOAD_BYTES, default 1 GiB: the size of the archive the upload row sends. */
export function uploadBenchBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number(env.BENCH_UPLOAD_BYTES);
  return Number.isFinite(raw) && raw >= MiB ? Math.floor(raw) : 1024 * MiB;
}

/** Writes `bytes` of incompressible data (one random 16 MiB block, repeated) to `file`. */
async function writeTestFile(file: string, bytes: number): Promise<void> {
  const block = randomFillSync(Buffer.alloc(16 * MiB));
  const out = createWriteStream(file);
  for (let written = 0; written < bytes; written += block.length) {
    const chunk = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function tusRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: NodeJS.ReadableStream,
): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, headers: { 'tus-resumable': '1.0.0', ...headers } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, location: response.headers.location }),
        );
      },
    );
    request.on('error', reject);
    if (body) body.pipe(request);
    else request.end();
  });
}

/** One upload of `source` (create, one streamed PATCH); answers its seconds. */
async function uploadOnce(
  apiUrl: string,
  auth: Record<string, string>,
  teamId: string,
  source: string,
  bytes: number,
): Promise<number> {
  const metadata = `teamId ${Buffer.from(teamId).toString('base64')}`;
  const started = performance.now();
  const created = await tusRequest(`${apiUrl}/uploads`, 'POST', {
    ...auth,
    'upload-length': String(bytes),
    'upload-metadata': metadata,
  });
  if (created.status !== 201 || !created.location)
    throw new Error(`tus create answered ${created.status}`);
  const patched = await tusRequest(
    new URL(created.location, apiUrl).toString(),
    'PATCH',
    {
      ...auth,
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
      'content-length': String((await stat(source)).size),
    },
    createReadStream(source, { highWaterMark: MiB }),
  );
  if (patched.status !== 204) throw new Error(`tus patch answered ${patched.status}`);
  return (performance.now() - started) / 1000;
}

/**
 * Upload throughput of one archive through the API's tus endpoint (create, one streamed PATCH,
 * and the hashing and durable storing the last byte sets off, which the final 204 waits for)
 * against `cp` of the same file on the same disk followed by `sync` of the copy (the file sits
 * beside the API's artifact folder); cp into the page cache alone is reported beside it.
 */
export async function measureUploadThroughput(
  apiUrl: string,
  auth: Record<string, string>,
  teamId: string,
  folder: string,
  bytes = uploadBenchBytes(),
) {
  const source = path.join(folder, 'upload-bench.bin');
  const copy = path.join(folder, 'upload-bench-copy.bin');
  await writeTestFile(source, bytes);
  try {
    // Both sides write into the page cache, whose write-back makes single timings swing by 2×:
    // each is timed ROUNDS times, alternating, and the medians compared.
    const cpSeconds: number[] = [];
    const cpSyncSeconds: number[] = [];
    const uploadSeconds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const cpStarted = performance.now();
      await promisify(execFile)('cp', [source, copy]);
      cpSeconds.push((performance.now() - cpStarted) / 1000);
      // `sync FILE` flushes the copy, as the store flushes an archive before it keeps it.
      await promisify(execFile)('sync', [copy]);
      cpSyncSeconds.push((performance.now() - cpStarted) / 1000);
      await rm(copy, { force: true });
      uploadSeconds.push(await uploadOnce(apiUrl, auth, teamId, source, bytes));
    }
    const cp = median(cpSeconds);
    const cpSync = median(cpSyncSeconds);
    const upload = median(uploadSeconds);
    return {
      uploadBytes: bytes,
      uploadMiBPerSecond: Number((bytes / MiB / upload).toFixed(1)),
      cpMiBPerSecond: Number((bytes / MiB / cpSync).toFixed(1)),
      // The goal's ratio: both sides end with the bytes on disk.
      uploadThroughputRatioVsCp: Number((cpSync / upload).toFixed(3)),
      // cp into the page cache alone, which no store that acknowledges durably can match.
      cpPageCacheMiBPerSecond: Number((bytes / MiB / cp).toFixed(1)),
      uploadThroughputRatioVsPageCacheCp: Number((cp / upload).toFixed(3)),
    };
  } finally {
    await rm(source, { force: true });
    await rm(copy, { force: true });
  }
}
