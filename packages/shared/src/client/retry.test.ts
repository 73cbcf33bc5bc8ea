import { describe, expect, it } from 'vitest';
import { ApiError, ClientErrorCode } from './api-error.js';
import { backoffDelay, isRetryable, sleep, withRetry } from './retry.js';

const policy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 4 };

describe('backoffDelay', () => {
  it('doubles the ceiling per retry up to the cap, with full jitter', () => {
    const ceiling = (retry: number) =>
      backoffDelay(retry, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6].map(ceiling)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0)).toBe(0);
  });
});

describe('isRetryable', () => {
  it.each([
    [ClientErrorCode.Network, undefined, true],
    [ClientErrorCode.Timeout, undefined, true],
    ['RATE_LIMITED', 200, true],
    ['INTERNAL_SERVER_ERROR', 429, true],
    ['INTERNAL_SERVER_ERROR', 502, true],
    ['INTERNAL_SERVER_ERROR', 503, true],
    ['INTERNAL_SERVER_ERROR', 504, true],
    ['INTERNAL_SERVER_ERROR', 500, false],
    ['SERVICE_UNAVAILABLE', 503, true],
    // The code alone decides when a proxy rewrote the status.
    ['SERVICE_UNAVAILABLE', 200, true],
    ['INSUFFICIENT_STORAGE', 507, false],
    ['INSUFFICIENT_STORAGE', 503, false],
    ['INTERNAL_SERVER_ERROR', 507, false],
    ['BAD_USER_INPUT', 400, false],
    ['FORBIDDEN', 403, false],
    ['UNAUTHENTICATED', 401, false],
    ['NOT_FOUND', 404, false],
    ['CONFLICT', 409, false],
    [ClientErrorCode.ChecksumMismatch, undefined, false],
  ])('%s with HTTP %s → %s', (code, status, expected) => {
    expect(isRetryable(code, status)).toBe(expected);
  });
});

describe('withRetry', () => {
  const transient = () => new ApiError(ClientErrorCode.Network, 'down', { retryable: true });

  it('retries retryable errors and returns the first success', async () => {
    const retries: number[] = [];
    let tries = 0;
    const sut = withRetry(
      async () => {
        tries += 1;
        if (tries < 3) throw transient();
        return 'ok';
      },
      policy,
      { onRetry: (_error, retry) => retries.push(retry) },
    );
    await expect(sut).resolves.toBe('ok');
    expect(retries).toEqual([1, 2]);
  });

  it('throws the last error after maxAttempts tries', async () => {
    let tries = 0;
    await expect(
      withRetry(async () => {
        tries += 1;
        throw transient();
      }, policy),
    ).rejects.toMatchObject({ code: ClientErrorCode.Network });
    expect(tries).toBe(4);
  });

  it('never retries a non-retryable ApiError or a plain error', async () => {
    for (const error of [new ApiError('BAD_USER_INPUT', 'no'), new TypeError('bug')]) {
      let tries = 0;
      await expect(
        withRetry(async () => {
          tries += 1;
          throw error;
        }, policy),
      ).rejects.toBe(error);
      expect(tries).toBe(1);
    }
  });

  it('gives up when the next wait would pass maxElapsedMs', async () => {
    let clock = 0;
    let tries = 0;
    await expect(
      withRetry(
        async () => {
          tries += 1;
          clock += 1000;
          throw transient();
        },
        { maxAttempts: Infinity, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 3500 },
        { now: () => clock },
      ),
    ).rejects.toMatchObject({ code: ClientErrorCode.Network });
    expect(tries).toBe(4);
  });

  it('waits at least a Retry-After hint (capped by maxDelayMs)', async () => {
    const delays: number[] = [];
    let tries = 0;
    await withRetry(
      async () => {
        tries += 1;
        if (tries === 1)
          throw new ApiError('RATE_LIMITED', 'slow down', {
            retryable: true,
            retryAfterSeconds: 0.003,
          });
        return tries;
      },
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 50 },
      { onRetry: (_error, _retry, delay) => delays.push(delay), random: () => 0 },
    );
    expect(delays).toEqual([3]);
  });

  it('stops waiting when the signal fires', async () => {
    const controller = new AbortController();
    const sut = withRetry(
      async () => {
        throw transient();
      },
      { maxAttempts: Infinity, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      { signal: controller.signal, random: () => 0.5 },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(sut).rejects.toMatchObject({ code: ClientErrorCode.Aborted });
  });
});

describe('sleep', () => {
  it('rejects at once on an aborted signal', async () => {
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toMatchObject({
      code: ClientErrorCode.Aborted,
    });
  });
});
