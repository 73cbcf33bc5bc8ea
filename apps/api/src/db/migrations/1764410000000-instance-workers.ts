import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Instance workers: a worker token with no team serves every team of the install. The API
 * itself makes one for the worker that `npm start` runs, before any user exists, so such a
 * token may have no owner (user_id NULL); a CHECK keeps owner-less tokens to instance workers.
 * A worker token without a team is no longer an error but an instance worker's.
 */
export class InstanceWorkers1764410000000 implements MigrationInterface {
  name = 'InstanceWorkers1764410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE api_tokens ALTER COLUMN user_id DROP NOT NULL,
         DROP CONSTRAINT api_tokens_worker_team,
         ADD CONSTRAINT api_tokens_owner_check
           CHECK (user_id IS NOT NULL OR (team_id IS NULL AND role = 'worker'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM api_tokens WHERE role = 'worker' AND team_id IS NULL`);
    await queryRunner.query(
      `ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_owner_check,
         ALTER COLUMN user_id SET NOT NULL,
         ADD CONSTRAINT api_tokens_worker_team CHECK (role = 'user' OR team_id IS NOT NULL)`,
    );
  }
}
