// Node-only (fs, crypto, streams): reached as `@finetrack/shared/client`, never from the root
// entry point, which the browser bundle imports.
export { ApiClient, hashFile, type ApiClientOptions, type RequestOptions } from './api-client.js';
export {
  ApiError,
  ClientErrorCode,
  type ApiErrorCode,
  type GraphQLErrorEntry,
} from './api-error.js';
export {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  isRetryable,
  sleep,
  withRetry,
  type RetryHooks,
  type RetryPolicy,
} from './retry.js';
