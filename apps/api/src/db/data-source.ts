import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities.js';
import { InitialSchema1764270000000 } from './migrations/1764270000000-initial-schema.js';
import { MetricChunks1764280000000 } from './migrations/1764280000000-metric-chunks.js';
import { RunExecution1764290000000 } from './migrations/1764290000000-run-execution.js';
import { MetricChunksPacked1764300000000 } from './migrations/1764300000000-metric-chunks-packed.js';

export const MIGRATIONS = [
  InitialSchema1764270000000,
  MetricChunks1764280000000,
  RunExecution1764290000000,
  MetricChunksPacked1764300000000,
];

/** One DataSource per process (per test file). Schema changes only through migrations. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource({
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
