import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, teams, tokens and the transfer-learning data model. */
export class InitialSchema1764270000000 implements MigrationInterface {
  name = 'InitialSchema1764270000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX sessions_user_idx ON sessions (user_id);

      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );

      CREATE TABLE memberships (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        UNIQUE (team_id, user_id)
      );
      CREATE INDEX memberships_user_idx ON memberships (user_id);

      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at);
      CREATE INDEX api_tokens_team_idx ON api_tokens (team_id, created_at);

      CREATE TABLE projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX projects_team_idx ON projects (team_id, created_at, id);

      CREATE TABLE datasets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        class_names text[] NOT NULL,
        train_samples integer NOT NULL CHECK (train_samples >= 0),
        validation_samples integer NOT NULL CHECK (validation_samples >= 0),
        content_hash text,
        spec jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX datasets_team_idx ON datasets (team_id, created_at, id);

      CREATE TABLE models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('source', 'target')),
        architecture text NOT NULL,
        input_shape integer[] NOT NULL,
        layers jsonb NOT NULL,
        total_params bigint NOT NULL CHECK (total_params >= 0),
        trainable_params bigint NOT NULL CHECK (trainable_params >= 0),
        dataset_id uuid REFERENCES datasets(id) ON DELETE SET NULL,
        parent_model_id uuid REFERENCES models(id) ON DELETE SET NULL,
        surgery jsonb,
        weights_sha256 text,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        CHECK (kind = 'target' OR surgery IS NULL)
      );
      CREATE INDEX models_team_idx ON models (team_id, created_at, id);
      CREATE INDEX models_parent_idx ON models (parent_model_id);

      CREATE TABLE experiments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name text NOT NULL,
        source_model_id uuid REFERENCES models(id) ON DELETE SET NULL,
        target_dataset_id uuid REFERENCES datasets(id) ON DELETE SET NULL,
        sweep jsonb NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX experiments_project_idx ON experiments (project_id, created_at, id);

      CREATE TABLE runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        experiment_id uuid NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        frozen_layers integer NOT NULL CHECK (frozen_layers >= 0),
        learning_rate double precision NOT NULL
          CHECK (learning_rate > 0 AND learning_rate < 'Infinity'::float8),
        epochs integer NOT NULL CHECK (epochs >= 1),
        batch_size integer NOT NULL CHECK (batch_size >= 1),
        optimizer text NOT NULL,
        seed integer NOT NULL,
        initialization text NOT NULL CHECK (initialization IN ('pretrained', 'scratch')),
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        external boolean NOT NULL DEFAULT false,
        error_message text,
        best_val_accuracy double precision,
        last_val_accuracy double precision,
        best_val_loss double precision,
        last_val_loss double precision,
        best_epoch integer,
        wall_seconds double precision,
        samples_per_second double precision,
        backend text,
        device text,
        -- Queue columns for the worker issue: a worker claims a run for a lease and heartbeats it;
        -- a lease past lease_expires_at can be reclaimed, attempts counts claims.
        worker_id text,
        lease_expires_at timestamptz,
        heartbeat_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        queued_at timestamptz DEFAULT date_trunc('milliseconds', now()),
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      );
      CREATE INDEX runs_experiment_idx ON runs (experiment_id, created_at, id);
      CREATE INDEX runs_claim_idx ON runs (queued_at, id) WHERE status = 'queued';
      CREATE INDEX runs_lease_idx ON runs (lease_expires_at) WHERE status = 'running';

      CREATE TABLE metric_points (
        run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key text NOT NULL,
        step integer NOT NULL CHECK (step >= 0),
        value double precision NOT NULL,
        wall_time double precision NOT NULL,
        PRIMARY KEY (run_id, key, step)
      );

      CREATE TABLE artifacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        run_id uuid REFERENCES runs(id) ON DELETE CASCADE,
        model_id uuid REFERENCES models(id) ON DELETE CASCADE,
        kind text NOT NULL,
        byte_size bigint NOT NULL CHECK (byte_size >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_path text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        CHECK ((run_id IS NULL) <> (model_id IS NULL))
      );
      CREATE INDEX artifacts_run_idx ON artifacts (run_id);
      CREATE INDEX artifacts_model_idx ON artifacts (model_id);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE artifacts, metric_points, runs, experiments, models, datasets, projects,
        api_tokens, memberships, teams, sessions, users;
    `);
  }
}
