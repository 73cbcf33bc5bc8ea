import { WORKER_ONLINE_SECONDS } from '@finetrack/shared';

/**
 * The workers that serve a team (`$team`, a uuid placeholder), one row per registry entry with
 * `online`, `instance` and the run it holds (`run_id`, `run_team_id`): the team's own worker
 * tokens and the instance's, neither revoked nor expired. The one definition of who serves a
 * team and of being online, for the workers list and for why a queued run waits.
 */
export function servingWorkersSql(team: string): string {
  return `SELECT w.*, t.team_id IS NULL AS instance, held.id AS run_id, held.team_id AS run_team_id,
            (w.last_heartbeat_at > now() - make_interval(secs => ${WORKER_ONLINE_SECONDS})
              OR held.id IS NOT NULL) AS online
       FROM workers w
       JOIN api_tokens t ON t.id = w.token_id
       LEFT JOIN LATERAL (
         SELECT r.id, r.team_id FROM runs r
          WHERE r.status = 'running' AND r.worker_id = w.worker_id
            AND r.worker_token_id = w.token_id AND r.lease_expires_at > now()
          LIMIT 1) held ON true
      WHERE t.role = 'worker' AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > now())
        AND (t.team_id = ${team} OR t.team_id IS NULL)`;
}
