import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

const MiB = 1024 * 1024;

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

/**
 * Upload throughput of one archive through the API's tus endpoint (create, one streamed PATCH,
 * and the hashing and storing the last byte sets off, which the final 204 waits for) against
 * `cp` of the same file on the same disk (the file sits beside the API's artifact folder).
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
    const cpStarted = performance.now();
    await promisify(execFile)('cp', [source, copy]);
    const cpSeconds = (performance.now() - cpStarted) / 1000;
    await rm(copy, { force: true });

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
    const uploadSeconds = (performance.now() - started) / 1000;
    return {
      uploadBytes: bytes,
      uploadMiBPerSecond: Number((bytes / MiB / uploadSeconds).toFixed(1)),
      cpMiBPerSecond: Number((bytes / MiB / cpSeconds).toFixed(1)),
      uploadThroughputRatioVsCp: Number((cpSeconds / uploadSeconds).toFixed(3)),
    };
  } finally {
    await rm(source, { force: true });
    await rm(copy, { force: true });
  }
}
