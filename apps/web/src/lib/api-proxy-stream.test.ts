// @vitest-environment node
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamToApi } from './api-proxy';

const LIMIT = 256 * 1024;
const CHUNK = 16 * 1024;

/** A body of `total` bytes in 16 KiB chunks that counts how many were pulled. */
function countingBody(total: number) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      counter.pulled += CHUNK;
      controller.enqueue(new Uint8Array(CHUNK).fill(7));
    },
  });
  return { stream, counter };
}

interface Seen {
  method: string;
  url: string;
  bytes: number;
  headers: IncomingMessage['headers'];
}

describe('the streaming proxy (tus uploads)', () => {
  let api: Server;
  let apiUrl = '';
  const seen: Seen[] = [];
  // Called whenever the API receives bytes.
  let onApiBytes = (): unknown => 0;

  beforeAll(async () => {
    api = createServer((request, response) => {
      const entry: Seen = {
        method: request.method ?? '',
        url: request.url ?? '',
        bytes: 0,
        headers: request.headers,
      };
      seen.push(entry);
      request.on('data', (data: Buffer) => {
        onApiBytes();
        entry.bytes += data.byteLength;
      });
      request.on('error', () => undefined);
      request.on('end', () => {
        if (request.method === 'POST') {
          response.writeHead(201, {
            location: `${apiUrl}/uploads/abc123`,
            'tus-resumable': '1.0.0',
          });
          response.end();
        } else if (request.method === 'HEAD') {
          response.writeHead(200, { 'upload-offset': '42', 'tus-resumable': '1.0.0' });
          response.end();
        } else {
          response.writeHead(204, { 'upload-offset': String(entry.bytes) });
          response.end();
        }
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    process.env.API_URL = apiUrl;
  });

  afterAll(async () => {
    delete process.env.API_URL;
    await new Promise((resolve) => api.close(resolve));
  });

  const send = (method: string, path: string, init: RequestInit = {}) =>
    streamToApi(
      new Request(`http://127.0.0.1:3000${path}`, {
        method,
        duplex: 'half',
        ...init,
      } as RequestInit),
      path,
      LIMIT,
    );

  it('names a created upload by this origin, not the API address', async () => {
    const response = await send('POST', '/uploads', {
      headers: {
        'tus-resumable': '1.0.0',
        'upload-length': '100',
        'upload-metadata': 'teamId MQ==',
      },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('http://127.0.0.1:3000/uploads/abc123');
    const request = seen.at(-1)!;
    expect(request.headers['upload-length']).toBe('100');
    expect(request.headers['upload-metadata']).toBe('teamId MQ==');
  });

  it('answers HEAD with the offset and no body', async () => {
    const response = await send('HEAD', '/uploads/abc123', {
      headers: { 'tus-resumable': '1.0.0' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('upload-offset')).toBe('42');
    expect(seen.at(-1)!.url).toBe('/uploads/abc123');
  });

  it('streams a chunk through as it arrives, with its length', async () => {
    // The body holds back its second half until the API has seen the first: a proxy that buffered
    // the whole body first would never send anything, and the request would fail.
    let firstHalfArrived = () => undefined as void;
    const arrived = new Promise<void>((resolve) => (firstHalfArrived = resolve));
    onApiBytes = () => (firstHalfArrived(), 0);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === LIMIT / 2) {
          const waited = await Promise.race([
            arrived.then(() => true),
            new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000)),
          ]);
          if (!waited) return controller.error(new Error('the proxy buffered the body'));
        }
        if (sent >= LIMIT) return controller.close();
        sent += CHUNK;
        controller.enqueue(new Uint8Array(CHUNK).fill(7));
      },
    });
    const response = await send('PATCH', '/uploads/abc123', {
      body: stream,
      headers: { 'content-length': String(LIMIT), 'upload-offset': '0' },
    });
    expect(response.status).toBe(204);
    const request = seen.at(-1)!;
    expect(request.bytes).toBe(LIMIT);
    expect(request.headers['content-length']).toBe(String(LIMIT));
  });

  it('refuses a declared length over the limit before sending anything', async () => {
    const before = seen.length;
    const { stream, counter } = countingBody(LIMIT * 16);
    const response = await send('PATCH', '/uploads/abc123', {
      body: stream,
      headers: { 'content-length': String(LIMIT * 16) },
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(counter.pulled).toBeLessThanOrEqual(2 * CHUNK);
    expect(seen.length).toBe(before);
  });

  it('cuts off an undeclared body once it passes the limit', async () => {
    const { stream, counter } = countingBody(LIMIT * 64);
    const response = await send('PATCH', '/uploads/abc123', { body: stream });
    expect(response.status).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(LIMIT + 4 * CHUNK);
  });
});
