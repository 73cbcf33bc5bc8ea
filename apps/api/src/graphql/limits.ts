import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@finetrack/shared';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.js';

/** Deepest field nesting of an operation, following fragments; introspection is not counted. */
export function queryDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name])));
      }
    }
    return deepest;
  };
  let depth = 0;
  for (const definition of document.definitions)
    if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (!operationName || definition.name?.value === operationName)
    )
      depth = Math.max(depth, depthOf(definition.selectionSet, new Set()));
  return depth;
}

/** Lists cost their page size (or the number of curves) times what each item selects. */
const listEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  let multiplier = 1;
  if (typeof args.first === 'number') multiplier = Math.min(Math.max(1, args.first), 500);
  else if (Array.isArray(args.runIds) && Array.isArray(args.keys))
    multiplier = Math.max(1, args.runIds.length * args.keys.length);
  else if (field.args.some((arg) => arg.name === 'first')) multiplier = DEFAULT_PAGE_SIZE;
  return 1 + childComplexity * multiplier;
};

const rejected = (message: string) =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BadUserInput, http: { status: 400 } },
  });

export function limitsPlugin(
  schema: GraphQLSchema,
  maxDepth: number,
  maxCost: number,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const depth = queryDepth(document, request.operationName);
          if (depth > maxDepth)
            throw rejected(`the query is ${depth} levels deep; the limit is ${maxDepth}`);
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [listEstimator],
            });
          } catch (error) {
            // Variables that do not coerce: the same error execution would raise, as bad input.
            throw rejected(error instanceof Error ? error.message : 'invalid variables');
          }
          if (cost > maxCost) throw rejected(`the query costs ${cost}; the limit is ${maxCost}`);
        },
      };
    },
  };
}
