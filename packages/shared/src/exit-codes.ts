/**
 * The exit codes of every Finetrack command (`finetrack`, `finetrack-train`, `finetrack-worker`);
 * scripts may branch on these.
 */
export const ExitCode = {
  Ok: 0,
  /**
   * Anything else: the API refused or failed the operation or could not be reached after
   * retries, training failed unexpectedly, or a worker health check found no recent heartbeat.
   */
  Failure: 1,
  /** Bad options or input (a malformed file, value, dataset or model: nothing is done), or BAD_USER_INPUT. */
  Usage: 2,
  /** No token, or the token is invalid, expired or revoked, or lacks the right (FORBIDDEN). */
  Auth: 3,
  /** The project, experiment or run does not exist or is not yours to see. */
  NotFound: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
