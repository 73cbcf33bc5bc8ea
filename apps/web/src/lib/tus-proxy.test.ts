// @vitest-environment node
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamToApi } from './api-proxy';

// tus-js-client → this app's streaming proxy → a real tus server (@tus/server, as the API runs
// it): chunked uploads arrive whole, and an interrupted one continues where it stopped.

const CHUNK = 64 * 1024;
let folder: string;
let tusHttp: Server;
let web: Server;
let webUrl = '';
const patchBytes: number[] = [];

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

/** The Next route handler's part, in a plain Node server: IncomingMessage → Request → proxy. */
async function serveThroughProxy(
  request: IncomingMessage,
  response: import('node:http').ServerResponse,
) {
  const url = new URL(request.url ?? '/', webUrl);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const headers = new Headers();
  for (const [key, value] of Object.entries(request.headers))
    if (typeof value === 'string') headers.set(key, value);
  const proxied = await streamToApi(
    new Request(url, {
      method: request.method,
      headers,
      body: hasBody ? (Readable.toWeb(request) as ReadableStream) : undefined,
      duplex: 'half',
    } as RequestInit),
    url.pathname,
    1024 * 1024,
  );
  response.writeHead(proxied.status, Object.fromEntries(proxied.headers));
  if (proxied.body) Readable.fromWeb(proxied.body as NodeReadableStream).pipe(response);
  else response.end();
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'finetrack-tus-proxy-'));
  const tus = new TusServer({ path: '/uploads', datastore: new FileStore({ directory: folder }) });
  tusHttp = createServer((request, response) => {
    if (request.method === 'PATCH') patchBytes.push(Number(request.headers['content-length']));
    void tus.handle(request, response);
  });
  process.env.API_URL = await listen(tusHttp);
  web = createServer((request, response) => void serveThroughProxy(request, response));
  webUrl = await listen(web);
});

afterAll(async () => {
  delete process.env.API_URL;
  await Promise.all(
    [web, tusHttp].map((server) => new Promise((resolve) => server.close(resolve))),
  );
  await rm(folder, { recursive: true, force: true });
});

function upload(
  bytes: Buffer,
  options: { uploadUrl?: string; stopAfterChunks?: number } = {},
): Promise<{ url: string; stopped: boolean }> {
  return new Promise((resolve, reject) => {
    let chunks = 0;
    const sut: Upload = new Upload(bytes, {
      endpoint: `${webUrl}/uploads`,
      uploadUrl: options.uploadUrl,
      chunkSize: CHUNK,
      retryDelays: null,
      metadata: { teamId: 't1', filename: 'pets.zip' },
      onChunkComplete: () => {
        chunks += 1;
        if (chunks === options.stopAfterChunks)
          void sut.abort().then(() => resolve({ url: sut.url!, stopped: true }));
      },
      onSuccess: () => resolve({ url: sut.url!, stopped: false }),
      onError: reject,
    });
    sut.start();
  });
}

const stored = async (url: string) => readFile(path.join(folder, url.split('/').at(-1)!));

describe('tus uploads through the proxy', () => {
  it('arrive whole, in chunks, at an upload URL of this origin', async () => {
    const bytes = randomBytes(5 * CHUNK + 123);
    patchBytes.length = 0;
    const { url } = await upload(bytes);
    expect(url.startsWith(`${webUrl}/uploads/`)).toBe(true);
    expect(patchBytes).toEqual([CHUNK, CHUNK, CHUNK, CHUNK, CHUNK, 123]);
    expect((await stored(url)).equals(bytes)).toBe(true);
    const metadata = JSON.parse(
      await readFile(path.join(folder, `${url.split('/').at(-1)}.json`), 'utf8'),
    );
    expect(metadata.metadata).toEqual({ teamId: 't1', filename: 'pets.zip' });
  });

  it('continue where an interrupted upload stopped', async () => {
    const bytes = randomBytes(6 * CHUNK);
    const first = await upload(bytes, { stopAfterChunks: 2 });
    expect(first.stopped).toBe(true);
    patchBytes.length = 0;
    const second = await upload(bytes, { uploadUrl: first.url });
    expect(second.url).toBe(first.url);
    // Only what was missing went again.
    expect(patchBytes.reduce((sum, n) => sum + n, 0)).toBe(4 * CHUNK);
    expect((await stored(second.url)).equals(bytes)).toBe(true);
  });
});
