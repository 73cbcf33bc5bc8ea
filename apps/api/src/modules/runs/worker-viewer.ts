import type { Actor, Viewer } from '../../common/actor.js';
import { forbidden, unauthenticated } from '../../graphql/errors.js';

/**
 * A worker token's viewer: a team worker's token is limited to one team (tokenTeamId); an
 * instance worker's has no team (null) and reaches a run only while it holds or held it.
 */
export type WorkerViewer = Viewer & { tokenTeamId: string | null; tokenId: string };

/** The caller as a worker (of its team or of the instance), or UNAUTHENTICATED / FORBIDDEN. */
export function requireWorker(actor: Actor): WorkerViewer {
  const viewer = actor.viewer;
  if (!viewer) throw unauthenticated();
  if (!viewer.worker || (!viewer.tokenTeamId && !viewer.instanceWorker) || !viewer.tokenId)
    throw forbidden('only worker tokens claim and report runs');
  return viewer as WorkerViewer;
}

/**
 * The SQL condition that keeps a worker to the runs it may touch, with `$team` and `$token` the
 * placeholders of the viewer's tokenTeamId and tokenId: its team's runs for a team worker, the
 * runs leased through its token for an instance worker (tokenTeamId NULL).
 */
export function workerRunScope(team: string, token: string, column = ''): string {
  return `(${column}team_id = ${team} OR (${team}::uuid IS NULL AND ${column}worker_token_id = ${token}))`;
}

/**
 * Selects a row while the instance worker whose token id is `$2` holds work of team `$1`: one of
 * its runs or scoring jobs. An instance worker reaches a team's resources only through such work.
 */
export const INSTANCE_WORKER_HOLDS_SQL = `SELECT 1 FROM runs
    WHERE team_id = $1 AND worker_token_id = $2 AND status = 'running'
   UNION ALL
   SELECT 1 FROM source_model_scores
    WHERE team_id = $1 AND worker_token_id = $2 AND status = 'running'
   LIMIT 1`;
