import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a model expects its input pixels scaled (see Preprocessing in @finetrack/shared). Every
 * model made before this column was trained by Finetrack on 0–1 inputs, hence 'unit'.
 */
export class ModelPreprocessing1764420000000 implements MigrationInterface {
  name = 'ModelPreprocessing1764420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE models ADD COLUMN preprocessing text NOT NULL DEFAULT 'unit'
        CHECK (preprocessing IN ('unit', 'symmetric', 'caffe', 'torch'))
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE models DROP COLUMN preprocessing`);
  }
}
