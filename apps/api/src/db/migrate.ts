import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createDataSource } from './data-source.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

// `npm run db:migrate -w @finetrack/api`: applies pending migrations and exits.
const config = loadConfig();
const logger = createLogger(config.logLevel === 'silent' ? 'info' : config.logLevel);
const embedded = config.databaseUrl
  ? undefined
  : await startEmbeddedPostgres(config.finetrackHome, logger);
const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, 1);
try {
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  logger.info({ applied: applied.map((m) => m.name) }, 'migrations applied');
} finally {
  await dataSource.destroy().catch(() => undefined);
  await embedded?.stop();
}
