import { ERROR_CODES } from '@finetrack/shared';
import { GraphQLError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { AppError, formatError, httpStatusFor, serviceUnavailableError } from './errors.js';

describe('formatError', () => {
  const logged: unknown[] = [];
  const warned: unknown[] = [];
  const logger = {
    error: (object: unknown) => logged.push(object),
    warn: (object: unknown) => warned.push(object),
  };
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

  // What pg and TypeORM throw when PostgreSQL is away, as a resolver or the context function
  // sees it: SERVICE_UNAVAILABLE, never INTERNAL_SERVER_ERROR or BAD_USER_INPUT, and no SQL.
  const driverError = (message: string, code?: string) =>
    Object.assign(new Error(message), { code, query: 'SELECT secret FROM api_tokens' });
  it.each([
    [
      'admin shutdown 57P01',
      driverError('terminating connection due to administrator command', '57P01'),
    ],
    ['crash shutdown 57P02', driverError('terminating connection due to crash', '57P02')],
    ['cannot connect now 57P03', driverError('the database system is starting up', '57P03')],
    ['connection failure 08006', driverError('connection failure', '08006')],
    ['ECONNREFUSED', driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['ECONNRESET', driverError('read ECONNRESET', 'ECONNRESET')],
    ['a terminated connection', driverError('Connection terminated unexpectedly')],
  ])('answers %s as SERVICE_UNAVAILABLE', (_name, cause) => {
    for (const error of [
      // TypeORM's QueryFailedError keeps the driver's error as driverError.
      new GraphQLError('wrapped', {
        originalError: Object.assign(new Error(cause.message), { driverError: cause }),
      }),
      new GraphQLError('Context creation failed: x', {
        originalError: serviceUnavailableError(cause),
        extensions: serviceUnavailableError(cause).extensions,
      }),
    ])
      expect(sut(error)).toEqual({
        message: 'the database is unavailable for a moment; try again',
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    expect(JSON.stringify(warned)).not.toContain('api_tokens');
  });

  it('answers a class-validator rejection with its first message and the nested field path', () => {
    const rejected = new ArgumentValidationError([
      {
        property: 'sweep',
        children: [
          {
            property: 'learningRates',
            constraints: { isLearningRateList: 'learningRates must be finite and > 0, got 0' },
            children: [],
          },
        ],
      },
    ]);
    expect(sut(new GraphQLError('wrapped', { originalError: rejected }))).toEqual({
      message: 'learningRates must be finite and > 0, got 0',
      extensions: {
        code: 'BAD_USER_INPUT',
        field: 'sweep.learningRates',
        fields: [
          {
            field: 'sweep.learningRates',
            messages: ['learningRates must be finite and > 0, got 0'],
          },
        ],
      },
    });
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
