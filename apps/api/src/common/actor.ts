/**
 * The caller as the services see it. The transport (a resolver, an artifact route, a
 * subscription) builds one per request; services never see the GraphQL context, the HTTP
 * request or the reply, so they can be called and tested without GraphQL.
 */

/** Who is calling. A token may be limited to one team. */
export interface Viewer {
  userId: string;
  via: 'cookie' | 'token';
  tokenTeamId: string | null;
  /** The API token used (via 'token'). */
  tokenId?: string;
  /** A worker token: only the worker operations, only its team (tokenTeamId). */
  worker?: boolean;
  /**
   * An instance worker token (no team): claims runs of every team, and reaches a team's data
   * only through a run it holds.
   */
  instanceWorker?: boolean;
}

/** A request's principal: the viewer (null when anonymous) and what was looked up for it. */
export interface Actor {
  viewer: Viewer | null;
  /** Roles looked up during this request, by team id (null: not a member). */
  roles: Map<string, string | null>;
  /** The client's address as the server sees it (after TRUST_PROXY), for rate limits. */
  address?: string;
}

/** A fresh actor for one request. */
export function actorFor(viewer: Viewer | null, address?: string): Actor {
  return { viewer, roles: new Map(), address };
}
