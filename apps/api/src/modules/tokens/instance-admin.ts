import type { DataSource } from 'typeorm';
import type { Config } from '../../config.js';

/**
 * The SQL condition (on a users row aliased `alias`, with the admin e-mails at `$emails`, a
 * text[]) that makes a user an instance administrator: listed in FINETRACK_ADMIN_EMAILS. A fresh
 * install needs none: the local worker's instance token is made by the server itself. The one
 * definition, used when a token is made and each time an instance token is checked.
 */
export function instanceAdminCondition(alias: string, emails: string): string {
  return `(lower(${alias}.email) = ANY(${emails}::text[]))`;
}

/** Whether the user may create and revoke instance worker tokens. */
export async function isInstanceAdmin(
  dataSource: DataSource,
  config: Config,
  userId: string,
): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM users u WHERE u.id = $1 AND ${instanceAdminCondition('u', '$2')}`,
    [userId, config.adminEmails],
  );
  return rows.length > 0;
}
