import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, sut: createLogger('debug', stream) };
}

describe('createLogger', () => {
  it.each([
    ['a password', { password: 'hunter2-secret' }],
    ['a nested password', { input: { password: 'hunter2-secret' } }],
    ['a token', { token: 'ft_hunter2-secret' }],
    ['a lease token', { input: { leaseToken: 'hunter2-secret' } }],
    ['a password hash', { user: { passwordHash: '$argon2id$hunter2-secret' } }],
    ['a token hash', { row: { tokenHash: 'hunter2-secret' } }],
    ['an Authorization header', { req: { headers: { authorization: 'Bearer hunter2-secret' } } }],
    ['a Cookie header', { headers: { cookie: 'finetrack_session=hunter2-secret' } }],
    [
      'a Set-Cookie header',
      { res: { headers: { 'set-cookie': 'finetrack_session=hunter2-secret' } } },
    ],
    ['GraphQL variables', { variables: { input: { email: 'a@b', pass: 'hunter2-secret' } } }],
    ['nested GraphQL variables', { request: { variables: { anything: 'hunter2-secret' } } }],
  ])('redacts %s', (_name, fields) => {
    const { lines, sut } = capture();
    sut.info(fields, 'message');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2-secret');
    expect(lines[0]).toContain('[redacted]');
  });

  it('keeps what is not secret', () => {
    const { lines, sut } = capture();
    sut.info({ method: 'POST', url: '/graphql', status: 200 }, 'request');
    expect(JSON.parse(lines[0])).toMatchObject({ method: 'POST', url: '/graphql', status: 200 });
  });
});

describe('logFormat', () => {
  it.each([
    [{}, true, 'pretty'],
    [{}, false, 'json'],
    [{ FINETRACK_LOG_FORMAT: 'json' }, true, 'json'],
    [{ FINETRACK_LOG_FORMAT: 'PRETTY' }, false, 'pretty'],
  ])('%o on a terminal %s: %s', (env, terminal, expected) => {
    expect(logFormat(env, terminal)).toBe(expected);
  });

  it('refuses an unknown format instead of guessing', () => {
    expect(() => logFormat({ FINETRACK_LOG_FORMAT: 'xml' }, true)).toThrow(/json or pretty/);
  });
});
