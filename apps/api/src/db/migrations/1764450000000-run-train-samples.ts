import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's training-set size, for sweeps that vary it (the seed's "how much target data" axis):
 * null means the whole training split, as every run before this migration used.
 */
export class RunTrainSamples1764450000000 implements MigrationInterface {
  name = 'RunTrainSamples1764450000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE runs ADD COLUMN train_samples integer
         CONSTRAINT runs_train_samples_positive CHECK (train_samples IS NULL OR train_samples > 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE runs DROP COLUMN train_samples');
  }
}
