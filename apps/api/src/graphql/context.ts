import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Actor } from '../common/actor.js';
import type { SessionCookie } from '../modules/users/session-cookie.js';
import type { Services } from '../services.js';
import type { SubscriptionAccess } from './subscription-access.js';

/**
 * What a resolver sees: the actor it hands to services, and the transport (request, reply, the
 * session cookie), which stays here. Subscriptions have no request or reply.
 */
export interface GraphQLContext {
  actor: Actor;
  services: Services;
  logger: Logger;
  request: FastifyRequest;
  reply: FastifyReply;
  session: SessionCookie;
  /** Over the WebSocket only: how a subscription checks its access again. */
  subscription?: SubscriptionAccess;
}
