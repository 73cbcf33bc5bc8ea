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
import { actorFor, type Viewer } from '../common/actor.js';
import { SESSION_COOKIE } from '../common/credentials.js';
import type { Services } from '../services.js';
import type { GraphQLContext } from './context.js';
import { formatError } from './errors.js';
import { SocketRegistry, UNAUTHENTICATED_CLOSE } from './socket-registry.js';
import { inputViolation } from './input-guard.js';
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
 *
 * Bounded before any of that: a message over `maxMessageBytes` closes the socket (ws checks the
 * frame length before buffering it), at most `maxPendingSockets` sockets may be waiting for their
 * connection_init (3 s each) and further upgrades answer 503, an anonymous connection_init closes
 * the socket with 4401, and one socket holds at most `maxSubscriptionsPerSocket` subscriptions.
 */
export interface SocketLimits {
  maxDepth: number;
  maxCost: number;
  maxMessageBytes: number;
  maxSubscriptionsPerSocket: number;
  maxPendingSockets: number;
}

export function attachSubscriptions(
  app: FastifyInstance,
  schema: GraphQLSchema,
  services: Services,
  logger: Logger,
  webOrigins: ReadonlySet<string>,
  limits: SocketLimits,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  /** Sockets upgraded whose connection_init has not been handled yet. */
  const pending = new Set<unknown>();
  app.server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    if (pending.size >= limits.maxPendingSockets) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (client) => {
      pending.add(client);
      // ws has already closed the socket with 1009 when it reports an oversized message; keep
      // that from reaching graphql-ws, which would print it to stderr as an internal error.
      const emit = client.emit.bind(client);
      client.emit = (event: string | symbol, ...args: unknown[]) => {
        const error = args[0] as { code?: string } | undefined;
        if (event === 'error' && error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          logger.debug('WebSocket message over the size limit: socket closed');
          return true;
        }
        return emit(event, ...args);
      };
      client.once('close', () => pending.delete(client));
      wss.emit('connection', client, request);
    });
  });

  const viewers = new WeakMap<object, Viewer | null>();
  const registry = new SocketRegistry(services.auth);
  const stopListening = services.events.listen((event) => {
    if (event.type !== 'access') return;
    for (const hash of event.credentialHashes ?? []) services.auth.forget(hash);
    registry
      .changed(event)
      .catch((error: Error) =>
        logger.warn({ err: { message: error.message } }, 'sockets not re-checked'),
      );
  });
  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect: async (ctx) => {
        pending.delete(ctx.extra.socket);
        const param = ctx.connectionParams?.authorization;
        const { headers } = ctx.extra.request;
        const cookies = cookieAllowed(headers.origin, headers.host, webOrigins)
          ? app.parseCookie(headers.cookie ?? '')
          : {};
        const credential = {
          authorization: typeof param === 'string' ? param : undefined,
          cookie: cookies[SESSION_COOKIE],
        };
        try {
          const viewer = await services.auth.authenticate(
            credential.authorization,
            credential.cookie,
          );
          if (viewer?.worker) return false;
          if (!viewer) {
            ctx.extra.socket.close(
              UNAUTHENTICATED_CLOSE,
              'UNAUTHENTICATED: log in, or send connectionParams.authorization "Bearer <token>"',
            );
            return false;
          }
          viewers.set(ctx, viewer);
          registry.add(ctx, ctx.extra.socket, viewer, credential);
          return true;
        } catch {
          return false;
        }
      },
      // The socket is for subscriptions only, under the limits HTTP requests get (Apollo's
      // plugins do not run here): parse capped at MAX_TOKENS, then depth, aliases and cost.
      onSubscribe: async (ctx, _id, payload) => {
        // Counted before anything awaits: graphql-ws has already added this one (and any sent
        // right behind it) to ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket)
          return [
            refused(
              `a socket may hold at most ${limits.maxSubscriptionsPerSocket} subscriptions: complete one first`,
            ),
          ];
        // The credential may have ended since the socket opened (then the socket closes).
        const viewer = await registry.revalidate(ctx);
        if (!viewer) return [unauthenticatedError()];
        viewers.set(ctx, viewer);
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
          schema,
          document,
          payload.operationName,
          payload.variables ?? {},
          limits.maxDepth,
          limits.maxCost,
        );
        if (violation) return [violation];
        const unfit = inputViolation(document, payload.variables ?? undefined);
        if (unfit) return [unfit];
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      context: (ctx): GraphQLContext =>
        // No request, reply or cookie to set: subscriptions only read.
        ({
          actor: actorFor(viewers.get(ctx) ?? null),
          subscription: registry.access(ctx),
          services,
          logger,
        }) as unknown as GraphQLContext,
      onClose: (ctx) => registry.remove(ctx),
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
      stopListening();
      registry.close();
      for (const client of wss.clients) client.terminate();
      await Promise.resolve(disposable.dispose()).catch(() => undefined);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const unauthenticatedError = () =>
  new GraphQLError('log in again: the credential of this socket ended', {
    extensions: { code: ErrorCode.Unauthenticated },
  });

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
