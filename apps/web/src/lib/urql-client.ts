import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import {
  cacheExchange,
  Client,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
  type Operation,
} from 'urql';
import { errorCode } from './errors';

const PUBLIC_PATHS = ['/login', '/signup'];

/** Where an UNAUTHENTICATED answer sends the browser: the log-in page, back here afterwards. */
export function loginRedirectUrl(location: { pathname: string; search: string }): string | null {
  if (PUBLIC_PATHS.some((path) => location.pathname.startsWith(path))) return null;
  const returnTo = `${location.pathname}${location.search}`;
  return `/login?returnTo=${encodeURIComponent(returnTo)}`;
}

function redirectOnUnauthenticated(error: CombinedError, operation: Operation) {
  if (typeof window === 'undefined') return;
  if (operation.context.skipAuthRedirect) return;
  if (errorCode(error) !== 'UNAUTHENTICATED') return;
  const target = loginRedirectUrl(window.location);
  if (target) window.location.assign(target);
}

/**
 * The API serves subscriptions over graphql-ws on its own port; Next's route handlers cannot
 * forward WebSockets, so live updates need the API's address in NEXT_PUBLIC_GRAPHQL_WS_URL
 * (build time). Without it pages poll instead.
 */
export function liveUpdatesEnabled(): boolean {
  return typeof window !== 'undefined' && Boolean(process.env.NEXT_PUBLIC_GRAPHQL_WS_URL);
}

let wsClient: WsClient | undefined;
function subscriptionsClient(): WsClient {
  // Created on first subscription only: the page works whether or not the API serves them.
  wsClient ??= createWsClient({
    url:
      process.env.NEXT_PUBLIC_GRAPHQL_WS_URL ||
      `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`,
    lazy: true,
    retryAttempts: 3,
  });
  return wsClient;
}

/** The one urql client: JSON POSTs to the same-origin /graphql proxy, with the session cookie. */
export function createUrqlClient(url = '/graphql'): Client {
  return new Client({
    url,
    // Apollo's CSRF prevention refuses GET queries without a preflight header.
    preferGetMethod: false,
    fetchOptions: { credentials: 'include' },
    requestPolicy: 'cache-and-network',
    exchanges: [
      mapExchange({ onError: redirectOnUnauthenticated }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const dispose = subscriptionsClient().subscribe(input, sink);
              return { unsubscribe: dispose };
            },
          };
        },
      }),
    ],
  });
}
