import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Services } from '../services.js';

/** Who is calling. A token may be limited to one team. */
export interface Viewer {
  userId: string;
  via: 'cookie' | 'token';
  tokenTeamId: string | null;
  /** The API token used (via 'token'). */
  tokenId?: string;
  /** A worker token: only the worker operations, only its team (tokenTeamId). */
  worker?: boolean;
}

export interface GraphQLContext {
  viewer: Viewer | null;
  services: Services;
  logger: Logger;
  request: FastifyRequest;
  reply: FastifyReply;
  /** Roles looked up during this request, by team id (null: not a member). */
  roles: Map<string, string | null>;
}
