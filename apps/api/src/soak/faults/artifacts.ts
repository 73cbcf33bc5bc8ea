import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, utimes } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {
  graphql,
  must,
  request,
  seed,
  sleep,
  startApi,
  startStack,
  type Fixtures,
  type Stack,
} from '../stack.js';
import type { Fault } from './fault.js';

// Artifact uploads under faults: the API SIGKILLed halfway through a PUT, and the artifact folder
// on a disk too small for the file. Either way nothing partial may become visible (no STORED row,
// GET answers 404, nothing under the artifact's key) and a later upload must succeed.

/** Deterministic bytes: `size` bytes of a repeating 1 MiB pattern, with their sha256. */
function payload(size: number) {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const hash = createHash('sha256');
  for (let sent = 0; sent < size; sent += block.length)
    hash.update(block.subarray(0, Math.min(block.length, size - sent)));
  return { block, size, sha256: hash.digest('hex') };
}

interface Upload {
  status: number | 'cut off';
  text: string;
  sent: number;
}

/**
 * PUT /artifacts/:id with `size` bytes, at most `bytesPerSecond`; calls `onProgress` with the
 * bytes written so far. Resolves with the answer, or 'cut off' when the connection died.
 */
function upload(
  url: string,
  token: string,
  id: string,
  body: ReturnType<typeof payload>,
  bytesPerSecond = Infinity,
  onProgress: (sent: number) => void = () => undefined,
): Promise<Upload> {
  return new Promise((resolve) => {
    let sent = 0;
    // A connection of its own: the server may close it after refusing the body.
    const req = http.request(`${url}/artifacts/${id}`, {
      method: 'PUT',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(body.size),
      },
    });
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString(), sent }),
      );
      response.on('error', () => resolve({ status: 'cut off', text: '', sent }));
    });
    req.on('error', (error) => resolve({ status: 'cut off', text: error.message, sent }));
    const chunk = 256 * 1024;
    const started = performance.now();
    void (async () => {
      while (sent < body.size && !req.destroyed) {
        const size = Math.min(chunk, body.size - sent);
        const offset = sent % body.block.length;
        const piece = body.block.subarray(offset, Math.min(body.block.length, offset + size));
        const flushed = req.write(piece);
        sent += piece.length;
        onProgress(sent);
        if (!flushed) await new Promise((resolve) => req.once('drain', resolve));
        const ahead = sent / bytesPerSecond - (performance.now() - started) / 1000;
        if (ahead > 0) await sleep(ahead * 1000);
      }
      if (!req.destroyed) req.end();
    })();
  });
}

async function announce(
  url: string,
  fixtures: Fixtures,
  runId: string,
  size: number,
  sha256: string,
) {
  return (
    await must(
      graphql<{ createArtifact: { id: string } }>(
        url,
        'mutation($i: CreateArtifactInput!) { createArtifact(input: $i) { id } }',
        { i: { runId, kind: 'checkpoint', fileName: 'weights.bin', byteSize: size, sha256 } },
        fixtures.auth,
      ),
    )
  ).createArtifact.id;
}

/** Every file under `dir` with its size (relative paths). */
async function filesUnder(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const walk = async (at: string) => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out[path.relative(dir, full)] = (await stat(full)).size;
    }
  };
  await walk(dir);
  return out;
}

/** What the world sees of an artifact: its row, a download, and the run's list. */
async function visibility(
  stack: Stack,
  url: string,
  fixtures: Fixtures,
  id: string,
  runId: string,
) {
  const [row] = (
    await stack.sql.query<{ status: string }>('SELECT status FROM artifacts WHERE id = $1', [id])
  ).rows;
  const download = await request(`${url}/artifacts/${id}`, {
    method: 'GET',
    headers: fixtures.auth,
  });
  const listed = await must(
    graphql<{ run: { artifacts: { id: string }[] } }>(
      url,
      'query($id: ID!) { run(id: $id) { artifacts { id } } }',
      { id: runId },
      fixtures.auth,
    ),
  );
  return {
    row: row?.status ?? 'none',
    getStatus: download.status,
    listed: listed.run.artifacts.some((artifact) => artifact.id === id),
  };
}

