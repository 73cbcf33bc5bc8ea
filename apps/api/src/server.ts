import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import { ErrorCode } from '@finetrack/shared';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { actorFor } from './common/actor.js';
import { SESSION_COOKIE } from './common/credentials.js';
import type { Config } from './config.js';
import { createDataSource } from './db/data-source.js';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  databaseUnavailablePlugin,
  isDatabaseUnavailable,
} from './db/database-unavailable.js';
import type { GraphQLContext } from './graphql/context.js';
import {
  AppError,
  DATABASE_UNAVAILABLE_MESSAGE,
  formatError,
  httpStatusFor,
  loggableError,
  serviceUnavailableError,
} from './graphql/errors.js';
import { limitsPlugin, MAX_TOKENS } from './graphql/limits.js';
import { getSchema } from './graphql/schema.js';
import { inputGuardPlugin } from './graphql/input-guard.js';
import { attachSubscriptions } from './graphql/subscriptions.js';
import { workerGuardPlugin } from './graphql/worker-guard.js';
import { createLogger } from './logger.js';
import type { ArtifactStore } from './modules/artifacts/artifact-store.js';
import { artifactRoutes } from './modules/artifacts/artifacts.routes.js';
import { modelFileRoutes } from './modules/models/model-files.routes.js';
import { datasetFileRoutes } from './modules/datasets/dataset-files.routes.js';
import { datasetUploadRoutes } from './modules/datasets/dataset-uploads.routes.js';
import { SessionCookie } from './modules/users/session-cookie.js';
import { createServices, type Services } from './services.js';

export interface FinetrackServer {
  app: FastifyInstance;
  dataSource: DataSource;
  services: Services;
  logger: Logger;
  /** Listens on config.host:config.port (0 picks a free port); resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops taking requests, lets in-flight ones finish, closes the pool. */
  close(): Promise<void>;
}

/**
 * Headers on every response (helmet). The API serves JSON and file downloads, never pages, so its
 * CSP allows nothing at all and no one may frame it; HSTS only in production (behind TLS).
 * Apollo's landing page at GET /graphql needs its CDN, so outside production that one route
 * goes without a CSP (see the route below).
 */
function securityHeaders(config: Config) {
  return {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' as const },
    frameguard: { action: 'deny' as const },
    // The web app's proxy and workers fetch with CORS or no browser at all; nothing embeds us.
    crossOriginResourcePolicy: { policy: 'same-site' as const },
    hsts:
      config.nodeEnv === 'production'
        ? { maxAge: 31_536_000, includeSubDomains: true }
        : (false as const),
  };
}

/** How long close() lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;

const ALLOWED_HEADERS =
  'content-type, authorization, apollo-require-preflight, x-apollo-operation-name';

/**
 * Builds the HTTP server: GraphQL at /graphql (subscriptions over graphql-ws on the same path),
 * artifacts at /artifacts/:id, health at /healthz. Migrations run first unless told otherwise;
 * the run queue (pg-boss), the NOTIFY listener and the lease reaper start with it. Tests import
 * this and listen on port 0.
 */
