import 'reflect-metadata';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities.js';
import { InitialSchema1764270000000 } from './migrations/1764270000000-initial-schema.js';
import { MetricChunks1764280000000 } from './migrations/1764280000000-metric-chunks.js';
import { RunExecution1764290000000 } from './migrations/1764290000000-run-execution.js';
import { MetricChunksPacked1764300000000 } from './migrations/1764300000000-metric-chunks-packed.js';
import { RunEventsTeam1764310000000 } from './migrations/1764310000000-run-events-team.js';
import { MetricChunksCovering1764320000000 } from './migrations/1764320000000-metric-chunks-covering.js';
import { ArtifactDeletions1764330000000 } from './migrations/1764330000000-artifact-deletions.js';
import { DatasetArchives1764400000000 } from './migrations/1764400000000-dataset-archives.js';
import { InstanceWorkers1764410000000 } from './migrations/1764410000000-instance-workers.js';
import { ModelPreprocessing1764420000000 } from './migrations/1764420000000-model-preprocessing.js';
import { TeamInvitations1764430000000 } from './migrations/1764430000000-team-invitations.js';
import { RunTrainSamples1764450000000 } from './migrations/1764450000000-run-train-samples.js';
import { RunConfusionMatrix1764460000000 } from './migrations/1764460000000-run-confusion-matrix.js';
import { Workers1764470000000 } from './migrations/1764470000000-workers.js';
import { SourceModelScores1764480000000 } from './migrations/1764480000000-source-model-scores.js';
import { RunAugmentation1764490000000 } from './migrations/1764490000000-run-augmentation.js';

export const MIGRATIONS = [
  InitialSchema1764270000000,
  MetricChunks1764280000000,
  RunExecution1764290000000,
  MetricChunksPacked1764300000000,
  RunEventsTeam1764310000000,
  MetricChunksCovering1764320000000,
  ArtifactDeletions1764330000000,
  DatasetArchives1764400000000,
  InstanceWorkers1764410000000,
  ModelPreprocessing1764420000000,
  TeamInvitations1764430000000,
  RunTrainSamples1764450000000,
  RunConfusionMatrix1764460000000,
  Workers1764470000000,
  SourceModelScores1764480000000,
  RunAugmentation1764490000000,
];

/**
 * Keeps a lost PostgreSQL connection from killing the process. node-postgres emits 'error' on a
 * client whose connection is cut (PostgreSQL restarted, pg_terminate_backend, network); the pool
 * listens only while the client sits idle and TypeORM only on the pool itself, so a connection
 * cut while checked out (mid-query, inside a transaction, during a COPY) raised an unhandled
 * 'error' event. With a listener on every client the running query fails with the error, the
 * pool drops the broken client when it is released, and new connections are opened on demand
 * once PostgreSQL is back: nothing to restart.
 */
export function guardPool(pool: Pool, onError: (error: Error) => void = () => undefined): void {
  // On every checkout, not on 'connect': the client TypeORM opened while initialising predates
  // this listener and would otherwise stay unguarded.
  const guarded = new WeakSet<PoolClient>();
  pool.on('acquire', (client: PoolClient) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', onError);
  });
}

/** The node-postgres pool under a postgres DataSource (after initialize()). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

class GuardedDataSource extends DataSource {
  override async initialize(): Promise<this> {
    await super.initialize();
    guardPool(poolOf(this));
    return this;
  }
}

/** One DataSource per process (per test file). Schema changes only through migrations. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new GuardedDataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: poolSize, application_name: 'finetrack-api' },
  });
}
