import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryDepth } from './limits.js';

describe('queryDepth', () => {
  const sut = (query: string, operationName?: string) => queryDepth(parse(query), operationName);

  it.each([
    ['{ me { id } }', 2],
    ['{ me { teams { members { nodes { id } } } } }', 5],
    ['{ a: me { id } b: me { teams { id } } }', 3],
    ['query { me { ...F } } fragment F on User { teams { id } }', 3],
    ['{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', 0],
  ])('%s is %i deep', (query, depth) => {
    expect(sut(query)).toBe(depth);
  });

  it('does not loop on self-referencing fragments', () => {
    expect(sut('{ me { ...A } } fragment A on User { teams { id } ...A }')).toBe(3);
  });

  it('measures only the named operation', () => {
    expect(sut('query A { me { id } } query B { me { teams { id } } }', 'A')).toBe(2);
  });
});
