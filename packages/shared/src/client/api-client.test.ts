import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, hashFile } from './api-client.js';
import { ClientErrorCode } from './api-error.js';

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

/** A tiny real HTTP server whose answers each test scripts, one handler per request. */
class ScriptedServer {
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  private script: Handler[] = [];
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('error', () => undefined);
      request.on('end', () => {
        this.requests.push({
          method: request.method!,
          url: request.url!,
          headers: request.headers,
        });
        const handler = this.script.shift() ?? ((_r, _b, res) => res.writeHead(500).end());
        handler(request, Buffer.concat(chunks), response);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(...handlers: Handler[]) {
    this.script = handlers;
    this.requests.length = 0;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_request, _body, response) =>
    response
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));
const graphQLError = (code: string, status = 200) =>
  json(status, { errors: [{ message: `failed with ${code}`, extensions: { code } }] });
const ok = json(200, { data: { hello: 'world' } });
const hangUp: Handler = (request) => request.socket.destroy();

const fast = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

describe('ApiClient.request', () => {
  const server = new ScriptedServer();
  let sut: ApiClient;
  beforeAll(async () => {
    await server.start();
    sut = new ApiClient({ url: `${server.url}/graphql`, token: 'ft_secret', retry: fast });
  });
  afterAll(() => server.stop());

  it('posts the document and variables with the bearer token and returns data', async () => {
    server.answer(ok);
    await expect(sut.request('query { hello }', { a: 1 })).resolves.toEqual({ hello: 'world' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: 'Bearer ft_secret', 'content-type': 'application/json' },
    });
  });

  it.each([
    ['502', json(502, 'bad gateway')],
    ['503 with a GraphQL body', graphQLError('INTERNAL_SERVER_ERROR', 503)],
    [
      '504 (not JSON)',
      (_q: IncomingMessage, _b: Buffer, r: ServerResponse) => r.writeHead(504).end('<html>'),
    ],
    ['RATE_LIMITED', graphQLError('RATE_LIMITED')],
    ['429', graphQLError('RATE_LIMITED', 429)],
    ['a connection closed before the answer', hangUp],
  ] as [string, Handler][])('retries after %s', async (_name, failure) => {
    server.answer(failure, failure, ok);
    await expect(sut.request('query { hello }')).resolves.toEqual({ hello: 'world' });
    expect(server.requests).toHaveLength(3);
  });

  it.each(['BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'])(
    'throws %s at once with its code',
    async (code) => {
      server.answer(graphQLError(code), ok);
      await expect(sut.request('query { hello }')).rejects.toMatchObject({
        name: 'ApiError',
        code,
        message: `failed with ${code}`,
        retryable: false,
      });
      expect(server.requests).toHaveLength(1);
    },
  );

  it('keeps partial data and every error', async () => {
    server.answer(
      json(200, {
        data: { hello: 'world', other: null },
        errors: [
          { message: 'nope', path: ['other'], extensions: { code: 'FORBIDDEN', reason: 'x' } },
        ],
      }),
    );
    const error = await sut.request('query { hello other }').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { code: 'FORBIDDEN', reason: 'x' },
      details: { data: { hello: 'world', other: null } },
    });
  });

  it("takes the wait from RATE_LIMITED's retryAfterSeconds, and from Retry-After before it", async () => {
    const limited = (extra: object, headers: Record<string, string> = {}) =>
      json(
        200,
        { errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', ...extra } }] },
        headers,
      );
    const once = new ApiClient({
      url: `${server.url}/graphql`,
      retry: { ...fast, maxAttempts: 1 },
    });
    server.answer(limited({ retryAfterSeconds: 120 }));
    await expect(once.request('query { hello }')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: 120 },
    });
    server.answer(limited({ retryAfterSeconds: 120 }, { 'retry-after': '7' }));
    await expect(once.request('query { hello }')).rejects.toMatchObject({
      details: { retryAfterSeconds: 7 },
    });
    server.answer(limited({ retryAfterSeconds: 'soon' }));
    const error = await once.request('query { hello }').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED' });
    expect((error as { details: { retryAfterSeconds?: number } }).details.retryAfterSeconds).toBe(
      undefined,
    );
  });

  it('gives up after maxAttempts with the last error', async () => {
    server.answer(json(503, {}), json(503, {}), json(503, {}), json(503, {}), ok);
    await expect(sut.request('query { hello }')).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(4);
  });

  it('times out a request that gets no answer and retries it', async () => {
    const slow = new ApiClient({ url: server.url, timeoutMs: 100, retry: fast });
    const silent: Handler = () => undefined; // never answers
    server.answer(silent, ok);
    await expect(slow.request('query { hello }')).resolves.toEqual({ hello: 'world' });
    expect(server.requests).toHaveLength(2);
  });

  it('reports a refused connection as NETWORK_ERROR after retrying', async () => {
    const closed = new ScriptedServer();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const retries: number[] = [];
    const client = new ApiClient({
      url,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      onRetry: (_error, retry) => retries.push(retry),
    });
    await expect(client.request('query { hello }')).rejects.toMatchObject({
      code: ClientErrorCode.Network,
      retryable: true,
    });
    expect(retries).toEqual([1, 2]);
  });
});

