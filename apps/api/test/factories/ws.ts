import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';

/** What a test socket authenticates with: a token in connectionParams, or upgrade headers. */
export interface SocketCredentials {
  token?: string;
  cookie?: string;
  origin?: string;
}

/**
 * A graphql-ws client of the API at `baseUrl` (lazy, no retries: tests see every close), with
 * the cookie and Origin sent on the upgrade request as a browser would.
 */
export function aWsClient(
  baseUrl: string,
  credentials: SocketCredentials,
  on?: ClientOptions['on'],
): Client {
  const headers: Record<string, string> = {};
  if (credentials.cookie) headers.cookie = credentials.cookie;
  if (credentials.origin) headers.origin = credentials.origin;
  class HeaderWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: HeaderWebSocket,
    connectionParams: credentials.token
      ? { authorization: `Bearer ${credentials.token}` }
      : undefined,
    retryAttempts: 0,
    lazy: true,
    on,
  });
}
