// @vitest-environment node
import { CombinedError } from 'urql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '@/features/session/safe-return';
import { errorCode, errorMessage } from './errors';
import { loginRedirectUrl } from './urql-client';

const graphQLError = (code: string, message = 'refused') =>
  new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions: { code } })] });

describe('errors by extensions.code', () => {
  it.each([
    ['UNAUTHENTICATED', 'Please log in.'],
    ['FORBIDDEN', 'You do not have access to this.'],
    ['NOT_FOUND', 'Not found.'],
    ['BAD_USER_INPUT', 'name must not be empty'],
    ['CONFLICT', 'name must not be empty'],
    ['RATE_LIMITED', 'name must not be empty'],
    ['INTERNAL_SERVER_ERROR', 'Something went wrong on the server.'],
  ])('%s → %s', (code, message) => {
    const error = graphQLError(code, 'name must not be empty');
    expect(errorCode(error)).toBe(code);
    expect(errorMessage(error)).toBe(message);
  });

  it('tells a network failure apart', () => {
    const error = new CombinedError({ networkError: new Error('fetch failed') });
    expect(errorCode(error)).toBe('NETWORK');
    expect(errorMessage(error)).toMatch(/could not be reached/);
  });
});

describe('log-in redirect', () => {
  it('returns to the page the visitor was on', () => {
    expect(loginRedirectUrl({ pathname: '/experiments/e1', search: '?cells=1_0.01' })).toBe(
      '/login?returnTo=%2Fexperiments%2Fe1%3Fcells%3D1_0.01',
    );
  });

  it('never redirects from the public pages', () => {
    expect(loginRedirectUrl({ pathname: '/login', search: '?returnTo=%2F' })).toBeNull();
    expect(loginRedirectUrl({ pathname: '/signup', search: '' })).toBeNull();
  });

  it.each([
    ['/experiments/e1?x=wall', '/experiments/e1?x=wall'],
    [null, '/projects'],
    ['https://evil.example', '/projects'],
    ['//evil.example', '/projects'],
    ['/\\evil.example', '/projects'],
    // The browser drops tabs and newlines from a URL, so these would leave the site.
    ['/\t/evil.example/', '/projects'],
    ['/\n/evil.example/', '/projects'],
    ['/\r\n/evil.example', '/projects'],
    ['\t//evil.example', '/projects'],
    ['/\t\\evil.example', '/projects'],
    ['/experiments/e1#curves', '/experiments/e1#curves'],
  ])('returnTo %s → %s', (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });
});
