import type { ApolloServerPlugin } from '@apollo/server';

/**
 * SQLSTATEs that mean "the database is not there right now", not "this statement is wrong":
 * connection exceptions (08…), shutdown or termination by an administrator (57P01–57P03),
 * too many connections (53300).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Node socket errors on the way to PostgreSQL. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Whether `error` (or what it wraps: TypeORM's QueryFailedError, graphql-js located errors) says
 * PostgreSQL could not be reached or went away, so the same request may succeed in a moment.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === 'object' && !seen.has(current);) {
    seen.add(current);
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code)))
      return true;
    if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
    if (
      typeof message === 'string' &&
      /^Connection terminated|not queryable|timeout exceeded when trying to connect/i.test(message)
    )
      return true;
    const next = current as { originalError?: unknown; driverError?: unknown; cause?: unknown };
    current = next.originalError ?? next.driverError ?? next.cause;
  }
  return false;
}

/** Seconds a client is asked to wait before trying again while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * Answers HTTP 503 with Retry-After when an operation failed because PostgreSQL was unreachable,
 * instead of 200 with INTERNAL_SERVER_ERROR: the shared client (and any HTTP client) retries 503,
 * and logMetrics and every worker call are idempotent, so a retried call neither loses nor
 * duplicates anything. formatError gives those error entries the code SERVICE_UNAVAILABLE.
 * Failures of the context function (token lookups) never reach plugins: server.ts answers them
 * with serviceUnavailableError.
 */
export function databaseUnavailablePlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      let unavailable = false;
      return {
        async didEncounterErrors({ errors }) {
          if (errors.some((error) => isDatabaseUnavailable(error))) unavailable = true;
        },
        async willSendResponse({ response }) {
          if (!unavailable) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}
