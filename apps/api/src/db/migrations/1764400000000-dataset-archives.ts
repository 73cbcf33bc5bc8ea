import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploaded dataset archives. Each version of a dataset is its own row (runs keep pointing at the
 * version they used); `(team, name, version)` is unique, and every existing dataset is version 1.
 * The archive bytes are stored once per team and content hash in `dataset_archives`, however many
 * versions or datasets share them; thumbnails are small images kept in the database with their
 * dataset.
 */
export class DatasetArchives1764400000000 implements MigrationInterface {
  name = 'DatasetArchives1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE datasets ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
      ALTER TABLE datasets ADD COLUMN class_counts jsonb;
      -- Names were not unique before: earlier datasets sharing a name become its versions, in
      -- the order they were made (a name used once stays version 1).
      UPDATE datasets d SET version = numbered.version
        FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY team_id, name ORDER BY created_at, id)
                AS version FROM datasets) numbered
        WHERE d.id = numbered.id AND numbered.version > 1;
      ALTER TABLE datasets ADD CONSTRAINT datasets_team_name_version_key
        UNIQUE (team_id, name, version);

      CREATE TABLE dataset_archives (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        byte_size bigint NOT NULL CHECK (byte_size >= 0),
        format text NOT NULL CHECK (format IN ('zip', 'tar', 'tar.gz')),
        storage_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, sha256)
      );

      -- Uploads that tus finished and that were stored, until a dataset is made of them.
      CREATE TABLE dataset_uploads (
        upload_id text PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        owner_key text NOT NULL,
        sha256 text NOT NULL,
        byte_size bigint NOT NULL,
        format text,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE dataset_thumbnails (
        dataset_id uuid NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        index integer NOT NULL CHECK (index >= 0),
        class_name text NOT NULL,
        content_type text NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (dataset_id, index)
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE dataset_thumbnails;
      DROP TABLE dataset_uploads;
      DROP TABLE dataset_archives;
      ALTER TABLE datasets DROP CONSTRAINT datasets_team_name_version_key;
      ALTER TABLE datasets DROP COLUMN class_counts;
      ALTER TABLE datasets DROP COLUMN version;
    `);
  }
}
