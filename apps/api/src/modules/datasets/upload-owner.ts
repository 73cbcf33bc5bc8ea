import type { Actor } from '../../common/actor.js';

/** Who owns an upload: the API token when one was used, else the user (a browser session). */
export function ownerKeyOf(actor: Actor): string | null {
  const viewer = actor.viewer;
  if (!viewer) return null;
  return viewer.via === 'token' && viewer.tokenId
    ? `token:${viewer.tokenId}`
    : `user:${viewer.userId}`;
}