export async function createServer(
  config: Config & { databaseUrl: string },
  options: {
    logger?: Logger;
    runMigrations?: boolean;
    poolSize?: number;
    /** Where artifact bytes go (default: a LocalDiskStore in config.artifactDir). */
    store?: ArtifactStore;
  } = {},
): Promise<FinetrackServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const dataSource = createDataSource(config.databaseUrl, options.poolSize);
  await dataSource.initialize();
  if (options.runMigrations ?? true) {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrated');
  }
  const services = createServices(dataSource, config, logger, options.store);
  await services.queue.start();
  await services.events.start();
  // Files of deleted artifacts go once the deleting transaction committed (its NOTIFY).
  services.events.listen((event) => {
    if (event.type === 'artifacts-deleted')
      services.artifactDeletions
        .drain()
        .catch((error: Error) =>
          logger.warn({ err: { message: error.message } }, 'artifact files not removed yet'),
        );
  });
  services.scheduler.startReaper();
  const schema = await getSchema();

  const app = Fastify({
    loggerInstance: logger,
    // One line per request from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
  }) as unknown as FastifyInstance;
  // Only JSON bodies: a form or text/plain POST (what a cross-site page can send without a
  // preflight) never reaches GraphQL.
  app.removeContentTypeParser(['text/plain']);
  await app.register(fastifyHelmet, securityHeaders(config));
  await app.register(fastifyCookie);

  const origins = new Set(config.webOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && origins.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      if (origin && origins.has(origin)) {
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        reply.header('access-control-allow-headers', ALLOWED_HEADERS);
        reply.header('access-control-max-age', '600');
      }
      return reply.code(204).send();
    }
  });
  // Request lines are for debugging (LOG_LEVEL=debug); a server error is worth a warning.
  app.addHook('onResponse', async (request, reply) => {
    request.log[reply.statusCode >= 500 ? 'warn' : 'debug'](
      {
        method: request.method,
        // Without the query string: a GET /graphql carries its variables there.
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  // Requests that fail before GraphQL (malformed JSON, wrong content type, oversized body)
  // still answer in GraphQL's error shape with a code; so do the artifact routes' failures,
  // a database that could not be reached among them (503: clients retry).
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: loggableError(error) }, 'database unavailable');
      return reply
        .code(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send({
          errors: [
            {
              message: DATABASE_UNAVAILABLE_MESSAGE,
              extensions: { code: ErrorCode.ServiceUnavailable },
            },
          ],
        });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: loggableError(error) }, 'unexpected error');
      return reply.code(500).send({
        errors: [
          { message: 'Internal server error', extensions: { code: ErrorCode.InternalServerError } },
        ],
      });
    }
    return reply.code(status).send({
      errors: [
        {
          message: error.message,
          extensions: { code: ErrorCode.BadUserInput, reason: error.code },
        },
      ],
    });
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    // One operation per HTTP request (an array body is refused), so the depth, alias and cost
    // limits bound a request; and parsing stops at MAX_TOKENS, before validation (whose
    // overlapping-fields check is quadratic in the number of aliases).
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: MAX_TOKENS },
    introspection: config.nodeEnv !== 'production',
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatError(formatted, error, logger),
    plugins: [
      fastifyApolloDrainPlugin(app),
      limitsPlugin(config.maxQueryDepth, config.maxQueryCost),
      inputGuardPlugin(),
      workerGuardPlugin(),
      databaseUnavailablePlugin(),
    ],
  });
  await apollo.start();

  const handler = fastifyApolloHandler(apollo, {
    context: async (request, reply): Promise<GraphQLContext> => {
      let viewer;
      try {
        viewer = await services.auth.authenticate(
          request.headers.authorization,
          request.cookies[SESSION_COOKIE],
        );
      } catch (error) {
        if (error instanceof AppError)
          throw new GraphQLError(error.message, {
            extensions: { code: error.code, http: { status: httpStatusFor(error.code) } },
          });
        // The token or session lookup could not reach PostgreSQL: 503, not 500.
        if (isDatabaseUnavailable(error)) throw serviceUnavailableError(error);
        throw error;
      }
      return {
        // request.ip: the socket's peer, or what a trusted proxy says (TRUST_PROXY).
        actor: actorFor(viewer, request.ip),
        services,
        logger,
        request,
        reply,
        session: new SessionCookie(request, reply, config.nodeEnv === 'production'),
      };
    },
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    ...(config.nodeEnv === 'production' ? {} : { helmet: { contentSecurityPolicy: false } }),
    // Apollo refuses batches too (allowBatchedHttpRequests: false), but in plain text.
    preHandler: async (request, reply) => {
      if (Array.isArray(request.body))
        return reply
          .code(400)
          .type('application/json')
          .send(
            JSON.stringify({
              errors: [
                {
                  message: 'batched requests are not accepted: send one operation per request',
                  extensions: { code: ErrorCode.BadUserInput },
                },
              ],
            }),
          );
    },
    // The cost limit bounds what a query may ask for; this bounds what it may be answered
    // with (long strings, stored lists), so one request cannot make the API hold and send
    // hundreds of megabytes.
    onSend: async (_request, reply, payload) => {
      const size =
        typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.byteLength(payload) : 0;
      if (size <= config.responseLimitBytes) return payload;
      reply.code(400).type('application/json');
      return JSON.stringify({
        errors: [
          {
            message: `the answer is ${size} bytes, over the limit of ${config.responseLimitBytes}: ask for fewer fields or smaller pages`,
            extensions: { code: ErrorCode.BadUserInput, reason: 'RESPONSE_TOO_LARGE' },
          },
        ],
      });
    },
    handler,
  });
  await app.register(artifactRoutes, { services, store: services.store, config });
  await app.register(modelFileRoutes, { services, store: services.store, config });
  await app.register(datasetUploadRoutes, { services, config });
  await app.register(datasetFileRoutes, { services });
  const subscriptions = attachSubscriptions(app, schema, services, logger, origins, {
    maxDepth: config.maxQueryDepth,
    maxCost: config.maxQueryCost,
    maxMessageBytes: config.wsMaxMessageBytes,
    maxSubscriptionsPerSocket: config.wsMaxSubscriptionsPerSocket,
    maxPendingSockets: config.wsMaxPendingSockets,
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await Promise.race([
        dataSource.query('SELECT 1'),
        new Promise((_resolve, reject) =>
          setTimeout(() => reject(new Error('timeout')), 2000).unref(),
        ),
      ]);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    dataSource,
    services,
    logger,
    async listen() {
      return app.listen({ port: config.port, host: config.host });
    },
    close() {
      closing ??= (async () => {
        await services.scheduler.stopReaper();
        await subscriptions.close();
        // In-flight requests get a grace period; then connections still open (a transfer, or a
        // keep-alive connection that went idle after closing began) are cut.
        const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        await app.close();
        clearTimeout(cut);
        await apollo.stop().catch(() => undefined);
        await services.events.stop();
        await services.queue.stop();
        await dataSource.destroy();
      })();
      return closing;
    },
  };
}
