/** The most points one `logMetrics` call accepts: the API refuses more, clients and the worker batch by it. */
export const MAX_METRIC_BATCH = 10_000;

/** Metric keys are 1–200 characters. */
export const MAX_METRIC_KEY_LENGTH = 200;

/** Steps are GraphQL `Int`s: 0 … 2³¹ − 1. */
export const MAX_METRIC_STEP = 2_147_483_647;
