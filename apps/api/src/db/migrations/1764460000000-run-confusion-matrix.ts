import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's final confusion matrix on its validation set (counts[actual][predicted] with the class
 * names), and its lowest per-class accuracy kept beside it so the grid can average "worst class"
 * without reading every matrix.
 */
export class RunConfusionMatrix1764460000000 implements MigrationInterface {
  name = 'RunConfusionMatrix1764460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE runs ADD COLUMN confusion_matrix jsonb,
                        ADD COLUMN worst_class_accuracy double precision,
                        ADD COLUMN worst_class text`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE runs DROP COLUMN confusion_matrix, DROP COLUMN worst_class_accuracy, DROP COLUMN worst_class',
    );
  }
}
