import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../common/credentials.js';
import { SessionCookie } from './session-cookie.js';

/** A reply that records the cookie calls made on it. */
function recordingReply() {
  const calls: unknown[][] = [];
  const reply = {
    setCookie: (...args: unknown[]) => calls.push(['set', ...args]),
    clearCookie: (...args: unknown[]) => calls.push(['clear', ...args]),
  } as unknown as FastifyReply;
  return { reply, calls };
}

const requestWith = (cookies: Record<string, string>) => ({ cookies }) as unknown as FastifyRequest;

describe('SessionCookie', () => {
  it('reads the secret the browser sent, if any', () => {
    const { reply } = recordingReply();
    expect(
      new SessionCookie(requestWith({ [SESSION_COOKIE]: 's3cret' }), reply, false).secret,
    ).toBe('s3cret');
    expect(new SessionCookie(requestWith({}), reply, false).secret).toBeUndefined();
  });

  it.each([
    { secure: false, label: 'outside production' },
    { secure: true, label: 'in production' },
  ])('sets an HttpOnly, SameSite=Lax cookie until the session expires ($label)', ({ secure }) => {
    const { reply, calls } = recordingReply();
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    new SessionCookie(requestWith({}), reply, secure).set({ secret: 'abc', expiresAt });
    expect(calls).toEqual([
      [
        'set',
        SESSION_COOKIE,
        'abc',
        { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: expiresAt },
      ],
    ]);
  });

  it('clears the cookie on the path it was set on', () => {
    const { reply, calls } = recordingReply();
    new SessionCookie(requestWith({}), reply, false).clear();
    expect(calls).toEqual([['clear', SESSION_COOKIE, { path: '/' }]]);
  });
});
