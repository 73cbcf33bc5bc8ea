import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Run events name the run's team and status, so a waiting claim wakes when a run of its team is
 * queued instead of polling the queue once a second.
 */
export class RunEventsTeam1764310000000 implements MigrationInterface {
  name = 'RunEventsTeam1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION finetrack_notify_run() RETURNS trigger AS $$
      BEGIN
        PERFORM pg_notify('finetrack_events', json_build_object(
          'type', 'run', 'runId', NEW.id, 'experimentId', NEW.experiment_id,
          'teamId', NEW.team_id, 'status', NEW.status)::text);
        RETURN NULL;
      END;
      $$ LANGUAGE plpgsql
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION finetrack_notify_run() RETURNS trigger AS $$
      BEGIN
        PERFORM pg_notify('finetrack_events', json_build_object(
          'type', 'run', 'runId', NEW.id, 'experimentId', NEW.experiment_id)::text);
        RETURN NULL;
      END;
      $$ LANGUAGE plpgsql
    `);
  }
}
