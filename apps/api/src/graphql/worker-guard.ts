import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@finetrack/shared';
import {
  getNamedType,
  GraphQLError,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLContext } from './context.js';

/** The only root fields a worker token may use. */
export const WORKER_OPERATIONS: ReadonlySet<string> = new Set([
  'claimRun',
  'heartbeatRun',
  'logMetrics',
  'createArtifact',
  'recordCheckpoint',
  'completeRun',
  'failRun',
  'releaseRun',
  'claimScoreJob',
  'completeScoreJob',
  'failScoreJob',
  '__typename',
]);

/**
 * The team's records. A worker operation may answer with one of them (the run it completed, the
 * artifact it announced) but a worker token reads only their own fields, never the records they
 * lead to: `completeRun { run { experiment { targetDataset { spec } } } }` would otherwise read
 * what worker tokens may not query.
 */
const RECORD_TYPES: ReadonlySet<string> = new Set([
  'Run',
  'Model',
  'Artifact',
  'Dataset',
  'Experiment',
  'Project',
  'Team',
  'User',
  'Membership',
  'ApiToken',
  'SourceModelScore',
]);

/** The first field of a worker's document that reaches from one record into another. */
export function recordTraversal(schema: GraphQLSchema, document: DocumentNode): string | null {
  const typeInfo = new TypeInfo(schema);
  let found: string | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const type = typeInfo.getType();
        if (found || !parent || !type || !RECORD_TYPES.has(parent.name)) return;
        if (isObjectType(getNamedType(type))) found = `${parent.name}.${node.name.value}`;
      },
    }),
  );
  return found;
}

/**
 * A worker token reaches the worker operations and nothing else: no sign-in, no token or member
 * management, no reads. Checked once per operation on its root fields, before any resolver runs.
 */
export function workerGuardPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, schema }) {
          if (!contextValue.actor.viewer?.worker || !operation) return;
          for (const selection of operation.selectionSet.selections) {
            const allowed =
              selection.kind === Kind.FIELD && WORKER_OPERATIONS.has(selection.name.value);
            if (!allowed)
              throw new GraphQLError(
                `a worker token may only use ${[...WORKER_OPERATIONS].filter((name) => name !== '__typename').join(', ')}`,
                { extensions: { code: ErrorCode.Forbidden, http: { status: 403 } } },
              );
          }
          const traversal = recordTraversal(schema, document);
          if (traversal)
            throw new GraphQLError(
              `a worker token reads only the fields of what its operations return, not ${traversal}`,
              { extensions: { code: ErrorCode.Forbidden, http: { status: 403 } } },
            );
        },
      };
    },
  };
}
