import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aliasCount, queryDepth } from './limits.js';

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

describe('aliasCount', () => {
  const sut = (query: string) => aliasCount(parse(query));

  it.each([
    ['{ me { id } }', 0],
    ['{ a: me { id } b: me { x: id } }', 3],
    ['{ ...F ...F } fragment F on Query { a: me { id } b: me { id } }', 4],
  ])('%s has %i', (query, count) => {
    expect(sut(query)).toBe(count);
  });
});
