import { readFile } from 'node:fs/promises';
import { sha256Hex } from './common/secrets.js';
import { loadConfig } from './config.js';
import { startEmbeddedPostgres, type RunningPostgres } from './db/embedded-postgres.js';
import { ensureLocalWorkerToken } from './demo/local-worker-token.js';
import { demoBanner, seedDemo } from './demo/seed.js';
import { formatDemoDuration, whenDemoFinishes } from './demo/demo-duration.js';
import { scoreDemoSources } from './demo/demo-scores.js';
import { untilUp } from './demo/until-up.js';
import { createLogger, logFormat } from './logger.js';
import { createServer } from './server.js';

// Start-up only: config, database, server, signals.
const startedAt = new Date(Date.now() - 1000); // a second's slack for the database's clock
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
  const tokenFile = await ensureLocalWorkerToken(server.dataSource, config, logger);
  if (config.demo) {
    const seed = await seedDemo(server.dataSource, server.services, config, logger);
    // The banner comes last, once the web app answers and the local worker has called in
    // (npm start runs them beside the API), or after a minute with what is still missing.
    const workerTokenHash = sha256Hex((await readFile(tokenFile, 'utf8')).trim());
    void untilUp(
      server.dataSource,
      { webUrl: config.webUrl, workerTokenHash, since: startedAt },
      60_000,
    )
      .then((missing) => {
        const late = missing.length > 0 ? `  Still starting: ${missing.join(', ')}\n` : '';
        process.stdout.write(`${demoBanner(seed, config.webUrl)}\n${late}`);
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'demo banner'));
    // LogME ranks the demo's two sources on its target once both are trained.
    if (seed.experimentId)
      await scoreDemoSources(
        server.dataSource,
        server.services.scores,
        server.services.events,
        seed.teamId,
        seed.experimentId,
        (error) => logger.warn({ err: error }, 'queueing the demo scoring job'),
      );
    // How long the demo took on this machine, printed when its last run ends.
    await whenDemoFinishes(server.dataSource, server.services.events, seed.teamId, (duration) => {
      logger.info(duration, 'demo finished');
      process.stdout.write(`${formatDemoDuration(duration)}\n`);
    });
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
