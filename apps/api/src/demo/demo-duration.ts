import { TERMINAL_RUN_STATUSES } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { EventsService } from '../modules/events/events.service.js';

export interface DemoDuration {
  runs: number;
  succeeded: number;
  /** From the first run's creation to the last run's end. */
  seconds: number;
}

/** The demo team's runs once every one of them has ended, else null. */
export async function finishedDemo(
  dataSource: DataSource,
  teamId: string,
): Promise<DemoDuration | null> {
  const [row]: {
    runs: number;
    open: number;
    succeeded: number;
    seconds: number | null;
  }[] = await dataSource.query(
    `SELECT count(*)::int AS runs,
            count(*) FILTER (WHERE status <> ALL($2::text[]))::int AS open,
            count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
            extract(epoch FROM max(finished_at) - min(created_at))::float AS seconds
       FROM runs WHERE team_id = $1`,
    [teamId, TERMINAL_RUN_STATUSES],
  );
  if (!row || row.runs === 0 || row.open > 0) return null;
  return { runs: row.runs, succeeded: row.succeeded, seconds: row.seconds ?? 0 };
}

export function formatDemoDuration(duration: DemoDuration): string {
  const minutes = Math.floor(duration.seconds / 60);
  const seconds = Math.round(duration.seconds - minutes * 60);
  return `  Demo finished: ${duration.succeeded} of ${duration.runs} runs succeeded in ${minutes} min ${seconds} s`;
}

/**
 * Calls `report` once when the demo team's last open run ends (checked on every run event of
 * the team); never when the demo had already finished before this start. Returns the stop.
 */
export async function whenDemoFinishes(
  dataSource: DataSource,
  events: EventsService,
  teamId: string,
  report: (duration: DemoDuration) => void,
): Promise<() => void> {
  if (await finishedDemo(dataSource, teamId)) return () => {};
  let stopped = false;
  let checking = Promise.resolve();
  const stop = events.listen((event) => {
    if (event.type !== 'run' || event.teamId !== teamId) return;
    if (!event.status || !TERMINAL_RUN_STATUSES.includes(event.status as never)) return;
    checking = checking.then(async () => {
      const duration = await finishedDemo(dataSource, teamId).catch(() => null);
      if (duration && stopped === false) {
        stopped = true;
        stop();
        report(duration);
      }
    });
  });
  return () => {
    stopped = true;
    stop();
  };
}
