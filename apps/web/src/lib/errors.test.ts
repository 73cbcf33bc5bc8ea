import { ERROR_CODES } from '@finetrack/shared';
import { CombinedError } from 'urql';
import { describe, expect, it } from 'vitest';
import { errorCode, errorMessage } from './errors';

const answered = (code: string, message = 'the server said so') =>
  new CombinedError({ graphQLErrors: [{ message, extensions: { code } }] });

describe('errorMessage', () => {
  it.each(ERROR_CODES)('has a sentence for %s', (code) => {
    const error = answered(code);
    expect(errorCode(error)).toBe(code);
    expect(errorMessage(error)).toMatch(/\w+/);
  });

  it('tells a moment of unavailability from a full store', () => {
    expect(errorMessage(answered('SERVICE_UNAVAILABLE'))).toMatch(/try again/i);
    expect(errorMessage(answered('INSUFFICIENT_STORAGE'))).toMatch(/full/);
  });

  it('shows the server’s own words for input errors and NETWORK when nothing answered', () => {
    expect(errorMessage(answered('BAD_USER_INPUT', 'name is too long'))).toBe('name is too long');
    const network = new CombinedError({ networkError: new Error('ECONNREFUSED') });
    expect(errorCode(network)).toBe('NETWORK');
    expect(errorMessage(network)).toMatch(/could not be reached/);
  });
});
