import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aliasCount, queryCost, queryDepth } from './limits.js';

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

describe('fragments spread many times', () => {
  // F0 spreads F1 twice, F1 spreads F2 twice, … : 2^30 paths to the leaf.
  const bomb = (levels: number) =>
    [
      '{ me { ...F0 } }',
      ...Array.from(
        { length: levels },
        (_, i) => `fragment F${i} on User { teams { id } ...F${i + 1} ...F${i + 1} }`,
      ),
      `fragment F${levels} on User { id }`,
    ].join('\n');

  // Walking every path would take minutes (the test would time out); once per fragment, microseconds.
  it('are measured once each: depth, cost and aliases of a 2^30 bomb', () => {
    const document = parse(bomb(30));
    expect(queryDepth(document)).toBe(3);
    expect(queryCost(document, undefined, {})).toBeGreaterThan(2 ** 30);
    expect(aliasCount(document)).toBe(0);
  });
});
