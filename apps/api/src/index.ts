import { loadConfig } from './config.js';
import { startEmbeddedPostgres, type RunningPostgres } from './db/embedded-postgres.js';
import { ensureLocalWorkerToken } from './demo/local-worker-token.js';
import { demoBanner, seedDemo } from './demo/seed.js';
import { createLogger, logFormat } from './logger.js';
import { createServer } from './server.js';

// Start-up only: config, database, server, signals.
const config = loadConfig();
const logger = createLogger(
  config.logLevel,
  undefined,
  logFormat(process.env, Boolean(process.stdout.isTTY)),
);
let embedded: RunningPostgres | undefined;
if (!config.databaseUrl) embedded = await startEmbeddedPostgres(config.finetrackHome, logger);

try {
  const server = await createServer(
    { ...config, databaseUrl: config.databaseUrl ?? embedded!.url },
    { logger },
  );
  const address = await server.listen();
  logger.info({ address, graphql: `${address}/graphql` }, 'Finetrack API listening');
  // The local worker's token, demo or not: it serves every team (an instance worker).
  await ensureLocalWorkerToken(server.dataSource, config, logger);
  if (config.demo) {
    const seed = await seedDemo(server.dataSource, server.services, config, logger);
    process.stdout.write(`${demoBanner(seed, config.webUrl)}\n`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await server.close();
      await embedded?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  await embedded?.stop();
  process.exit(1);
}
