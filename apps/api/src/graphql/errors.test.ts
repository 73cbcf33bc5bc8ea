import { ERROR_CODES } from '@finetrack/shared';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AppError, formatError, httpStatusFor } from './errors.js';

describe('formatError', () => {
  const logged: unknown[] = [];
  const logger = { error: (object: unknown) => logged.push(object) };
  const sut = (error: unknown) => formatError({ message: 'raw message' }, error, logger);

  it('keeps the code and message of an AppError', () => {
    const wrapped = new GraphQLError('x', {
      originalError: new AppError('NOT_FOUND', 'project not found'),
    });
    expect(sut(wrapped)).toMatchObject({
      message: 'project not found',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('masks anything else as INTERNAL_SERVER_ERROR and logs it', () => {
    const sqlError = Object.assign(new Error('duplicate key value violates "users_email_key"'), {
      query: 'INSERT …',
    });
    const result = sut(new GraphQLError('wrapped', { originalError: sqlError }));
    expect(result).toEqual({
      message: 'Internal server error',
      path: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toMatch(/INSERT|argon2id/);
  });

  it('maps Apollo validation codes to BAD_USER_INPUT', () => {
    const error = new GraphQLError('Cannot query field', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(
      formatError(
        { message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
        error,
        logger,
      ),
    ).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});

describe('httpStatusFor', () => {
  it.each(ERROR_CODES.map((code) => [code]))('maps %s', (code) => {
    expect(httpStatusFor(code)).toBeGreaterThanOrEqual(400);
  });
});
