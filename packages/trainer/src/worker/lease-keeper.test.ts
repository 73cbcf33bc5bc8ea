import { ApiError, ClientErrorCode } from '@finetrack/shared/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inProcessLease, LeaseKeeper, type StopReason } from './lease-keeper.js';

const answer = (cancelled = false) => ({ cancelled, leaseExpiresAt: '2030-01-01T00:00:00.000Z' });

describe('LeaseKeeper', () => {
  afterEach(() => vi.useRealTimers());

  it('beats at once and then every interval, never two at a time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const calls: number[] = [];
    const sut = new LeaseKeeper({
      runId: 'run',
      leaseToken: 'lease',
      intervalMs: 1000,
      heartbeat: async (input) => {
        calls.push(input.step ?? -1);
        return answer();
      },
      progress: () => ({ step: calls.length * 10 }),
      onStop: () => undefined,
    });
    sut.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([0]);
    await vi.advanceTimersByTimeAsync(2999);
    expect(calls).toEqual([0, 10, 20]);
    expect(sut.leaseExpiresAt).toBe('2030-01-01T00:00:00.000Z');
    sut.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(3);
  });

  it.each<[string, () => Promise<ReturnType<typeof answer>>, StopReason | undefined]>([
    ['cancelled: true', async () => answer(true), 'cancelled'],
    [
      'a CONFLICT (lease lost)',
      async () => {
        throw new ApiError('CONFLICT', 'lease lost');
      },
      'lease-lost',
    ],
    [
      'NOT_FOUND (run deleted)',
      async () => {
        throw new ApiError('NOT_FOUND', 'gone');
      },
      'lease-lost',
    ],
    [
      'a network error (only logged)',
      async () => {
        throw new ApiError(ClientErrorCode.Network, 'down', { retryable: true });
      },
      undefined,
    ],
  ])('stops the run on %s', async (_name, heartbeat, expected) => {
    const stops: StopReason[] = [];
    const warnings: string[] = [];
    const sut = new LeaseKeeper({
      runId: 'run',
      leaseToken: 'lease',
      intervalMs: 60_000,
      heartbeat,
      progress: () => ({}),
      onStop: (reason) => stops.push(reason),
      onWarning: (message) => warnings.push(message),
    });
    await sut.beat();
    sut.stop();
    expect(stops).toEqual(expected ? [expected] : []);
    expect(warnings).toHaveLength(expected ? 0 : 1);
  });
});

describe('inProcessLease', () => {
  it('reports backend and device once, then progress', async () => {
    const inputs: Record<string, unknown>[] = [];
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sut = inProcessLease(
      async (input) => {
        inputs.push(input);
        return answer();
      },
      {
        runId: 'run',
        leaseToken: 'lease',
        intervalMs: 1000,
        backend: 'wasm',
        device: 'cpu',
        onStop: () => undefined,
        onWarning: () => undefined,
      },
    );
    sut.start();
    await vi.advanceTimersByTimeAsync(0);
    sut.progress({ epoch: 2, step: 40 });
    await vi.advanceTimersByTimeAsync(1000);
    sut.stop();
    vi.useRealTimers();
    expect(inputs).toEqual([
      { runId: 'run', leaseToken: 'lease', epoch: 0, step: 0, backend: 'wasm', device: 'cpu' },
      { runId: 'run', leaseToken: 'lease', epoch: 2, step: 40 },
    ]);
  });
});
