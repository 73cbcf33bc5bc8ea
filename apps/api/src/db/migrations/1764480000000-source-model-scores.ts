import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoring jobs and their results: one row per (dataset version, source model, training-set
 * size). The row is its own queue entry (claimed with SKIP LOCKED) and carries the lease of the
 * worker scoring it, as runs do. train_samples NULL means the whole training split; the unique
 * index treats it as one value so the whole split is scored once too.
 */
export class SourceModelScores1764480000000 implements MigrationInterface {
  name = 'SourceModelScores1764480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE source_model_scores (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        dataset_id uuid NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        model_id uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        train_samples integer,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        log_me double precision,
        leep double precision,
        nce double precision,
        feature_dimension integer,
        samples integer,
        seconds double precision,
        error_message text,
        attempts integer NOT NULL DEFAULT 0,
        worker_id text,
        worker_token_id uuid REFERENCES api_tokens(id) ON DELETE SET NULL,
        lease_token text,
        lease_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX source_model_scores_key
         ON source_model_scores (dataset_id, model_id, coalesce(train_samples, -1))`,
    );
    await queryRunner.query(
      `CREATE INDEX source_model_scores_waiting ON source_model_scores (created_at)
        WHERE status IN ('queued', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE source_model_scores');
  }
}