describe('ApiClient artifacts', () => {
  const server = new ScriptedServer();
  let sut: ApiClient;
  let folder: string;
  const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  beforeAll(async () => {
    await server.start();
    sut = new ApiClient({ url: server.url, token: 'ft_worker', retry: fast });
  });
  afterAll(() => server.stop());
  afterEach(() => rm(folder, { recursive: true, force: true }));

  const stored: Handler = (request, body, response) => {
    const got = createHash('sha256').update(body).digest('hex');
    const status =
      got === sha256 && body.length === Number(request.headers['content-length']) ? 201 : 400;
    json(status, { id: 'a1', byteSize: body.length, sha256: got })(request, body, response);
  };

  it('hashes a file and uploads it with its size, retrying a cut-off connection', async () => {
    folder = await mkdtemp(join(tmpdir(), 'client-test-'));
    const file = join(folder, 'weights.bin');
    await writeFile(file, bytes);
    const announced = await hashFile(file);
    expect(announced).toEqual({ byteSize: bytes.length, sha256 });
    server.answer(hangUp, stored);
    await expect(sut.uploadArtifact('a1', file, announced)).resolves.toEqual({
      id: 'a1',
      byteSize: bytes.length,
      sha256,
    });
    expect(server.requests.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ['PUT', '/artifacts/a1', 'Bearer ft_worker'],
      ['PUT', '/artifacts/a1', 'Bearer ft_worker'],
    ]);
  });

  it('does not retry a 400 checksum answer', async () => {
    folder = await mkdtemp(join(tmpdir(), 'client-test-'));
    const file = join(folder, 'weights.bin');
    await writeFile(file, bytes);
    server.answer(graphQLError('BAD_USER_INPUT', 400), stored);
    await expect(
      sut.uploadArtifact('a1', file, { byteSize: bytes.length, sha256 }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it('downloads through a .part file, checking size and sha256', async () => {
    folder = await mkdtemp(join(tmpdir(), 'client-test-'));
    const file = join(folder, 'sub', 'weights.bin');
    const send: Handler = (_q, _b, response) =>
      response.writeHead(200, { etag: `"${sha256}"`, 'content-length': bytes.length }).end(bytes);
    server.answer(send);
    await expect(sut.downloadArtifact('a1', file)).resolves.toEqual({
      byteSize: bytes.length,
      sha256,
    });
    expect(await readFile(file)).toEqual(bytes);
    expect(await readdir(join(folder, 'sub'))).toEqual(['weights.bin']);
  });

  it('retries a truncated download and refuses a wrong one without leaving a file', async () => {
    folder = await mkdtemp(join(tmpdir(), 'client-test-'));
    const file = join(folder, 'weights.bin');
    const truncated: Handler = (_q, _b, response) => {
      response.writeHead(200, { 'content-length': bytes.length });
      response.write(bytes.subarray(0, 1000), () => response.socket?.destroy());
    };
    const send: Handler = (_q, _b, response) => response.writeHead(200).end(bytes);
    server.answer(truncated, send);
    await sut.downloadArtifact('a1', file, { byteSize: bytes.length, sha256 });
    expect(server.requests).toHaveLength(2);

    const wrong: Handler = (_q, _b, response) => response.writeHead(200).end(Buffer.from('evil'));
    server.answer(wrong, send);
    await rm(file);
    await expect(sut.downloadArtifact('a1', file, { sha256 })).rejects.toMatchObject({
      code: ClientErrorCode.ChecksumMismatch,
    });
    expect(server.requests).toHaveLength(1);
    expect(await readdir(folder)).toEqual([]);
  });

  it('answers 404 as NOT_FOUND', async () => {
    folder = await mkdtemp(join(tmpdir(), 'client-test-'));
    server.answer(graphQLError('NOT_FOUND', 404));
    await expect(sut.downloadArtifact('nope', join(folder, 'x'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
  });
});
