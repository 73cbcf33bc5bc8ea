import { actorFor, type Viewer } from '../common/actor.js';
import { sha256Hex } from '../common/secrets.js';
import type { AuthService } from '../modules/users/auth.service.js';
import { unauthenticated } from './errors.js';
import type { SubscriptionAccess } from './subscription-access.js';

/** The credential a socket opened with: a bearer token, or the session cookie's secret. */
export interface SocketCredential {
  authorization?: string;
  cookie?: string;
}

interface Entry {
  close(code: number, reason: string): void;
  credential: SocketCredential;
  /** sha256 of the token or session secret, as access changes name it. */
  hash: string;
  userId: string;
  /** Moves on every access change that names the user or the credential. */
  version: number;
}

/** graphql-ws leaves 4401 for this: the socket's credentials are missing or no longer valid. */
export const UNAUTHENTICATED_CLOSE = 4401;

/**
 * The open sockets of this API process by user and credential, so that subscriptions can be
 * authorised again: on every subscribe, on events (see whileAllowed), and at once when an access
 * change (log-out, revoked token, removed or demoted member) names them — then a socket whose
 * credential ended is closed.
 */
export class SocketRegistry {
  private readonly entries = new Map<object, Entry>();

  constructor(private readonly auth: AuthService) {}

  add(
    key: object,
    socket: { close(code: number, reason: string): void },
    viewer: Viewer,
    credential: SocketCredential,
  ): void {
    const secret = credential.authorization?.replace(/^Bearer\s+/i, '') ?? credential.cookie ?? '';
    this.entries.set(key, {
      close: (code, reason) => socket.close(code, reason),
      credential,
      hash: sha256Hex(secret),
      userId: viewer.userId,
      version: 0,
    });
  }

  remove(key: object): void {
    this.entries.delete(key);
  }

  /** The socket's credential authenticated again (null, and the socket closed, when it ended). */
  async revalidate(key: object): Promise<Viewer | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    let viewer: Viewer | null = null;
    try {
      viewer = await this.auth.authenticate(
        entry.credential.authorization,
        entry.credential.cookie,
      );
    } catch {
      viewer = null; // a revoked or expired token
    }
    if (!viewer || viewer.userId !== entry.userId) {
      this.entries.delete(key);
      entry.close(UNAUTHENTICATED_CLOSE, 'UNAUTHENTICATED: the credential of this socket ended');
      return null;
    }
    return viewer;
  }

  /** What a subscription of the socket uses to check its access again. */
  access(key: object): SubscriptionAccess {
    return {
      recheck: async () => {
        const viewer = await this.revalidate(key);
        if (!viewer) throw unauthenticated();
        return actorFor(viewer);
      },
      version: () => this.entries.get(key)?.version ?? -1,
    };
  }

  /** An access change from any API process: affected sockets re-check, ended ones close. */
  async changed(change: { userId?: string; credentialHashes?: string[] }): Promise<void> {
    const hashes = new Set(change.credentialHashes ?? []);
    const affected = [...this.entries].filter(
      ([, entry]) => entry.userId === change.userId || hashes.has(entry.hash),
    );
    for (const [key, entry] of affected) {
      entry.version += 1;
      await this.revalidate(key);
    }
  }

  close(): void {
    this.entries.clear();
  }
}
