import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/common/secrets.js';
import { loadConfig } from '../src/config.js';
import { ensureLocalWorkerToken } from '../src/demo/local-worker-token.js';
import { untilUp } from '../src/demo/until-up.js';
import { claim, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

// npm start prints the demo banner last: once the web app answers and the local worker has
// called the API with its token.

let t: TestServer;
let web: Server;
let webUrl: string;

beforeAll(async () => {
  t = await startTestServer();
  web = createServer((_request, response) => response.writeHead(307, { location: '/login' }).end());
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => web?.close(resolve));
  await t?.stop();
});

describe('untilUp', () => {
  it('names what is not up when it gives up, and returns at once when all is', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'finetrack-home-'));
    const config = { ...loadConfig({ NODE_ENV: 'test' }), finetrackHome: home };
    const file = await ensureLocalWorkerToken(
      t.server.dataSource,
      config,
      pino({ level: 'silent' }),
    );
    const token = (await readFile(file, 'utf8')).trim();
    const since = new Date(Date.now() - 1000);
    const parts = { webUrl, workerTokenHash: sha256Hex(token), since };

    // Nothing answers at the closed port, and the worker has not called yet.
    const closed = { ...parts, webUrl: 'http://127.0.0.1:9' };
    expect(await untilUp(t.server.dataSource, closed, 600)).toEqual([
      'the web app at http://127.0.0.1:9',
      'the local worker',
    ]);
    expect(await untilUp(t.server.dataSource, parts, 600)).toEqual(['the local worker']);

    // The worker's first claim records the token's use; then everything is up.
    const waiting = untilUp(t.server.dataSource, parts, 20_000);
    expect(await claim(workerClient(t.url, token), 'local:1')).toBeNull();
    expect(await waiting).toEqual([]);
  });
});
