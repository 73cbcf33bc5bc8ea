import 'reflect-metadata';
import http from 'node:http';
import { loadConfig } from '../config.js';
import { createServer } from '../server.js';

// Child process of api.bench.ts: the API and a bare node:http handler, so the benchmark client
// never shares an event loop with the servers it measures. Told the database by BENCH_DATABASE_URL.

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
const server = await createServer({
  ...config,
  port: 0,
  host: '127.0.0.1',
  databaseUrl: process.env.BENCH_DATABASE_URL!,
});
const apiUrl = await server.listen();

// The baseline: parse the same JSON body and answer what `{ __typename }` answers.
const plain = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string };
    const body = JSON.stringify({ data: { __typename: parsed.query ? 'Query' : null } });
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
const { port } = plain.address() as { port: number };

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await new Promise<void>((resolve) => plain.close(() => resolve()));
  await server.close();
  process.exit(0);
});
process.send!({ apiUrl, plainUrl: `http://127.0.0.1:${port}` });
