import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { DatasetsResolver } from '../modules/datasets/datasets.resolver.js';
import { ExperimentsResolver } from '../modules/experiments/experiments.resolver.js';
import { MetricsResolver } from '../modules/metrics/metrics.resolver.js';
import { ModelsResolver } from '../modules/models/models.resolver.js';
import { ProjectsResolver } from '../modules/projects/projects.resolver.js';
import { RunsResolver } from '../modules/runs/runs.resolver.js';
import { MembershipResolver, TeamsResolver } from '../modules/teams/teams.resolver.js';
import { TokensResolver } from '../modules/tokens/tokens.resolver.js';
import { AuthResolver } from '../modules/users/auth.resolver.js';

export const RESOLVERS = [
  AuthResolver,
  TeamsResolver,
  MembershipResolver,
  TokensResolver,
  ProjectsResolver,
  DatasetsResolver,
  ModelsResolver,
  ExperimentsResolver,
  RunsResolver,
  MetricsResolver,
] as const;

let schema: Promise<GraphQLSchema> | undefined;

/** Built once per process; type-graphql's metadata is global anyway. */
export function getSchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({
    resolvers: RESOLVERS,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
  return schema;
}
