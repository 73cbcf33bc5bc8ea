import type { Actor } from '../common/actor.js';

/** How long a subscription trusts its last access check before the next event checks again. */
export const SUBSCRIPTION_RECHECK_MS = 2_000;

/**
 * What a socket's subscriptions need to check access again: the socket's credential
 * authenticated anew (as an Actor, or an UNAUTHENTICATED error) and a version that moves
 * whenever an access change names the socket's user or credential.
 */
export interface SubscriptionAccess {
  recheck(): Promise<Actor>;
  version(): number;
}

/**
 * The events of `source`, each delivered only while `check` passes. The check runs again when
 * SUBSCRIPTION_RECHECK_MS have passed since the last one or the access version moved; when it
 * throws, the subscription ends with its error (graphql-ws sends it to the client).
 */
export function whileAllowed<T>(
  source: AsyncIterableIterator<T>,
  check: () => Promise<void>,
  access: SubscriptionAccess | undefined,
  now: () => number = Date.now,
): AsyncIterableIterator<T> {
  let checkedAt = now();
  let checkedVersion = access?.version() ?? 0;
  return {
    async next() {
      const result = await source.next();
      if (result.done) return result;
      const version = access?.version() ?? 0;
      if (now() - checkedAt >= SUBSCRIPTION_RECHECK_MS || version !== checkedVersion) {
        try {
          await check();
        } catch (error) {
          await source.return?.();
          throw error;
        }
        checkedAt = now();
        checkedVersion = version;
      }
      return result;
    },
    return: () => source.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    throw: (error?: unknown) => source.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
