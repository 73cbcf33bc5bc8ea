import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each roll-up chunk's lowest and highest point, packed once at write time as six big-endian
 * float8 (low step, value, wall, then high step, value, wall): the down-sampled read
 * concatenates these per curve instead of subscripting and encoding two arrays per chunk on
 * every read. A stored generated column, so ingest needs no change and it can never drift.
 */
export class MetricChunksPacked1764300000000 implements MigrationInterface {
  name = 'MetricChunksPacked1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE metric_chunks ADD COLUMN packed bytea NOT NULL GENERATED ALWAYS AS (
        float8send(low[2]) || float8send(low[1]) || float8send(low[3])
        || float8send(high[2]) || float8send(high[1]) || float8send(high[3])
      ) STORED
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE metric_chunks DROP COLUMN packed');
  }
}
