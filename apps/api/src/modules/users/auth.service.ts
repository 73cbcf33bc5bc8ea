import { instanceAdminCondition } from '../tokens/instance-admin.js';
import { hash, verify } from '@node-rs/argon2';
import type { DataSource } from 'typeorm';
import { ErrorCode } from '@finetrack/shared';
import type { Config } from '../../config.js';
import type { Actor, Viewer } from '../../common/actor.js';
import { AppError, conflict, rateLimited, unauthenticated } from '../../graphql/errors.js';
import { newSecret, sha256Hex } from '../../common/secrets.js';
import { atLeast, isTeamRole, WORKER_TOKEN_MINIMUM_ROLE } from '../teams/team-role.js';
import { ApiTokenRole } from '../tokens/api-token.entity.js';
import type { AccessChanges } from '../events/access-changes.js';
import { FailureCounter } from './login-limiter.js';
import { Session } from './session.entity.js';
import { User } from './user.entity.js';
import type { LogInInput, SignUpInput } from './auth.inputs.js';

const INVALID_CREDENTIALS = 'invalid email or password';
/** How long a token or session lookup is trusted before asking PostgreSQL again. */
const CREDENTIAL_CACHE_MS = 10_000;
const MAX_CACHED_CREDENTIALS = 10_000;

/** A session just started: the transport hands `secret` to the browser until `expiresAt`. */

/** The user id of an owner-less instance worker token: no user has it. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

export interface StartedSession {
  secret: string;
  expiresAt: Date;
}

/** A signed-up or logged-in user and the session that now carries them. */
export interface SignedIn {
  user: User;
  session: StartedSession;
}

interface CachedCredential {
  viewer: Viewer;
  tokenId?: string;
  expiresAt: number | null;
  cachedAt: number;
}

const invalidToken = () =>
  new AppError(ErrorCode.Unauthenticated, 'the API token is invalid, expired or revoked');

