import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@finetrack/shared';
import { GraphQLError, Kind } from 'graphql';
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
  '__typename',
]);

/**
 * A worker token reaches the worker operations and nothing else: no sign-in, no token or member
 * management, no reads. Checked once per operation on its root fields, before any resolver runs.
 */
export function workerGuardPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
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
        },
      };
    },
  };
}
