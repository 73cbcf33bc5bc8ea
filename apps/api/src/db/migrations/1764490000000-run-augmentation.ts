import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's training-time augmentation (flip, crop fraction, rotation degrees; every run before
 * this migration had none, the defaults) and how its worker used the frozen-prefix feature cache
 * (null until a worker finishes the run). The upper bounds are the API's to check, from the
 * shared rule book; the table only refuses negative values.
 */
export class RunAugmentation1764490000000 implements MigrationInterface {
  name = 'RunAugmentation1764490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE runs
         ADD COLUMN augment_flip boolean NOT NULL DEFAULT false,
         ADD COLUMN augment_crop double precision NOT NULL DEFAULT 0
           CONSTRAINT runs_augment_crop_non_negative CHECK (augment_crop >= 0),
         ADD COLUMN augment_rotation double precision NOT NULL DEFAULT 0
           CONSTRAINT runs_augment_rotation_non_negative CHECK (augment_rotation >= 0),
         ADD COLUMN feature_cache text`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE runs DROP COLUMN augment_flip, DROP COLUMN augment_crop,
                        DROP COLUMN augment_rotation, DROP COLUMN feature_cache`,
    );
  }
}
