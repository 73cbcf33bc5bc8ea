import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker registry: one row per worker process (its worker id) and the token it claims with,
 * written on every claimRun and stamped on every heartbeatRun. A worker serves the token's team
 * (team_id set) or every team (an instance token); it goes with its token.
 */
export class Workers1764470000000 implements MigrationInterface {
  name = 'Workers1764470000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE workers (
         id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
         token_id uuid NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
         worker_id text NOT NULL,
         name text NOT NULL,
         hostname text NOT NULL,
         backends text[] NOT NULL,
         device text NOT NULL,
         kinds text[] NOT NULL,
         concurrency integer,
         version text,
         protocol_version integer NOT NULL,
         first_seen_at timestamptz NOT NULL DEFAULT now(),
         last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT workers_token_worker UNIQUE (token_id, worker_id)
       )`,
    );
    await queryRunner.query(
      `CREATE INDEX workers_last_heartbeat ON workers (last_heartbeat_at DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workers`);
  }
}
