/**
 * The largest GraphQL request body (bytes) the API accepts, and so the web app's proxy too:
 * both read `BODY_LIMIT_BYTES`, with this default. Artifact uploads are streamed and have their
 * own limit.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * The largest dataset archive (bytes) one upload may carry: the API refuses a larger upload when
 * it is created, and the web app's `/uploads` proxy lets no single request carry more.
 */
export const MAX_DATASET_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024;
