import type { DataSource } from 'typeorm';
import type { EventsService } from '../modules/events/events.service.js';
import type { ScoresService } from '../modules/scores/scores.service.js';

/** Training samples the demo's scoring job reads: the middle size of the demo's sweep. */
export const DEMO_SCORE_SAMPLES = 1000;

/**
 * Queues the demo's scoring job (LogME, LEEP, NCE of every trained source model of the demo
 * team on the demo experiment's target dataset) once all of its source models are trained and
 * none is scored yet. Idempotent; returns whether the job is queued (now or before).
 */
export async function queueDemoScores(
  dataSource: DataSource,
  scores: ScoresService,
  teamId: string,
  experimentId: string,
): Promise<boolean> {
  const models = (await dataSource.query(
    `SELECT m.id, m.status, e.target_dataset_id,
            EXISTS (SELECT 1 FROM source_model_scores s
                     WHERE s.model_id = m.id AND s.dataset_id = e.target_dataset_id) AS scored
       FROM models m JOIN experiments e ON e.id = $2 AND e.team_id = m.team_id
      WHERE m.team_id = $1 AND m.kind = 'source'
      ORDER BY m.created_at, m.id`,
    [teamId, experimentId],
  )) as { id: string; status: string; target_dataset_id: string; scored: boolean }[];
  if (models.length < 2 || models.some((model) => model.status !== 'ready')) return false;
  if (models.some((model) => model.scored)) return true;
  await scores.enqueue(
    teamId,
    models[0].target_dataset_id,
    models.map((model) => model.id),
    DEMO_SCORE_SAMPLES,
  );
  return true;
}

/**
 * Queues the demo's scoring job now if its sources are trained, else when the run that trains
 * the last of them succeeds. Returns the stop.
 */
export async function scoreDemoSources(
  dataSource: DataSource,
  scores: ScoresService,
  events: EventsService,
  teamId: string,
  experimentId: string,
  onError: (error: unknown) => void,
): Promise<() => void> {
  let done = await queueDemoScores(dataSource, scores, teamId, experimentId);
  if (done) return () => {};
  let checking = Promise.resolve();
  const stop = events.listen((event) => {
    if (done || event.type !== 'run' || event.teamId !== teamId) return;
    if (event.status !== 'succeeded') return;
    checking = checking.then(async () => {
      if (done) return;
      done = await queueDemoScores(dataSource, scores, teamId, experimentId).catch((error) => {
        onError(error);
        return false;
      });
      if (done) stop();
    });
  });
  return stop;
}
