// @vitest-environment node
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyToApi } from './api-proxy';

const LIMIT = 64 * 1024;

/** A body that yields `total` bytes in 16 KiB chunks and counts how many were pulled. */
function countingBody(total: number) {
  const counter = { pulled: 0 };
  const chunk = new Uint8Array(16 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      counter.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, counter };
}

describe('the /graphql proxy', () => {
  let api: Server;
  let received: number[] = [];

  beforeAll(async () => {
    process.env.BODY_LIMIT_BYTES = String(LIMIT);
    api = createServer((request, response) => {
      let bytes = 0;
      request.on('data', (data: Buffer) => (bytes += data.byteLength));
      request.on('end', () => {
        received.push(bytes);
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ data: { bytes } }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    process.env.API_URL = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    delete process.env.BODY_LIMIT_BYTES;
    delete process.env.API_URL;
    await new Promise((resolve) => api.close(resolve));
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    proxyToApi(
      new Request('http://127.0.0.1:3000/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        duplex: 'half',
      } as RequestInit),
      '/graphql',
    );

  it('forwards a body within the limit whole', async () => {
    received = [];
    const response = await post(JSON.stringify({ query: '{ __typename }' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { bytes: 26 } });
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    received = [];
    const { stream, counter } = countingBody(LIMIT * 64);
    const response = await post(stream, { 'content-length': String(LIMIT * 64) });
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(counter.pulled).toBeLessThanOrEqual(16 * 1024 * 2);
    expect(received).toEqual([]);
  });

  it('stops reading a streamed body as soon as it passes the limit', async () => {
    received = [];
    const { stream, counter } = countingBody(LIMIT * 4096); // 256 MiB if read whole
    const response = await post(stream);
    expect(response.status).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(LIMIT + 3 * 16 * 1024);
    expect(received).toEqual([]);
  });
});
