import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A roll-up of metric_points in chunks of 16 steps (chunk = step >> 4) with each chunk's point
 * count, lowest and highest point as [value, step, wall_time]. Reading down-sampled curves
 * aggregates these instead of every point (16× fewer rows); ingest keeps it current.
 */
export class MetricChunks1764280000000 implements MigrationInterface {
  name = 'MetricChunks1764280000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE metric_chunks (
        run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key text NOT NULL,
        chunk integer NOT NULL,
        n integer NOT NULL CHECK (n > 0),
        low double precision[] NOT NULL,
        high double precision[] NOT NULL,
        PRIMARY KEY (run_id, key, chunk)
      );
      INSERT INTO metric_chunks (run_id, key, chunk, n, low, high)
      SELECT run_id, key, step >> 4, count(*),
             min(ARRAY[value, step, wall_time]), max(ARRAY[value, step, wall_time])
        FROM metric_points GROUP BY run_id, key, step >> 4;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE metric_chunks');
  }
}
