import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_METRICS, type MetricPointInput } from '@finetrack/shared';
import { ApiClient, ApiError, ClientErrorCode } from '@finetrack/shared/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useSmallDiskSpool, type SmallDisk } from './full-disk.test-support.js';
import {
  classifyShipError,
  MetricShipper,
  RunGoneError,
  toMetricInputs,
} from './metric-shipper.js';
import { MetricSpool } from './metric-spool.js';

const point = (step: number, key = 'loss'): MetricPointInput => ({ key, step, value: step });

describe('toMetricInputs', () => {
  it('turns milliseconds into seconds and drops values the API refuses', () => {
    expect(
      toMetricInputs([
        { key: 'loss', step: 3, value: 0.5, wallTime: 1_700_000_000_500, epoch: 1 },
        { key: 'val_loss', step: 3, value: Number.NaN, wallTime: 1, epoch: 1 },
        { key: 'val_accuracy', step: 3, value: Number.POSITIVE_INFINITY, wallTime: 1, epoch: 1 },
      ]),
    ).toEqual([{ key: 'loss', step: 3, value: 0.5, wallTime: 1_700_000_000.5 }]);
  });
});

describe('classifyShipError', () => {
  it.each([
    [new ApiError(ClientErrorCode.Network, 'down', { retryable: true }), 'retry'],
    [new ApiError('INTERNAL_SERVER_ERROR', 'db down'), 'retry'],
    [new ApiError('UNAUTHENTICATED', 'token rotated'), 'retry'],
    [new ApiError('BAD_USER_INPUT', 'bad key'), 'skip'],
    [new ApiError('NOT_FOUND', 'run deleted'), 'gone'],
    [new ApiError('FORBIDDEN', 'other team'), 'gone'],
    [new ApiError('CONFLICT', 'lease lost'), 'gone'],
    [new Error('anything else'), 'retry'],
  ])('%s → %s', (error, decision) => {
    expect(classifyShipError(error)).toBe(decision);
  });
});

