import { ApiClient } from '../client/api-client.js';
import { FinetrackClient } from '../client/finetrack-client.js';
import type { CliIo } from './command.js';
import { resolveConnection } from './config.js';

const USER_AGENT = 'finetrack-cli/0.1';

/** A client for `connection` that reports each retry on stderr. */
export function client(connection: { api: string; token: string }, io: CliIo): FinetrackClient {
  return new FinetrackClient(
    new ApiClient({
      url: connection.api,
      token: connection.token,
      userAgent: USER_AGENT,
      onRetry: (error, retry, delayMs) =>
        io.stderr(
          `finetrack: ${error.message}; retry ${retry} in ${(delayMs / 1000).toFixed(1)} s\n`,
        ),
    }),
  );
}

/** A client for the API and token of the environment or the stored config. */
export async function connect(io: CliIo): Promise<FinetrackClient> {
  return client(await resolveConnection(io.env), io);
}
