import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@finetrack/shared';
import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';

/**
 * Deepest nesting of objects and lists accepted in variables: the deepest honest input (a
 * dataset spec inside an input object inside a list) is under ten levels.
 */
export const MAX_INPUT_DEPTH = 32;

const refused = (message: string, field?: string) =>
  new GraphQLError(message, {
    extensions: {
      code: ErrorCode.BadUserInput,
      ...(field ? { field } : {}),
      http: { status: 400 },
    },
  });

/**
 * What no input may hold, found before any resolver runs and named by its path: a NUL character
 * (PostgreSQL's text and jsonb cannot store one, so it used to fail deep in an INSERT as an
 * internal error) or nesting past MAX_INPUT_DEPTH (which used to overflow the stack while
 * coercing a JSON scalar). Iterative, so a deep input cannot overflow this walk either.
 */
export function inputViolation(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
): GraphQLError | undefined {
  let literal: GraphQLError | undefined;
  visit(document, {
    StringValue(node) {
      if (!literal && node.value.includes('\0'))
        literal = refused('text may not contain NUL characters (in a string in the query)');
    },
    // graphql-js refuses 1e999 in variables but parses the literal to Infinity, which jsonb
    // stores as null (a surgery record that no read could serve any more).
    Argument(node) {
      const where = literal ? undefined : infiniteLiteral(node.value, node.name.value);
      if (where) literal = refused(`${where} must be a finite number`, where);
    },
  });
  if (literal) return literal;
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: variables ?? {}, path: 'variables', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0'))
        return refused(`text may not contain NUL characters (${path})`, fieldOf(path));
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH)
      return refused(
        `input is nested deeper than ${MAX_INPUT_DEPTH} levels (${path})`,
        fieldOf(path),
      );
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++)
        stack.push({ value: value[index], path: `${path}[${index}]`, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\0'))
        return refused(`names may not contain NUL characters (${path})`, fieldOf(path));
      stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A variable's path as the validation errors name a field: inside the variable (`spec.path`). */
const fieldOf = (path: string) => path.replace(/^variables\.[^.[]+\.?/, '');

/** The path (`points[1].value`) of the first non-finite float literal in `value`, if any. */
function infiniteLiteral(value: ValueNode, path: string): string | undefined {
  if (value.kind === Kind.FLOAT) return Number.isFinite(Number(value.value)) ? undefined : path;
  if (value.kind === Kind.LIST)
    for (let index = 0; index < value.values.length; index++) {
      const found = infiniteLiteral(value.values[index], `${path}[${index}]`);
      if (found) return found;
    }
  if (value.kind === Kind.OBJECT)
    for (const field of value.fields) {
      const found = infiniteLiteral(field.value, `${path}.${field.name.value}`);
      if (found) return found;
    }
  return undefined;
}

/** Runs inputViolation on every operation before it executes. */
export function inputGuardPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const violation = inputViolation(document, request.variables);
          if (violation) throw violation;
        },
      };
    },
  };
}
