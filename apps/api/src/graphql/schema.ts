import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ArtifactsResolver } from '../modules/artifacts/artifacts.resolver.js';
import { DatasetsResolver } from '../modules/datasets/datasets.resolver.js';
import { ExperimentsResolver } from '../modules/experiments/experiments.resolver.js';
import { MetricsResolver } from '../modules/metrics/metrics.resolver.js';
import { ModelsResolver } from '../modules/models/models.resolver.js';
import { ProjectsResolver } from '../modules/projects/projects.resolver.js';
import { RunsResolver } from '../modules/runs/runs.resolver.js';
import { WorkerResolver } from '../modules/runs/worker.resolver.js';
import { ScoreJobsResolver } from '../modules/scores/score-jobs.resolver.js';
import { ScoresResolver } from '../modules/scores/scores.resolver.js';
import {
  InvitationsResolver,
  TeamInvitationsResolver,
  UserInvitationsResolver,
} from '../modules/teams/invitations.resolver.js';
import { MembershipResolver, TeamsResolver } from '../modules/teams/teams.resolver.js';
import { TokensResolver } from '../modules/tokens/tokens.resolver.js';
import { AuthResolver } from '../modules/users/auth.resolver.js';
import {
  RunQueueStateResolver,
  TeamWorkersResolver,
  WorkersResolver,
} from '../modules/workers/workers.resolver.js';

export const RESOLVERS = [
  AuthResolver,
  TeamsResolver,
  MembershipResolver,
  InvitationsResolver,
  TeamInvitationsResolver,
  UserInvitationsResolver,
  TokensResolver,
  ProjectsResolver,
  DatasetsResolver,
  ModelsResolver,
  ExperimentsResolver,
  RunsResolver,
  MetricsResolver,
  WorkerResolver,
  ScoresResolver,
  ScoreJobsResolver,
  TeamWorkersResolver,
  WorkersResolver,
  RunQueueStateResolver,
  ArtifactsResolver,
] as const;

/**
 * Subscriptions here bring their own `subscribe` (LISTEN/NOTIFY through EventsService); type-graphql
 * still insists on a PubSub, so it gets one that refuses topic-based use.
 */
const noTopics = {
  publish(): void {
    throw new Error('topic subscriptions are not used; publish through EventsService');
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error('topic subscriptions are not used; subscribe through EventsService');
  },
};

let schema: Promise<GraphQLSchema> | undefined;

/** Built once per process; type-graphql's metadata is global anyway. */
export function getSchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({
    resolvers: RESOLVERS,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
    pubSub: noTopics,
  });
  return schema;
}
