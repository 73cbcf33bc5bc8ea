import type { Logger } from 'pino';
import type { EventsService } from './events.service.js';

/** Hashes per NOTIFY payload: 50 × 64 hex digits stays well under PostgreSQL's 8,000 bytes. */
const HASHES_PER_EVENT = 50;

/**
 * Tells every API process that someone's access changed, so that credential caches drop ended
 * tokens and sessions at once and open sockets are checked again (see graphql/subscriptions.ts).
 * Announced after the change committed; a lost announcement is covered by the caches' short
 * lifetimes and the subscriptions' periodic re-checks.
 */
export class AccessChanges {
  constructor(
    private readonly events: EventsService,
    private readonly logger: Logger,
  ) {}

  async announce(change: { userId?: string; credentialHashes?: string[] }): Promise<void> {
    const hashes = change.credentialHashes ?? [];
    const parts: string[][] = [];
    for (let start = 0; start < hashes.length; start += HASHES_PER_EVENT)
      parts.push(hashes.slice(start, start + HASHES_PER_EVENT));
    if (parts.length === 0) parts.push([]);
    for (const part of parts)
      await this.events
        .publish({ type: 'access', userId: change.userId, credentialHashes: part })
        .catch((error: Error) =>
          this.logger.warn({ err: { message: error.message } }, 'access change not announced'),
        );
  }
}