export class AuthService {
  /**
   * Verified against when the email is unknown, so both failures cost the same time. Made with
   * the same parameters as real hashes, at start-up so the first unknown email is not slower.
   */
  private readonly dummyHash: Promise<string>;
  /** Failed log-ins per email (known or not, so the answer reveals nothing) and per address. */
  private readonly accountFailures: FailureCounter;
  private readonly addressFailures: FailureCounter;
  /** Sign-ups per client address, counted before the password is hashed. */
  private readonly addressSignUps: FailureCounter;
  private readonly credentials = new Map<string, CachedCredential>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly accessChanges: AccessChanges,
  ) {
    this.dummyHash = hash(newSecret(''));
    this.dummyHash.catch(() => undefined);
    const windowMs = config.loginFailureWindowSeconds * 1000;
    this.accountFailures = new FailureCounter(config.loginMaxFailuresPerAccount, windowMs);
    this.addressFailures = new FailureCounter(config.loginMaxFailuresPerAddress, windowMs);
    this.addressSignUps = new FailureCounter(
      config.signUpMaxPerAddress,
      config.signUpWindowSeconds * 1000,
    );
  }

  async signUp(actor: Actor, input: SignUpInput): Promise<SignedIn> {
    const address = actor.address ?? 'unknown';
    if (this.addressSignUps.blocked(address))
      throw rateLimited(
        'too many sign-ups from this address; try again later',
        this.addressSignUps.retryAfterSeconds(address),
      );
    this.addressSignUps.fail(address);
    const email = input.email.trim();
    const passwordHash = await hash(input.password); // argon2id is the package default
    let user: User;
    try {
      user = await this.dataSource
        .getRepository(User)
        .save({ email, name: input.name.trim(), passwordHash });
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw conflict('an account with that email already exists');
      throw error;
    }
    return { user, session: await this.startSession(actor, user.id) };
  }

  async logIn(actor: Actor, input: LogInInput): Promise<SignedIn> {
    const email = input.email.trim().toLowerCase();
    // The socket's peer, or what a trusted proxy says (TRUST_PROXY).
    const address = actor.address ?? 'unknown';
    const blockedFor = Math.max(
      this.accountFailures.blocked(email) ? this.accountFailures.retryAfterSeconds(email) : 0,
      this.addressFailures.blocked(address) ? this.addressFailures.retryAfterSeconds(address) : 0,
    );
    if (blockedFor > 0)
      throw rateLimited('too many failed log-ins; try again in a few minutes', blockedFor);
    // Counted before the password is checked, in the same tick as the check above: parallel
    // guesses cannot all pass the limit while the first ones are still being hashed.
    this.accountFailures.fail(email);
    this.addressFailures.fail(address);
    const user = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .where('lower(user.email) = :email', { email })
      .getOne();
    const ok = await verify(user?.passwordHash ?? (await this.dummyHash), input.password);
    if (!user || !ok) throw new AppError(ErrorCode.Unauthenticated, INVALID_CREDENTIALS);
    this.accountFailures.clear(email);
    this.addressFailures.forgive(address);
    return { user, session: await this.startSession(actor, user.id) };
  }

  /** Ends the session whose secret the caller sent (if any); the transport clears the cookie. */
  async logOut(secret: string | undefined): Promise<void> {
    if (!secret) return;
    const tokenHash = sha256Hex(secret);
    this.forget(tokenHash);
    await this.dataSource.getRepository(Session).delete({ tokenHash });
    // Sockets opened with this session close, in every API process.
    await this.accessChanges.announce({ credentialHashes: [tokenHash] });
  }

  async me(actor: Actor): Promise<User> {
    if (!actor.viewer) throw unauthenticated();
    const user = await this.dataSource.getRepository(User).findOneBy({ id: actor.viewer.userId });
    if (!user) throw unauthenticated();
    return user;
  }

  /**
   * Resolves the caller from a Bearer token or the session cookie. A token that is unknown,
   * expired or revoked is an error (scripts should hear about it), a stale cookie is not.
   * Lookups are cached for a few seconds (a script calling in a loop costs no query);
   * revoking or logging out in this process drops the entry at once.
   */
  async authenticate(
    authorization: string | undefined,
    cookie: string | undefined,
  ): Promise<Viewer | null> {
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw unauthenticated();
      const tokenHash = sha256Hex(match[1]);
      const now = Date.now();
      let entry = this.credentials.get(tokenHash);
      if (!entry || now - entry.cachedAt > CREDENTIAL_CACHE_MS) {
        const rows: {
          id: string;
          user_id: string | null;
          team_id: string | null;
          expires_at: Date | null;
          role: string;
          creator_role: string | null;
          creator_instance_admin: boolean | null;
        }[] = await this.dataSource.query(
          `SELECT t.id, t.user_id, t.team_id, t.expires_at, t.role, m.role AS creator_role,
                  ${instanceAdminCondition('u', '$2')} AS creator_instance_admin
             FROM api_tokens t
             LEFT JOIN memberships m ON m.team_id = t.team_id AND m.user_id = t.user_id
             LEFT JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
          [tokenHash, this.config.adminEmails],
        );
        const token = rows[0];
        if (!token) throw invalidToken();
        // A worker token acts for its team with its creator's rights, so it holds only while the
        // creator is still an admin there (removal and demotion also revoke it).
        // An instance worker token (no team) holds while it was made by the server itself (no
        // owner: the local worker's) or while its creator is still an instance administrator.
        const instance = token.role === ApiTokenRole.WORKER && token.team_id === null;
        if (instance && token.user_id !== null && !token.creator_instance_admin)
          throw invalidToken();
        if (
          token.role === ApiTokenRole.WORKER &&
          !instance &&
          !(
            token.creator_role &&
            isTeamRole(token.creator_role) &&
            atLeast(token.creator_role, WORKER_TOKEN_MINIMUM_ROLE)
          )
        )
          throw invalidToken();
        entry = {
          viewer: {
            // An owner-less (server-made) instance token acts as nobody: the nil uuid matches no
            // membership, so it reaches no team through the user paths.
            userId: token.user_id ?? NO_USER,
            via: 'token',
            tokenTeamId: token.team_id,
            tokenId: token.id,
            worker: token.role === ApiTokenRole.WORKER,
            instanceWorker: instance,
          },
          tokenId: token.id,
          expiresAt: token.expires_at?.getTime() ?? null,
          cachedAt: now,
        };
        this.remember(tokenHash, entry);
      }
      if (entry.expiresAt !== null && entry.expiresAt <= now) throw invalidToken();
      this.touch(entry.tokenId!, now);
      return entry.viewer;
    }
    if (cookie) {
      const sessionHash = sha256Hex(cookie);
      const now = Date.now();
      let entry = this.credentials.get(sessionHash);
      if (!entry || now - entry.cachedAt > CREDENTIAL_CACHE_MS) {
        const rows: { user_id: string; expires_at: Date }[] = await this.dataSource.query(
          'SELECT user_id, expires_at FROM sessions WHERE token_hash = $1',
          [sessionHash],
        );
        if (!rows[0]) return null;
        entry = {
          viewer: { userId: rows[0].user_id, via: 'cookie', tokenTeamId: null },
          expiresAt: rows[0].expires_at.getTime(),
          cachedAt: now,
        };
        this.remember(sessionHash, entry);
      }
      if (entry.expiresAt !== null && entry.expiresAt <= now) return null;
      return entry.viewer;
    }
    return null;
  }

  /** Drops a cached token or session (after revoking or logging out). */
  forget(hash: string): void {
    this.credentials.delete(hash);
  }

  private remember(hash: string, entry: CachedCredential): void {
    if (this.credentials.size >= MAX_CACHED_CREDENTIALS) this.credentials.clear();
    this.credentials.set(hash, entry);
  }

  /** Records last use at most once a minute per token, off the request path. */
  private touch(tokenId: string, now: number): void {
    const last = this.touched.get(tokenId) ?? 0;
    if (now - last < 60_000) return;
    this.touched.set(tokenId, now);
    if (this.touched.size > MAX_CACHED_CREDENTIALS) this.touched.clear();
    this.dataSource
      .query(
        `UPDATE api_tokens SET last_used_at = date_trunc('milliseconds', now()) WHERE id = $1`,
        [tokenId],
      )
      .catch(() => this.touched.delete(tokenId));
  }

  /** Stores a new session; the rest of this request runs as its user. */
  private async startSession(actor: Actor, userId: string): Promise<StartedSession> {
    const secret = newSecret('');
    const expiresAt = new Date(Date.now() + this.config.sessionTtlHours * 3_600_000);
    await this.dataSource
      .getRepository(Session)
      .insert({ userId, tokenHash: sha256Hex(secret), expiresAt });
    actor.viewer = { userId, via: 'cookie', tokenTeamId: null };
    actor.roles.clear();
    return { secret, expiresAt };
  }
}
