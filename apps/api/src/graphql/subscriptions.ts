import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@finetrack/shared';
import {
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Services } from '../services.js';
import { SESSION_COOKIE } from '../modules/users/auth.service.js';
import type { GraphQLContext, Viewer } from './context.js';
import { formatError } from './errors.js';
import { limitViolation, MAX_TOKENS } from './limits.js';

/**
 * GraphQL subscriptions over graphql-ws on the HTTP server's port at /graphql. The caller is
 * authenticated once per connection, from `connectionParams.authorization` ("Bearer …") or the
 * session cookie of the upgrade request, and every subscription checks team access like a query.
 *
 * Browsers do not apply CORS to WebSockets, so a page on any site could open a socket that carries
 * the user's session cookie. A cookie is therefore only honoured when the upgrade's Origin is one
 * of the configured web origins or the API's own; tokens in connectionParams are not ambient
 * credentials and need no such check.
 */
export function attachSubscriptions(
  app: FastifyInstance,
  schema: GraphQLSchema,
  services: Services,
  logger: Logger,
  webOrigins: ReadonlySet<string>,
  limits: { maxDepth: number; maxCost: number },
): { close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true });
  app.server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
  });

  const viewers = new WeakMap<object, Viewer | null>();
  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect: async (ctx) => {
        const param = ctx.connectionParams?.authorization;
        const { headers } = ctx.extra.request;
        const cookies = cookieAllowed(headers.origin, headers.host, webOrigins)
          ? app.parseCookie(headers.cookie ?? '')
          : {};
        try {
          const viewer = await services.auth.authenticate(
            typeof param === 'string' ? param : undefined,
            cookies[SESSION_COOKIE],
          );
          if (viewer?.worker) return false;
          viewers.set(ctx, viewer);
          return true;
        } catch {
          return false;
        }
      },
      // The socket is for subscriptions only, under the limits HTTP requests get (Apollo's
      // plugins do not run here): parse capped at MAX_TOKENS, then depth, aliases and cost.
      onSubscribe: (_ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS });
        } catch (error) {
          return [refused((error as Error).message)];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription')
          return [refused('only subscriptions go over the WebSocket; send this over HTTP')];
        const violation = limitViolation(
          document,
          payload.operationName,
          payload.variables ?? {},
          limits.maxDepth,
          limits.maxCost,
        );
        if (violation) return [violation];
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      context: (ctx): GraphQLContext =>
        ({
          viewer: viewers.get(ctx) ?? null,
          services,
          logger,
          roles: new Map(),
        }) as unknown as GraphQLContext,
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? {
              ...result,
              errors: result.errors.map((error) => formatError(error.toJSON(), error, logger)),
            }
          : undefined,
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => formatError(error.toJSON(), error, logger)),
    },
    wss,
  );
  return {
    async close() {
      for (const client of wss.clients) client.terminate();
      await Promise.resolve(disposable.dispose()).catch(() => undefined);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const refused = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput } });

/**
 * Whether the session cookie of an upgrade request may be used: no Origin (not a browser page),
 * a configured web origin, or the API's own origin.
 */
export function cookieAllowed(
  origin: string | undefined,
  host: string | undefined,
  webOrigins: ReadonlySet<string>,
): boolean {
  if (origin === undefined) return true;
  const normalized = origin.replace(/\/$/, '');
  if (webOrigins.has(normalized)) return true;
  return (
    host !== undefined && (normalized === `http://${host}` || normalized === `https://${host}`)
  );
}
