/**
 * The largest GraphQL request body (bytes) the API accepts, and so the web app's proxy too:
 * both read `BODY_LIMIT_BYTES`, with this default. Artifact uploads are streamed and have their
 * own limit.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;