describe('MetricShipper', () => {
  let directory: string;
  let spool: MetricSpool;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'shipper-'));
    spool = new MetricSpool(directory);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(directory, { recursive: true, force: true });
  });

  it('flushes buffered points after the interval, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sent: MetricPointInput[][] = [];
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => void sent.push(points),
      flushIntervalMs: 2000,
      eagerFirstFlush: false,
    });
    sut.add([point(1)]);
    sut.add([point(2)]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent).toEqual([]);
    expect(sut.buffered).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    await sut.drained();
    expect(sent).toEqual([[point(1), point(2)]]);
    sut.stop();
  });

  it('sends the first points at once, then batches', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sent: number[][] = [];
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => void sent.push(points.map((p) => p.step)),
      flushIntervalMs: 2000,
    });
    sut.add([point(1)]);
    sut.add([point(2)]);
    sut.add([point(3)]);
    expect(sut.buffered).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    vi.useRealTimers();
    await sut.drained();
    expect(sent).toEqual([[1], [2, 3]]);
    sut.stop();
  });

  it('flushes at once when the buffer is full', async () => {
    const sent: MetricPointInput[][] = [];
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => void sent.push(points),
      flushIntervalMs: 60_000,
      maxBufferedPoints: 3,
    });
    sut.add([point(1), point(2), point(3)]);
    expect(sut.buffered).toBe(0);
    await sut.drained();
    expect(sent).toEqual([[point(1), point(2), point(3)]]);
    sut.stop();
  });

  it('retries with back-off, keeps order and loses nothing across a failure', async () => {
    const sent: number[] = [];
    let failures = 2;
    const warnings: string[] = [];
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => {
        if (failures-- > 0)
          throw new ApiError(ClientErrorCode.Network, 'down', { retryable: true });
        sent.push(...points.map((p) => p.step));
      },
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 2,
      onWarning: (message) => warnings.push(message),
    });
    sut.add([point(1)]);
    await sut.flush();
    sut.add([point(2)]);
    await sut.drained();
    expect(sent).toEqual([1, 2]);
    expect(warnings.filter((line) => line.includes('kept on disk'))).toHaveLength(2);
    expect(await spool.pending('run')).toEqual([]);
    sut.stop();
  });

  it('merges spooled batches into one request after an outage', async () => {
    for (let step = 1; step <= 4; step += 1) await spool.append('run', [point(step)]);
    const requests: number[][] = [];
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => void requests.push(points.map((p) => p.step)),
    });
    await sut.drained();
    expect(requests).toEqual([[1, 2, 3, 4]]);
    sut.stop();
  });

  it('skips only the batch the API refuses as bad input', async () => {
    await spool.append('run', [point(1)]);
    await spool.append('run', [point(2, 'bad')]);
    await spool.append('run', [point(3)]);
    const accepted: number[] = [];
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => {
        if (points.some((p) => p.key === 'bad')) throw new ApiError('BAD_USER_INPUT', 'bad key');
        accepted.push(...points.map((p) => p.step));
      },
      onWarning: () => undefined,
    });
    await sut.drained();
    expect(accepted).toEqual([1, 3]);
    sut.stop();
  });

  it('reports a run the API no longer knows', async () => {
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async () => {
        throw new ApiError('NOT_FOUND', 'run not found');
      },
      onWarning: () => undefined,
    });
    sut.add([point(1)]);
    await expect(sut.drained()).rejects.toBeInstanceOf(RunGoneError);
    sut.stop();
  });

  it('delivers through a real HTTP server that is down for a while', async () => {
    let down = true;
    const received: number[] = [];
    const server: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        if (down) return void response.writeHead(503).end();
        const { variables } = JSON.parse(body) as {
          variables: { runId: string; points: MetricPointInput[] };
        };
        received.push(...variables.points.map((p) => p.step));
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: { logMetrics: { runId: 'run', written: 1 } } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new ApiClient({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      });
      const sut = new MetricShipper({
        runId: 'run',
        spool,
        send: (runId, points) =>
          client.request(LOG_METRICS, { runId, points }).then(() => undefined),
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 20,
        onWarning: () => undefined,
      });
      sut.add([point(1), point(2)]);
      const delivered = sut.drained();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual([]);
      expect((await spool.pending('run')).length).toBe(1);
      down = false;
      await delivered;
      expect(received).toEqual([1, 2]);
      sut.stop();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('MetricShipper on a full disk', () => {
  const steps = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => point(from + i));

  /**
   * A shipper on `spool` that records the steps it sends and its warnings and flushes only when
   * told; its API answers only while `api.up` (at first `up`).
   */
  const recordingShipper = (
    spool: MetricSpool,
    options: { up?: boolean; maxUnspooledPoints?: number } = {},
  ) => {
    const api = { up: options.up ?? true, sent: [] as number[], warnings: [] as string[] };
    const sut = new MetricShipper({
      runId: 'run',
      spool,
      send: async (_runId, points) => {
        if (!api.up) throw new ApiError(ClientErrorCode.Network, 'down', { retryable: true });
        api.sent.push(...points.map((p) => p.step));
      },
      eagerFirstFlush: false,
      flushIntervalMs: 60_000,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      onWarning: (message) => api.warnings.push(message),
      ...(options.maxUnspooledPoints === undefined
        ? {}
        : { maxUnspooledPoints: options.maxUnspooledPoints }),
    });
    return { sut, api };
  };

  // /dev/full answers every write with ENOSPC, so this runs without root too.
  it('sends points directly while the spool file is /dev/full, and spools again after', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'shipper-full-'));
    try {
      const spool = new MetricSpool(directory);
      await mkdir(directory, { recursive: true });
      await symlink('/dev/full', join(directory, 'run.jsonl'));
      const { sut, api } = recordingShipper(spool);
      const { sent, warnings } = api;
      sut.add(steps(0, 5));
      await sut.flush();
      sut.add(steps(5, 5));
      await sut.flush();
      await sut.drained();
      expect(sent.sort((a, b) => a - b)).toEqual(steps(0, 10).map((p) => p.step));
      expect(warnings.filter((line) => line.includes('cannot be written (ENOSPC)'))).toHaveLength(
        1,
      );
      await rm(join(directory, 'run.jsonl')); // space is back
      sut.add(steps(10, 5));
      await sut.flush();
      await sut.drained();
      expect(sent.slice(10)).toEqual([10, 11, 12, 13, 14]);
      expect(warnings).toHaveLength(2);
      expect(warnings[1]).toContain('can be written again; 0 points');
      sut.stop();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  describe('a 64 KiB tmpfs', () => {
    let disk: SmallDisk;
    let spool: MetricSpool;
    useSmallDiskSpool(async (mounted, fresh) => {
      disk = mounted;
      spool = fresh;
      await spool.append('other-run', [point(0)]); // the spool folder exists before the disk fills
    });

    it('keeps working once space is back, and loses nothing sent in between', async () => {
      const { sut, api } = recordingShipper(spool);
      const { sent, warnings } = api;
      await disk.fill();
      for (let batch = 0; batch < 3; batch += 1) {
        sut.add(steps(batch * 100, 100));
        await sut.flush(); // does not reject on a full disk
      }
      await sut.drained();
      expect(sent.sort((a, b) => a - b)).toEqual(steps(0, 300).map((p) => p.step));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('cannot be written (ENOSPC)');
      await disk.free();
      sut.add(steps(300, 100));
      await sut.flush();
      await sut.drained();
      expect(sent.slice(300)).toEqual(steps(300, 100).map((p) => p.step));
      expect(await spool.pending('run')).toEqual([]);
      sut.stop();
    });

    it('keeps points in memory while the API is away too, spools them when space is back', async () => {
      const { sut, api } = recordingShipper(spool, { up: false });
      await disk.fill();
      sut.add(steps(0, 100));
      await sut.flush();
      sut.add(steps(100, 100));
      await sut.flush();
      expect(sut.unspooledPoints).toBeGreaterThan(0);
      await disk.free();
      await sut.flush(); // spools what was kept in memory, oldest first
      expect(sut.unspooledPoints).toBe(0);
      expect((await spool.pending('run')).flatMap((batch) => batch.points)).toEqual(steps(0, 200));
      api.up = true;
      await sut.drained();
      expect(api.sent).toEqual(steps(0, 200).map((p) => p.step));
      expect(api.warnings.filter((line) => line.includes('cannot be written'))).toHaveLength(1);
      expect(api.warnings.filter((line) => line.includes('can be written again'))).toHaveLength(1);
      sut.stop();
    });

    it('drops the oldest points beyond its bound when neither disk nor API takes them, and says so', async () => {
      const { sut, api } = recordingShipper(spool, { up: false, maxUnspooledPoints: 150 });
      await disk.fill();
      for (let batch = 0; batch < 4; batch += 1) {
        sut.add(steps(batch * 100, 100));
        await sut.flush();
      }
      expect(sut.unspooledPoints).toBe(150);
      expect(api.warnings.filter((line) => line.includes('dropping the oldest'))).toHaveLength(1);
      api.up = true;
      await sut.drained();
      expect(api.sent).toEqual(steps(250, 150).map((p) => p.step));
      expect(api.warnings.filter((line) => line.includes('250 metric points'))).toHaveLength(1);
      sut.stop();
    });
  });
});
