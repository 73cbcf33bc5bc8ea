import type { Actor, Viewer } from '../../common/actor.js';
import { forbidden, unauthenticated } from '../../graphql/errors.js';

/** A worker token's viewer: always limited to one team. */
export type WorkerViewer = Viewer & { tokenTeamId: string; tokenId: string };

/** The caller as a worker of its team, or UNAUTHENTICATED / FORBIDDEN. */
export function requireWorker(actor: Actor): WorkerViewer {
  const viewer = actor.viewer;
  if (!viewer) throw unauthenticated();
  if (!viewer.worker || !viewer.tokenTeamId || !viewer.tokenId)
    throw forbidden('only worker tokens claim and report runs');
  return viewer as WorkerViewer;
}
