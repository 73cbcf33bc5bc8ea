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
export {
  FinetrackClient,
  type Experiment,
  type ExperimentGrid,
  type Grid,
  type LogMetricsOptions,
  type Me,
  type Project,
  type Run,
  type TerminalRunStatus,
} from './finetrack-client.js';
export {
  MAX_METRIC_KEY_LENGTH,
  MAX_METRIC_STEP,
  MAX_POINTS_PER_CALL,
  MetricInputError,
  batchPoints,
  parseKeyValues,
  parseMetricLines,
  parseMetricValue,
  type MetricInputProblem,
  type MetricPoint,
} from './metric-lines.js';
export * from './operations.js';
export type {
  CreateRunInput,
  GridSummary,
  MetricPointInput,
  TypedDocumentString,
  UpdateRunInput,
} from '../gql/graphql.js';
