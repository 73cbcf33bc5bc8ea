import { describe, expect, it } from 'vitest';
import {
  fromGraphQLEnum,
  Initialization,
  Optimizer,
  RunKind,
  RunStatus,
  toGraphQLEnum,
} from './run.js';

describe('GraphQL enum values', () => {
  it.each([
    ['Optimizer', Optimizer],
    ['Initialization', Initialization],
    ['RunKind', RunKind],
    ['RunStatus', RunStatus],
  ] as const)(
    '%s: every key is the upper-case GraphQL name of its stored value',
    (_, enumObject) => {
      for (const [name, value] of Object.entries(enumObject)) {
        expect(name).toBe(name.toUpperCase());
        expect(fromGraphQLEnum(enumObject, name)).toBe(value);
        expect(toGraphQLEnum(enumObject, value as never)).toBe(name);
      }
    },
  );

  it.each(['adam', 'Adam', 'toString', ''])('refuses %j as an Optimizer name', (name) => {
    expect(() => fromGraphQLEnum(Optimizer, name)).toThrow(RangeError);
  });

  it('refuses a stored value the enum lacks', () => {
    expect(() => toGraphQLEnum(Optimizer, 'rmsprop' as never)).toThrow(RangeError);
  });
});
