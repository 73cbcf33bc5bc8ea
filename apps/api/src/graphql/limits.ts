import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@finetrack/shared';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
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

const MAX_LIST_MULTIPLIER = 500;

type Variables = Record<string, unknown>;

/** A field argument's value from a literal or a (raw, uncoerced) variable. */
function argumentValue(field: FieldNode, name: string, variables: Variables): unknown {
  const argument = field.arguments?.find((arg) => arg.name.value === name);
  if (!argument) return undefined;
  const node = argument.value;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.LIST) return node.values;
  return undefined;
}

/**
 * Cost of an operation: every field costs 1; a list field multiplies what each item selects by
 * its page size (`first`, else the default page for connections) or, for `metrics`, by
 * runIds × keys. Reads variables without coercing them: the big `points` list of logMetrics
 * would otherwise be coerced twice. Introspection is free.
 */
export function queryCost(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  const length = (value: unknown) => (Array.isArray(value) ? value.length : 1);
  const costOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const children = costOf(selection.selectionSet, seen);
        const first = argumentValue(selection, 'first', variables);
        const isConnection = selection.selectionSet?.selections.some(
          (child) => child.kind === Kind.FIELD && child.name.value === 'nodes',
        );
        let multiplier = 1;
        if (typeof first === 'number' && Number.isFinite(first))
          multiplier = Math.max(1, Math.min(first, MAX_LIST_MULTIPLIER));
        else if (isConnection) multiplier = DEFAULT_PAGE_SIZE;
        else if (selection.name.value === 'metrics')
          multiplier = Math.max(
            1,
            length(argumentValue(selection, 'runIds', variables)) *
              length(argumentValue(selection, 'keys', variables)),
          );
        total += 1 + children * multiplier;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += costOf(selection.selectionSet, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment && !seen.has(name))
          total += costOf(fragment.selectionSet, new Set([...seen, name]));
      }
    }
    return total;
  };
  let cost = 0;
  for (const definition of document.definitions)
    if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (!operationName || definition.name?.value === operationName)
    )
      cost += costOf(definition.selectionSet, new Set());
  return cost;
}

const rejected = (message: string) =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BadUserInput, http: { status: 400 } },
  });

export function limitsPlugin(maxDepth: number, maxCost: number): ApolloServerPlugin {
  // Apollo reuses one parsed DocumentNode per query text, so depth (which ignores variables)
  // is computed once per distinct query.
  const depths = new WeakMap<DocumentNode, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let depth = depths.get(document);
          if (depth === undefined) {
            depth = queryDepth(document, request.operationName);
            if (!request.operationName) depths.set(document, depth);
          }
          if (depth > maxDepth)
            throw rejected(`the query is ${depth} levels deep; the limit is ${maxDepth}`);
          const cost = queryCost(document, request.operationName, request.variables ?? {});
          if (cost > maxCost) throw rejected(`the query costs ${cost}; the limit is ${maxCost}`);
        },
      };
    },
  };
}
