import type { ErrorCode } from '@finetrack/shared';
import type { CombinedError } from 'urql';

/** The `extensions.code` values the API answers with. */
export type ApiErrorCode = ErrorCode;

/** First error code in a result, `NETWORK` when the request never got an answer. */
export function errorCode(error: CombinedError | undefined): ApiErrorCode | 'NETWORK' | undefined {
  if (!error) return undefined;
  for (const graphQLError of error.graphQLErrors) {
    const code = graphQLError.extensions?.code;
    if (typeof code === 'string') return code as ApiErrorCode;
  }
  return error.networkError ? 'NETWORK' : 'INTERNAL_SERVER_ERROR';
}

/** A sentence for people, chosen by code; the server's own message for input errors. */
export function errorMessage(error: CombinedError | undefined): string {
  if (!error) return '';
  const code = errorCode(error);
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'Please log in.';
    case 'FORBIDDEN':
      return 'You do not have access to this.';
    case 'NOT_FOUND':
      return 'Not found.';
    case 'BAD_USER_INPUT':
    case 'CONFLICT':
    case 'RATE_LIMITED':
      return error.graphQLErrors[0]?.message ?? 'The request was refused.';
    case 'NETWORK':
      return 'The server could not be reached. Try again.';
    case 'SERVICE_UNAVAILABLE':
      return 'The server is briefly unavailable. Try again in a moment.';
    case 'INSUFFICIENT_STORAGE':
      return 'The file store is full; ask an administrator to free space.';
    case 'INTERNAL_SERVER_ERROR':
    case undefined:
      return 'Something went wrong on the server.';
  }
}
