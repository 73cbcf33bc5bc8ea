import type { ErrorCode } from '../error-codes.js';

/** Codes the client itself gives failures that never got a GraphQL answer. */
export const ClientErrorCode = {
  /** Connection refused or reset, DNS failure, socket closed before the answer. */
  Network: 'NETWORK_ERROR',
  /** No answer within the request timeout. */
  Timeout: 'TIMEOUT',
  /** An answer that is not GraphQL's JSON shape (a proxy's error page, a truncated body). */
  BadResponse: 'BAD_RESPONSE',
  /** A downloaded artifact whose size or sha256 differs from what was expected. */
  ChecksumMismatch: 'CHECKSUM_MISMATCH',
  /** The caller's AbortSignal fired. */
  Aborted: 'ABORTED',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Every code an ApiError may carry; unknown server codes pass through as strings. */
export type ApiErrorCode = ErrorCode | ClientErrorCode | (string & {});

/** One entry of a GraphQL `errors` array. */
export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/**
 * A failed API call. Branch on `code` (the first error's `extensions.code`, or a ClientErrorCode),
 * never on `message`. `retryable` says whether the client's retry policy would try again.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: {
      /** HTTP status, when an answer came. */
      status?: number;
      /** All GraphQL errors of the answer. */
      errors?: GraphQLErrorEntry[];
      /** Partial data that came with the errors. */
      data?: unknown;
      retryable?: boolean;
      /** Seconds to wait, from a Retry-After header or a `retryAfterSeconds` error extension. */
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get retryable(): boolean {
    return this.details.retryable ?? false;
  }

  /** The first error's `extensions` (e.g. `reason`, `field`). */
  get extensions(): Record<string, unknown> {
    return this.details.errors?.[0]?.extensions ?? {};
  }
}
