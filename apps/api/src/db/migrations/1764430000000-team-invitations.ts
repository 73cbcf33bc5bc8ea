import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations to join a team, addressed to an email. They point at no account: whoever signs in
 * with that email (now or after signing up later) sees them, so sending one looks the same
 * whether or not the address has an account. Rows are kept after an answer (status changes), so
 * the hourly sending limits count what was sent, revoked or not.
 */
export class TeamInvitations1764430000000 implements MigrationInterface {
  name = 'TeamInvitations1764430000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE team_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email)),
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        expires_at timestamptz NOT NULL,
        answered_at timestamptz
      );
      CREATE UNIQUE INDEX team_invitations_pending_key
        ON team_invitations (team_id, email) WHERE status = 'pending';
      CREATE INDEX team_invitations_email_idx ON team_invitations (email) WHERE status = 'pending';
      CREATE INDEX team_invitations_team_sent_idx ON team_invitations (team_id, created_at);
      CREATE INDEX team_invitations_inviter_sent_idx ON team_invitations (invited_by, created_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE team_invitations');
  }
}
