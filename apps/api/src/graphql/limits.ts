import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@finetrack/shared';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { queryCost } from './cost.js';
import { FragmentMeasures } from './fragments.js';

/** The operations a request runs: the named one, or all when unnamed. */
function operationsOf(document: DocumentNode, operationName?: string | null) {
  return document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      (!operationName || definition.name?.value === operationName),
  );
}

/**
 * Walks a selection set bottom-up. Each fragment is measured once and its result reused, so a
 * fragment spread many times (or fragments spreading each other twice, 30 deep) costs one visit
 * each instead of 2³⁰; a fragment that spreads itself counts as 0 there (validation rejects it).
 */
function measure(
  document: DocumentNode,
  field: (selection: FieldNode, children: number) => number,
  combine: 'sum' | 'max',
): (set: SelectionSetNode | undefined) => number {
  const fragments = new FragmentMeasures(document);
  const add = (total: number, value: number) =>
    combine === 'sum' ? total + value : Math.max(total, value);
  const walk = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        total = add(total, field(selection, walk(selection.selectionSet)));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total = add(total, walk(selection.selectionSet));
      } else {
        total = add(
          total,
          fragments.of(selection.name.value, (fragment) => walk(fragment.selectionSet)),
        );
      }
    }
    return total;
  };
  return walk;
}

/** Deepest field nesting of an operation, following fragments; introspection is not counted. */
export function queryDepth(document: DocumentNode, operationName?: string | null): number {
  const walk = measure(document, (_field, children) => 1 + children, 'max');
  let depth = 0;
  for (const operation of operationsOf(document, operationName))
    depth = Math.max(depth, walk(operation.selectionSet));
  return depth;
}

/**
 * Fields with an alias in an operation, counting a fragment's once per spread. Without aliases a
 * field cannot be asked twice with different arguments, so this bounds how many times one
 * resolver can run per request (10,000 `a1: me` … would otherwise cost only 20,000).
 */
export function aliasCount(document: DocumentNode, operationName?: string | null): number {
  const walk = measure(document, (field, children) => (field.alias ? 1 : 0) + children, 'sum');
  let count = 0;
  for (const operation of operationsOf(document, operationName))
    count += walk(operation.selectionSet);
  return count;
}

type Variables = Record<string, unknown>;

const rejected = (message: string) =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BadUserInput, http: { status: 400 } },
  });

/**
 * Longest document parsed, in lexical tokens (graphql-js stops parsing past it, before any
 * validation: 10,000 aliases are ~70,000 tokens). The web app's largest query is a few hundred;
 * big inputs belong in variables, which are not tokens.
 */
export const MAX_TOKENS = 10_000;

/** Most aliased fields per operation (see aliasCount). */
export const MAX_ALIASES = 100;

/** The first limit an operation breaks (depth, aliases, cost), as the error to answer with. */
export function limitViolation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
  maxDepth: number,
  maxCost: number,
  depth = queryDepth(document, operationName),
): GraphQLError | undefined {
  if (depth > maxDepth)
    return rejected(`the query is ${depth} levels deep; the limit is ${maxDepth}`);
  const aliases = aliasCount(document, operationName);
  if (aliases > MAX_ALIASES)
    return rejected(`the query has ${aliases} aliases; the limit is ${MAX_ALIASES}`);
  const cost = queryCost(schema, document, operationName, variables);
  if (cost > maxCost) return rejected(`the query costs ${cost}; the limit is ${maxCost}`);
  return undefined;
}

export function limitsPlugin(maxDepth: number, maxCost: number): ApolloServerPlugin {
  // Apollo reuses one parsed DocumentNode per query text, so depth (which ignores variables)
  // is computed once per distinct query.
  const depths = new WeakMap<DocumentNode, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          let depth = depths.get(document);
          if (depth === undefined) {
            depth = queryDepth(document, request.operationName);
            if (!request.operationName) depths.set(document, depth);
          }
          const violation = limitViolation(
            schema,
            document,
            request.operationName,
            request.variables ?? {},
            maxDepth,
            maxCost,
            depth,
          );
          if (violation) throw violation;
        },
      };
    },
  };
}
