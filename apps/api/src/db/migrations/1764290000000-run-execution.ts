import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Executing runs (issue 4). A run is either a fine-tuning run of an experiment or the
 * pretraining of a source model (kind = 'pretrain', model_id = the source model it trains,
 * experiment_id null); a model pretrained here is `pending` until its run completes and no
 * fine-tuning job of it is queued before. The queue itself is pg-boss (its own schema): job_id
 * is the run's current job. Leases live on the run; the last recorded checkpoint is where the
 * next claim resumes. Every change of a run row is announced with NOTIFY for subscriptions.
 */
export class RunExecution1764290000000 implements MigrationInterface {
  name = 'RunExecution1764290000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE api_tokens
        ADD COLUMN role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'worker')),
        ADD CONSTRAINT api_tokens_worker_team CHECK (role = 'user' OR team_id IS NOT NULL);

      ALTER TABLE models
        ADD COLUMN status text NOT NULL DEFAULT 'ready' CHECK (status IN ('pending', 'ready'));

      ALTER TABLE runs
        ALTER COLUMN experiment_id DROP NOT NULL,
        ADD COLUMN kind text NOT NULL DEFAULT 'finetune' CHECK (kind IN ('pretrain', 'finetune')),
        ADD COLUMN model_id uuid REFERENCES models(id) ON DELETE CASCADE,
        ADD COLUMN job_id uuid,
        ADD COLUMN lease_token text,
        ADD COLUMN worker_token_id uuid REFERENCES api_tokens(id) ON DELETE SET NULL,
        ADD COLUMN checkpoint_epoch integer,
        ADD COLUMN checkpoint_global_step integer,
        ADD COLUMN checkpoint_artifact_ids uuid[],
        ADD COLUMN result_model_id uuid REFERENCES models(id) ON DELETE SET NULL,
        ADD CONSTRAINT runs_kind_owner CHECK (
          (kind = 'finetune' AND experiment_id IS NOT NULL) OR
          (kind = 'pretrain' AND model_id IS NOT NULL));
      CREATE INDEX runs_model_idx ON runs (model_id) WHERE model_id IS NOT NULL;
      CREATE INDEX runs_worker_idx ON runs (worker_id) WHERE status = 'running';

      ALTER TABLE artifacts
        ADD COLUMN file_name text NOT NULL DEFAULT 'file',
        ADD COLUMN status text NOT NULL DEFAULT 'stored' CHECK (status IN ('pending', 'stored'));
      CREATE INDEX artifacts_pending_idx ON artifacts (created_at) WHERE status = 'pending';

      CREATE FUNCTION finetrack_notify_run() RETURNS trigger AS $$
      BEGIN
        PERFORM pg_notify('finetrack_events', json_build_object(
          'type', 'run', 'runId', NEW.id, 'experimentId', NEW.experiment_id)::text);
        RETURN NULL;
      END;
      $$ LANGUAGE plpgsql;
      CREATE TRIGGER runs_notify AFTER INSERT OR UPDATE ON runs
        FOR EACH ROW EXECUTE FUNCTION finetrack_notify_run();
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER runs_notify ON runs;
      DROP FUNCTION finetrack_notify_run();
      ALTER TABLE artifacts DROP COLUMN file_name, DROP COLUMN status;
      DELETE FROM runs WHERE kind = 'pretrain';
      ALTER TABLE runs DROP CONSTRAINT runs_kind_owner, DROP COLUMN kind, DROP COLUMN model_id,
        DROP COLUMN job_id, DROP COLUMN lease_token, DROP COLUMN worker_token_id,
        DROP COLUMN checkpoint_epoch, DROP COLUMN checkpoint_global_step,
        DROP COLUMN checkpoint_artifact_ids, DROP COLUMN result_model_id,
        ALTER COLUMN experiment_id SET NOT NULL;
      ALTER TABLE models DROP COLUMN status;
      ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_worker_team, DROP COLUMN role;
    `);
  }
}
