import { ErrorCode } from '../error-codes.js';
import { ApiError, ClientErrorCode } from './api-error.js';

/** How often and how patiently a call is retried. Times in milliseconds. */
export interface RetryPolicy {
  /** Tries in all, the first included; `Infinity` retries until `maxElapsedMs` or the signal. */
  maxAttempts: number;
  /** Delay cap before the first retry; doubles per retry up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up once this much time has passed since the first try (default: no limit). */
  maxElapsedMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
};

/** HTTP statuses that mean "a proxy or the API is briefly unavailable". */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Whether an answer is worth trying again: network failures, timeouts, 502/503/504, 429,
 * RATE_LIMITED and SERVICE_UNAVAILABLE (the database is away for a moment). Never the caller's or
 * the server's own verdicts (BAD_USER_INPUT, FORBIDDEN, NOT_FOUND, CONFLICT, UNAUTHENTICATED,
 * INTERNAL_SERVER_ERROR…), nor INSUFFICIENT_STORAGE / 507: a full disk is not freed in seconds.
 */
export function isRetryable(code: string, status?: number): boolean {
  if (code === ClientErrorCode.Network || code === ClientErrorCode.Timeout) return true;
  if (code === ErrorCode.InsufficientStorage || status === 507) return false;
  if (code === ErrorCode.RateLimited || status === 429) return true;
  if (code === ErrorCode.ServiceUnavailable) return true;
  return status !== undefined && RETRYABLE_STATUSES.has(status);
}

/**
 * Exponential back-off with full jitter: a uniform delay in [0, min(maxDelayMs, baseDelayMs·2^(retry−1))].
 * `retry` is 1 before the first retry. `random` returns [0, 1).
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with ABORTED when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(signal: AbortSignal): ApiError {
  return new ApiError(ClientErrorCode.Aborted, 'the request was aborted', {
    cause: signal.reason,
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log "API unreachable, retrying in 2.1 s". */
  onRetry?: (error: ApiError, retry: number, delayMs: number) => void;
  random?: () => number;
  now?: () => number;
}

/**
 * Runs `attempt` until it succeeds, throws a non-retryable ApiError (or anything that is not an
 * ApiError), or the policy gives up (the last error is thrown). A Retry-After hint raises the
 * delay to at least that long.
 */
export async function withRetry<T>(
  attempt: (tryNumber: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const started = now();
  for (let tryNumber = 1; ; tryNumber += 1) {
    try {
      return await attempt(tryNumber);
    } catch (error) {
      if (!(error instanceof ApiError) || !error.retryable) throw error;
      if (hooks.signal?.aborted) throw abortedError(hooks.signal);
      if (tryNumber >= policy.maxAttempts) throw error;
      let delay = backoffDelay(tryNumber, policy, hooks.random);
      const hint = error.details.retryAfterSeconds;
      if (hint !== undefined) delay = Math.max(delay, Math.min(hint * 1000, policy.maxDelayMs));
      if (policy.maxElapsedMs !== undefined && now() - started + delay > policy.maxElapsedMs)
        throw error;
      hooks.onRetry?.(error, tryNumber, delay);
      await sleep(delay, hooks.signal);
    }
  }
}
