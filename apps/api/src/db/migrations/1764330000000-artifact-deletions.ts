import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting a team, project, experiment, run or model deletes its artifact rows by cascade; a
 * trigger queues each deleted artifact here in the same transaction, and NOTIFY (sent at commit,
 * once per transaction) tells the API to remove the files. The rows go only after their file is
 * gone, so a crash between the commit and the removal leaves a queued file that the periodic
 * sweep removes, and never a row pointing at a missing file.
 */
export class ArtifactDeletions1764330000000 implements MigrationInterface {
  name = 'ArtifactDeletions1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE artifact_deletions (
        artifact_id uuid PRIMARY KEY,
        team_id uuid NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE FUNCTION finetrack_artifact_deleted() RETURNS trigger AS $$
      BEGIN
        INSERT INTO artifact_deletions (artifact_id, team_id) VALUES (OLD.id, OLD.team_id)
          ON CONFLICT DO NOTHING;
        PERFORM pg_notify('finetrack_events', '{"type":"artifacts-deleted"}');
        RETURN OLD;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER artifacts_deleted AFTER DELETE ON artifacts
        FOR EACH ROW EXECUTE FUNCTION finetrack_artifact_deleted();
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TRIGGER artifacts_deleted ON artifacts;
      DROP FUNCTION finetrack_artifact_deleted();
      DROP TABLE artifact_deletions;
    `);
  }
}
