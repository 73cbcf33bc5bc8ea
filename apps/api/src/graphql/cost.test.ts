import {
  buildSchema,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from './schema.js';
import { queryCost } from './cost.js';
import { CURVE_LISTS, LIST_PRICES } from './list-prices.js';

const sdl = buildSchema(`
  type Query {
    me: User
    teams(first: Int, after: String): TeamConnection!
    metrics(runIds: [ID!]!, keys: [String!]!, maxPoints: Int = 500): [MetricSeries!]!
  }
  type User { id: ID! teams: [Team!]! }
  type Team { id: ID! name: String! }
  type TeamConnection { nodes: [Team!]! }
  type Model { layers: [Layer!]! inputShape: [Int!]! }
  type Layer { name: String! }
  type MetricSeries { key: String! steps: [Int!]! values: [Float!]! }
`);

const sut = (query: string, variables: Record<string, unknown> = {}, schema = sdl) =>
  queryCost(schema, parse(query), undefined, variables);

describe('queryCost', () => {
  it.each([
    ['one field', '{ me { id } }', 2],
    ['a page by its literal first', '{ teams(first: 50) { nodes { id name } } }', 1 + 50 * 3],
    ['the default page when first is absent', '{ teams { nodes { id } } }', 1 + 20 * 2],
    [
      'an unpaged list by its declared maximum (User.teams: 100)',
      '{ me { teams { id } } }',
      1 + 1 + 100,
    ],
  ])('%s', (_name, query, cost) => {
    expect(sut(query)).toBe(cost);
  });

  it('prices a page given through a variable default, not as the default page', () => {
    const query = 'query($f: Int = 500) { teams(first: $f) { nodes { id } } }';
    expect(sut(query)).toBe(1 + 500 * 2);
    expect(sut(query, { f: 3 })).toBe(1 + 3 * 2);
  });

  it('prices metrics by runIds × keys and each curve list by maxPoints (its default too)', () => {
    const query = `query($runIds: [ID!]!, $keys: [String!]!) {
      metrics(runIds: $runIds, keys: $keys) { key steps values } }`;
    const variables = { runIds: ['a', 'b'], keys: ['loss', 'acc', 'lr'] };
    // each series: key 1, steps 1 + 500/100, values 1 + 500/100
    expect(sut(query, variables)).toBe(1 + 6 * (1 + 6 + 6));
    const sparse = query.replace('keys: $keys)', 'keys: $keys, maxPoints: 100)');
    expect(sut(sparse, variables)).toBe(1 + 6 * (1 + 2 + 2));
  });

  it('measures a fragment spread 2^30 times once per fragment', () => {
    const levels = 30;
    const bomb = [
      '{ me { ...F0 } }',
      ...Array.from(
        { length: levels },
        (_, i) => `fragment F${i} on User { teams { id } ...F${i + 1} ...F${i + 1} }`,
      ),
      `fragment F${levels} on User { id }`,
    ].join('\n');
    expect(sut(bomb)).toBeGreaterThan(2 ** 30);
  });
});

describe('the API schema', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await getSchema();
  });

  it('gives every list a price: paged by first, a connection page, metrics, or a declared maximum', () => {
    const unpriced: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (!isListType(getNullableType(field.type))) continue;
        const key = `${type.name}.${field.name}`;
        const priced =
          field.args.some((arg) => arg.name === 'first') ||
          (field.name === 'nodes' && type.name.endsWith('Connection')) ||
          key === 'Query.metrics' ||
          CURVE_LISTS.has(key) ||
          LIST_PRICES[key] !== undefined;
        if (!priced) unpriced.push(`${key}: ${String(getNamedType(field.type))}`);
      }
    }
    expect(unpriced).toEqual([]);
  });

  it('prices a model page with its layers by the layer maximum', () => {
    const cost = sut(
      '{ models(teamId: "t", first: 10) { nodes { layers { name type } } } }',
      {},
      schema,
    );
    // models 1, per model: nodes 1, layers 1 + 2 fields per layer
    expect(cost).toBe(1 + 10 * (1 + 1 + LIST_PRICES['Model.layers'] * 2));
  });
});
