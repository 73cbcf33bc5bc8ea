import { ERROR_CODES, ErrorCode } from '@finetrack/shared';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/database-unavailable.js';

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
/** The part of class-validator's ValidationError the client sees. */
interface FieldValidationError {
  property?: string;
  constraints?: Record<string, string>;
  children?: FieldValidationError[];
}

/** Nested inputs (e.g. `sweep.learningRates`) report their own fields, by dotted path. */
function flattenValidationErrors(
  errors: FieldValidationError[],
  prefix?: string,
): { field: string | undefined; messages: string[] }[] {
  return errors.flatMap((item) => {
    const field = prefix && item.property ? `${prefix}.${item.property}` : item.property;
    const own = Object.values(item.constraints ?? {});
    const nested = flattenValidationErrors(item.children ?? [], field);
    return own.length > 0 || nested.length === 0 ? [{ field, messages: own }, ...nested] : nested;
  });
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new AppError(ErrorCode.BadUserInput, message, details);
export const conflict = (message: string) => new AppError(ErrorCode.Conflict, message);
/** RATE_LIMITED with the seconds until the caller may try again (`retryAfterSeconds`). */
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError(ErrorCode.RateLimited, message, { retryAfterSeconds });

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
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.InsufficientStorage:
      return 507;
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

/** What the client reads when PostgreSQL could not be reached; no SQL, no driver message. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable for a moment; try again';

/**
 * The answer to an operation that failed because the database was away (see
 * isDatabaseUnavailable): HTTP 503 with Retry-After and SERVICE_UNAVAILABLE, so clients retry.
 * Used where Apollo's plugins do not run (the context function); `cause` is kept for the log.
 */
export function serviceUnavailableError(cause: unknown): GraphQLError {
  return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
    originalError: cause instanceof Error ? cause : undefined,
    extensions: {
      code: ErrorCode.ServiceUnavailable,
      http: {
        status: 503,
        headers: new Map([['retry-after', String(DATABASE_RETRY_AFTER_SECONDS)]]),
      },
    },
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

/**
 * What of an unexpected error goes to the log: never the SQL parameters TypeORM and pg attach
 * (they can hold password hashes or token hashes), only name, code, message and stack.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code } = error as { code?: unknown };
  return { name: error.name, code, message: error.message, stack: error.stack };
}

interface ErrorLogger {
  error(object: unknown, message: string): void;
  warn(object: unknown, message: string): void;
}

/**
 * Turns whatever a resolver threw into the formatted error the client sees: AppErrors keep their
 * code, type-graphql argument validation becomes BAD_USER_INPUT, a database that could not be
 * reached becomes SERVICE_UNAVAILABLE (databaseUnavailablePlugin makes that answer a 503),
 * everything unexpected is logged and answered as INTERNAL_SERVER_ERROR with no message, stack
 * or SQL.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: ErrorLogger,
): GraphQLFormattedError {
  // Duck-typed: graphql may be loaded twice (ESM and CJS copies), so instanceof is unreliable.
  // Follow the wrappers (Apollo's ValidationError, graphql-js's located errors) down to what
  // was actually thrown.
  type Thrown = Error & { originalError?: unknown; extensions?: Record<string, unknown> };
  const chain: Thrown[] = [];
  for (let current = error as Thrown | undefined; current && typeof current === 'object';) {
    chain.push(current);
    const next = current.originalError as Thrown | undefined;
    if (!next || chain.includes(next)) break;
    current = next;
  }
  const original = chain.at(-1);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  // Before the other branches: the context function's 503 is a GraphQLError with extensions,
  // which the request-level branch below would otherwise take for the caller's fault.
  if (isDatabaseUnavailable(error)) {
    logger.warn(
      { err: loggableError(original), path: formatted.path },
      'database unavailable: answered SERVICE_UNAVAILABLE',
    );
    return {
      ...base,
      message: DATABASE_UNAVAILABLE_MESSAGE,
      extensions: { code: ErrorCode.ServiceUnavailable },
    };
  }
  if (original instanceof AppError || original?.name === 'AppError') {
    const appError = original as AppError;
    return {
      ...base,
      message: appError.message,
      extensions: { code: appError.code, ...(appError.details ?? {}) },
    };
  }
  // type-graphql's ArgumentValidationError (a plain GraphQLError by name) carries class-validator's
  // errors: answer like a service's badInput, with the first rule's message and field.
  const validationErrors = original?.extensions?.validationErrors;
  if (Array.isArray(validationErrors)) {
    const fields = flattenValidationErrors(validationErrors as FieldValidationError[]);
    const first = fields.find((item) => item.messages.length > 0);
    return {
      ...base,
      message: first?.messages[0] ?? 'Argument validation failed',
      extensions: { code: ErrorCode.BadUserInput, field: first?.field, fields },
    };
  }
  if (original && 'extensions' in original) {
    // A request-level error from graphql-js, Apollo or our own plugins, never a resolver crash.
    const codes = [...chain.map((item) => item.extensions?.code), formatted.extensions?.code];
    const known = codes.find(
      (code): code is string =>
        typeof code === 'string' &&
        code !== ErrorCode.InternalServerError &&
        ((ERROR_CODES as readonly string[]).includes(code) || APOLLO_INPUT_CODES.has(code)),
    );
    const message = formatted.message || original.message;
    // Our plugins name the offending input (`field`) and why (`reason`); nothing else passes.
    const said = original.extensions ?? {};
    const detail = {
      ...(typeof said.field === 'string' ? { field: said.field } : {}),
      ...(typeof said.reason === 'string' ? { reason: said.reason } : {}),
    };
    if (known && (ERROR_CODES as readonly string[]).includes(known))
      return { ...base, message, extensions: { code: known, ...detail } };
    // graphql-js raises coercion errors without a code (e.g. while our cost plugin reads the
    // variables): the request's fault.
    return {
      ...base,
      message,
      extensions: { code: ErrorCode.BadUserInput, ...(known ? { reason: known } : {}) },
    };
  }
  logger.error(
    { err: loggableError(original), path: formatted.path },
    'unexpected error in a resolver',
  );
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: ErrorCode.InternalServerError },
  };
}
