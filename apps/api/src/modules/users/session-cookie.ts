import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../common/credentials.js';
import type { StartedSession } from './auth.service.js';

/**
 * The session cookie of one HTTP exchange, for the auth resolver: the service deals in session
 * secrets, this is where they meet the browser.
 */
export class SessionCookie {
  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    /** Secure cookies only behind TLS (production). */
    private readonly secure: boolean,
  ) {}

  /** The secret the browser sent, if any. */
  get secret(): string | undefined {
    return this.request.cookies?.[SESSION_COOKIE];
  }

  set(session: StartedSession): void {
    this.reply.setCookie(SESSION_COOKIE, session.secret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      expires: session.expiresAt,
    });
  }

  clear(): void {
    this.reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