export const apiKilledDuringUpload: Fault = async () => {
  const stack = await startStack('fault-upload');
  const artifactDir = path.join(stack.home, 'artifacts');
  const env = { FINETRACK_HOME: stack.home, ARTIFACT_DIR: artifactDir };
  let api = await startApi(stack.databaseUrl, env);
  try {
    const fixtures = await seed(api.url, 1, 1);
    const runId = fixtures.runIds[0];
    const body = payload(256 * 1024 * 1024);
    const id = await announce(api.url, fixtures, runId, body.size, body.sha256);
    // 64 MiB/s, so the kill lands mid-transfer whatever the disk's speed.
    let killedAt = 0;
    const cut = upload(api.url, fixtures.token, id, body, 64 * 1024 * 1024, (sent) => {
      if (!killedAt && sent >= body.size * 0.4) {
        killedAt = sent;
        api.child.kill('SIGKILL');
      }
    });
    const first = await cut;
    await api.exited;
    const filesAfterKill = await filesUnder(artifactDir);
    api = await startApi(stack.databaseUrl, env);
    const afterRestart = await visibility(stack, api.url, fixtures, id, runId);
    const keyPath = path.join(fixtures.teamId, id);
    const visibleAtKey = keyPath in (await filesUnder(artifactDir));
    // Age the leftover .part files past the store's staleness limit (as if 16 minutes had
    // passed): the retried upload is the restarted API's first, so the store sweeps them.
    const aged = (Date.now() - 16 * 60_000) / 1000;
    for (const file of Object.keys(await filesUnder(artifactDir)))
      if (file.startsWith('.incoming')) await utimes(path.join(artifactDir, file), aged, aged);
    const retryStarted = performance.now();
    const retry = await upload(api.url, fixtures.token, id, body);
    const retrySeconds = (performance.now() - retryStarted) / 1000;
    const afterRetry = await visibility(stack, api.url, fixtures, id, runId);
    const download = createHash('sha256');
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${api.url}/artifacts/${id}`, { headers: fixtures.auth }, (response) => {
          response.on('data', (chunk: Buffer) => download.update(chunk));
          response.on('end', resolve);
          response.on('error', reject);
        })
        .on('error', reject);
    });
    const downloadedSha = download.digest('hex');
    await sleep(500); // the sweep runs beside the upload
    const filesAtEnd = await filesUnder(artifactDir);
    const orphans = Object.entries(filesAtEnd).filter(([file]) => file.startsWith('.incoming'));
    const details = {
      bytes: body.size,
      killedAfterBytes: killedAt,
      firstAnswer: first.status,
      filesAfterKill,
      afterRestart,
      visibleAtKeyAfterRestart: visibleAtKey,
      retry: { status: retry.status, seconds: Number(retrySeconds.toFixed(1)) },
      afterRetry,
      downloadMatches: downloadedSha === body.sha256,
      partFilesAfterKill: Object.keys(filesAfterKill).filter((f) => f.startsWith('.incoming'))
        .length,
      orphanedPartFiles: orphans.length,
      orphanedBytes: orphans.reduce((sum, [, size]) => sum + size, 0),
    };
    const nothingVisible =
      afterRestart.row === 'pending' &&
      afterRestart.getStatus === 404 &&
      !afterRestart.listed &&
      !visibleAtKey;
    const retried =
      retry.status === 201 &&
      afterRetry.row === 'stored' &&
      details.downloadMatches &&
      orphans.length === 0;
    return {
      name: 'api-killed-during-upload',
      status: nothingVisible && retried ? 'passed' : 'failed',
      summary: `API SIGKILLed after ${(killedAt / 2 ** 20).toFixed(0)} of ${body.size / 2 ** 20} MiB: after restart the artifact is ${afterRestart.row}, GET ${afterRestart.getStatus}, ${afterRestart.listed ? 'LISTED' : 'not listed'}, ${visibleAtKey ? 'A FILE AT ITS KEY' : 'no file at its key'}; the retried upload answered ${retry.status} in ${details.retry.seconds} s and downloads ${details.downloadMatches ? 'intact' : 'CORRUPT'}; the kill left ${details.partFilesAfterKill} .part file(s) in .incoming, ${orphans.length} left once stale (swept by the store)`,
      details,
    };
  } finally {
    await api.kill();
    await stack.close();
  }
};

export const diskFull: Fault = async () => {
  if (process.getuid?.() !== 0)
    return {
      name: 'disk-full',
      status: 'not-run',
      summary: 'not root: cannot mount a small tmpfs for the artifact folder',
      details: {},
    };
  const stack = await startStack('fault-disk');
  const artifactDir = path.join(stack.home, 'artifacts');
  await mkdir(artifactDir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', artifactDir]);
  } catch (error) {
    await stack.close();
    return {
      name: 'disk-full',
      status: 'not-run',
      summary: `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}`,
      details: {},
    };
  }
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  try {
    api = await startApi(stack.databaseUrl, {
      FINETRACK_HOME: stack.home,
      ARTIFACT_DIR: artifactDir,
    });
    const fixtures = await seed(api.url, 1, 1);
    const runId = fixtures.runIds[0];
    // 3 MiB into a 2 MiB folder.
    const big = payload(3 * 1024 * 1024);
    const bigId = await announce(api.url, fixtures, runId, big.size, big.sha256);
    const full = await upload(api.url, fixtures.token, bigId, big);
    const afterFull = await visibility(stack, api.url, fixtures, bigId, runId);
    const filesAfterFull = await filesUnder(artifactDir);
    const apiAlive = api.child.exitCode === null && api.child.signalCode === null;
    // Space comes back as soon as the failed upload is cleaned up: a small file still fits.
    const small = payload(512 * 1024);
    const smallId = await announce(api.url, fixtures, runId, small.size, small.sha256);
    const smallUpload = await upload(api.url, fixtures.token, smallId, small);
    const afterSmall = await visibility(stack, api.url, fixtures, smallId, runId);
    const df = execFileSync('df', ['-k', artifactDir]).toString().trim().split('\n').at(-1);
    let parsed: { errors?: { message?: string; extensions?: { code?: string } }[] } = {};
    try {
      parsed = JSON.parse(full.text) as typeof parsed;
    } catch {
      // an empty or non-JSON body is itself the finding
    }
    const answer = {
      status: full.status,
      code: parsed.errors?.[0]?.extensions?.code ?? null,
      message: parsed.errors?.[0]?.message ?? (full.text.slice(0, 200) || '(empty body)'),
    };
    const clear = full.status === 507 && answer.code === 'INSUFFICIENT_STORAGE';
    const nothingPartial =
      afterFull.row === 'pending' &&
      afterFull.getStatus === 404 &&
      !afterFull.listed &&
      Object.keys(filesAfterFull).length === 0;
    const details = {
      folderBytes: 2 * 1024 * 1024,
      uploadBytes: big.size,
      answer,
      afterFull,
      filesAfterFull,
      apiAlive,
      smallUploadAfterwards: { status: smallUpload.status, ...afterSmall },
      df,
      spool:
        'not exercised here: packages/trainer/src/worker/metric-spool.ts (see docs/reliability.md)',
    };
    return {
      name: 'disk-full',
      status: nothingPartial && apiAlive && clear ? 'passed' : 'failed',
      summary: `3 MiB upload into a 2 MiB tmpfs: answered HTTP ${answer.status} ${answer.code ?? 'without a code'} "${answer.message}"; artifact ${afterFull.row}, GET ${afterFull.getStatus}, ${Object.keys(filesAfterFull).length} file(s) left; a 512 KiB upload afterwards answered ${smallUpload.status}${clear ? '' : ' — the answer is not a clear storage error (see details)'}`,
      details,
    };
  } finally {
    await api?.kill();
    try {
      execFileSync('umount', [artifactDir]);
    } catch {
      // left mounted: close() below removes what it can
    }
    await stack.close();
  }
};
