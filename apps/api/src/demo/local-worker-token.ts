import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_WORKER_TOKEN_FILE } from '@finetrack/shared';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { TOKEN_PREFIX } from '../common/credentials.js';
import { newSecret, sha256Hex } from '../common/secrets.js';
import type { Config } from '../config.js';

/**
 * Makes sure `$FINETRACK_HOME/local-worker.token` (0600) holds a live instance worker token, so
 * the worker that `npm start` runs serves every team of the install, demo or not. The token has
 * no owner: only a process that can write the API's home (and so its database) makes one. A
 * file from an older install holding a team token, or a revoked token, is replaced. Returns the
 * file's path.
 */
export async function ensureLocalWorkerToken(
  dataSource: DataSource,
  config: Config,
  logger: Logger,
): Promise<string> {
  const tokenFile = path.join(config.finetrackHome, LOCAL_WORKER_TOKEN_FILE);
  const current = await readFile(tokenFile, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (current) {
    const rows: unknown[] = await dataSource.query(
      `SELECT 1 FROM api_tokens
        WHERE token_hash = $1 AND team_id IS NULL AND role = 'worker' AND revoked_at IS NULL`,
      [sha256Hex(current)],
    );
    if (rows.length > 0) return tokenFile;
  }
  const token = newSecret(TOKEN_PREFIX);
  await dataSource.query(
    `INSERT INTO api_tokens (user_id, team_id, name, prefix, token_hash, role)
     VALUES (NULL, NULL, 'local worker', $1, $2, 'worker')`,
    [token.slice(0, TOKEN_PREFIX.length + 6), sha256Hex(token)],
  );
  await mkdir(config.finetrackHome, { recursive: true });
  const temporary = `${tokenFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, tokenFile);
  logger.info({ tokenFile }, 'wrote the local instance worker token');
  return tokenFile;
}
