import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinetrackClient } from './finetrack-client.js';

interface Received {
  query: string;
  variables: Record<string, unknown>;
  authorization?: string;
}

describe('FinetrackClient', () => {
  // A real HTTP server: it answers the scripted failures first, then echoes what logMetrics wrote.
  let server: Server;
  let url: string;
  const received: Received[] = [];
  let failures: { status: number; code: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Received;
        received.push({ ...body, authorization: request.headers.authorization });
        const failure = failures.shift();
        const payload = failure
          ? { errors: [{ message: 'slow down', extensions: { code: failure.code } }] }
          : {
              data: {
                logMetrics: {
                  runId: body.variables.runId,
                  written: (body.variables.points as unknown[]).length,
                },
              },
            };
        response
          .writeHead(failure?.status ?? 200, { 'content-type': 'application/json' })
          .end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('logs points in ordered batches with the generated document, retrying RATE_LIMITED', async () => {
    const sut = new FinetrackClient({
      url,
      token: 'ft_script',
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const points = Array.from({ length: 25 }, (_, step) => ({
      key: 'loss',
      step,
      value: 1 / (step + 1),
    }));
    failures = [{ status: 200, code: 'RATE_LIMITED' }];
    const progress: number[] = [];
    const result = await sut.logMetrics('run-1', points, {
      batchSize: 10,
      onBatch: (done) => progress.push(done),
    });
    expect(result).toEqual({ written: 25, calls: 3 });
    expect(progress).toEqual([10, 20, 25]);
    expect(received).toHaveLength(4); // one retried
    expect(received[0].query).toContain(
      'mutation LogMetrics($runId: ID!, $points: [MetricPointInput!]!)',
    );
    expect(received.every((r) => r.authorization === 'Bearer ft_script')).toBe(true);
    expect(received.slice(1).flatMap((r) => r.variables.points)).toEqual(points);
  });

  it('gives up on a refusal at once with its code', async () => {
    received.length = 0;
    failures = [{ status: 200, code: 'BAD_USER_INPUT' }];
    const sut = new FinetrackClient({
      url,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    await expect(
      sut.logMetrics('run-1', [{ key: 'loss', step: 0, value: 1 }]),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(received).toHaveLength(1);
  });
});
