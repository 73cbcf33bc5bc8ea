// @vitest-environment node
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as route from './route';

// The /uploads route's wiring: every tus method reaches the API at the same path.
describe('the /uploads route', () => {
  let api: Server;
  const seen: { method?: string; url?: string; bytes: number }[] = [];

  beforeAll(async () => {
    api = createServer((request, response) => {
      const entry = { method: request.method, url: request.url, bytes: 0 };
      seen.push(entry);
      request.on('data', (data: Buffer) => (entry.bytes += data.byteLength));
      request.on('end', () => {
        response.writeHead(request.method === 'POST' ? 201 : 204, { 'tus-resumable': '1.0.0' });
        response.end();
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    process.env.API_URL = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    delete process.env.API_URL;
    await new Promise((resolve) => api.close(resolve));
  });

  it.each([
    ['POST', [], '/uploads', 0],
    ['PATCH', ['abc123'], '/uploads/abc123', 5],
    ['HEAD', ['abc123'], '/uploads/abc123', 0],
    ['OPTIONS', [], '/uploads', 0],
    ['DELETE', ['abc123'], '/uploads/abc123', 0],
  ] as const)('%s %s reaches the API at %s', async (method, path, expected, bytes) => {
    const handler = route[method];
    const request = new Request(`http://127.0.0.1:3000/uploads/${path.join('/')}`, {
      method,
      headers: { 'tus-resumable': '1.0.0', ...(bytes ? { 'content-length': String(bytes) } : {}) },
      body: bytes ? new Uint8Array(bytes) : undefined,
    });
    const response = await handler(request, { params: Promise.resolve({ path: [...path] }) });
    expect(response.status).toBe(method === 'POST' ? 201 : 204);
    expect(seen.at(-1)).toEqual({ method, url: expected, bytes });
  });
});
