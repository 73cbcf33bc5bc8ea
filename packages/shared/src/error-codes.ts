/** Every `extensions.code` the API answers with. Clients branch on these, never on messages. */
export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  BadUserInput: 'BAD_USER_INPUT',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  /** The database is unreachable for a moment (HTTP 503 with Retry-After): try again. */
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  /** The artifact store is out of space (HTTP 507): retrying will not help until it is freed. */
  InsufficientStorage: 'INSUFFICIENT_STORAGE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);
