import { ERROR_CODES, ErrorCode } from '@finetrack/shared';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** A failure the caller can act on. Anything else thrown inside a resolver is masked. */
export class AppError extends Error {
  constructor(
    readonly code: Exclude<ErrorCode, 'INTERNAL_SERVER_ERROR'>,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(ErrorCode.NotFound, `${what} not found`);
export const forbidden = (message = 'you are not allowed to do this') =>
  new AppError(ErrorCode.Forbidden, message);
export const unauthenticated = () =>
  new AppError(ErrorCode.Unauthenticated, 'you must log in or send an API token');
export const badInput = (message: string, details?: Record<string, unknown>) =>
  new AppError(ErrorCode.BadUserInput, message, details);
export const conflict = (message: string) => new AppError(ErrorCode.Conflict, message);

function assertNever(value: never): never {
  throw new Error(`unmapped error code ${String(value)}`);
}

/** HTTP status for a code; the switch is exhaustive so a new code fails to compile until mapped. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.Unauthenticated:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.BadUserInput:
      return 400;
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.InternalServerError:
      return 500;
    default:
      return assertNever(code);
  }
}

export function toGraphQLError(error: AppError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...(error.details ?? {}) },
  });
}

/** Apollo's own codes for requests that never reached a resolver; all are the caller's fault. */
const APOLLO_INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

interface ErrorLogger {
  error(object: unknown, message: string): void;
}

/**
 * Turns whatever a resolver threw into the formatted error the client sees: AppErrors keep their
 * code, type-graphql argument validation becomes BAD_USER_INPUT, everything unexpected is logged
 * and answered as INTERNAL_SERVER_ERROR with no message, stack or SQL.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: ErrorLogger,
): GraphQLFormattedError {
  // Duck-typed: graphql may be loaded twice (ESM and CJS copies), so instanceof is unreliable.
  // Follow the wrappers down to what was actually thrown.
  type Thrown = { name?: string; originalError?: unknown; extensions?: Record<string, unknown> };
  let original = error as Thrown | undefined;
  while (original?.name === 'GraphQLError' && original.originalError)
    original = original.originalError as Thrown;
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof AppError || original?.name === 'AppError') {
    const appError = original as AppError;
    return {
      ...base,
      message: appError.message,
      extensions: { code: appError.code, ...(appError.details ?? {}) },
    };
  }
  if (original?.name === 'ArgumentValidationError') {
    const errors = (original.extensions?.validationErrors ?? []) as {
      property?: string;
      constraints?: Record<string, string>;
    }[];
    const fields = errors.map((item) => ({
      field: item.property,
      messages: Object.values(item.constraints ?? {}),
    }));
    return {
      ...base,
      message: 'Argument validation failed',
      extensions: { code: ErrorCode.BadUserInput, fields },
    };
  }
  if (original?.name === 'GraphQLError') {
    // A request-level error from graphql-js, Apollo or our own plugins.
    const inner = original as { message?: string; extensions?: Record<string, unknown> };
    const code = inner.extensions?.code ?? formatted.extensions?.code;
    const message = inner.message ?? formatted.message;
    if (typeof code === 'string' && code !== ErrorCode.InternalServerError) {
      if ((ERROR_CODES as readonly string[]).includes(code))
        return { ...base, message, extensions: { code } };
      if (APOLLO_INPUT_CODES.has(code))
        return { ...base, message, extensions: { code: ErrorCode.BadUserInput, reason: code } };
    }
    if (code === undefined)
      return { ...base, message, extensions: { code: ErrorCode.BadUserInput } };
  }
  logger.error({ err: original, path: formatted.path }, 'unexpected error in a resolver');
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: ErrorCode.InternalServerError },
  };
}
