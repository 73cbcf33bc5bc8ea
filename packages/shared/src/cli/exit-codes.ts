import { ErrorCode } from '../error-codes.js';
import { ExitCode } from '../exit-codes.js';
import { ApiError } from '../client/api-error.js';
import { MetricInputError } from '../client/metric-lines.js';

export { ExitCode };

/** A failure the CLI explains itself, with the exit code it ends with. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.Usage);

/** The exit code and the one message (for stderr) of any failure. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof MetricInputError)
    return { exitCode: ExitCode.Usage, message: `nothing was logged:\n${error.message}` };
  if (error instanceof ApiError) {
    const message = `${error.message} (${error.code})`;
    switch (error.code) {
      case ErrorCode.Unauthenticated:
        return {
          exitCode: ExitCode.Auth,
          message: `${message}\nlog in again: finetrack login --api URL --token T`,
        };
      case ErrorCode.Forbidden:
        return { exitCode: ExitCode.Auth, message };
      case ErrorCode.NotFound:
        return { exitCode: ExitCode.NotFound, message };
      case ErrorCode.BadUserInput:
        return { exitCode: ExitCode.Usage, message };
      default:
        return { exitCode: ExitCode.Failure, message };
    }
  }
  const text = error instanceof Error ? error.message : String(error);
  return { exitCode: ExitCode.Failure, message: text };
}
